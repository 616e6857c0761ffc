import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { precomputeHeaders } from './precomputed-headers';

describe(precomputeHeaders.name, () => {
  it('should set exactly the headers helmet sets, on every response', async () => {
    const options = { crossOriginResourcePolicy: false as const };
    const withHelmet = express()
      .use(helmet(options))
      .get('/', (_req, res) => res.send('ok'));
    const precomputed = express()
      .use(precomputeHeaders(helmet(options)))
      .get('/', (_req, res) => res.send('ok'));
    const expected = (await request(withHelmet).get('/')).headers;
    for (let i = 0; i < 2; i++) {
      const actual = (await request(precomputed).get('/')).headers;
      const strip = (headers: Record<string, unknown>) => {
        const { date: _date, ...rest } = headers;
        return rest;
      };
      expect(strip(actual)).toEqual(strip(expected));
      expect(actual['x-powered-by']).toBeUndefined();
      expect(actual['content-security-policy']).toContain("default-src 'self'");
    }
  });

  it('should refuse a middleware whose headers depend on the request', () => {
    const perRequest = (req: express.Request, res: express.Response, next: express.NextFunction) => {
      res.setHeader('x-path', req.path);
      next();
    };
    expect(() => precomputeHeaders(perRequest)).toThrow(/reads req.path/);
    const late = (_req: express.Request, _res: express.Response, next: express.NextFunction) => {
      setImmediate(next);
    };
    expect(() => precomputeHeaders(late)).toThrow(/did not call next/);
  });
});
