import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverConfig } from './app.config';

describe('serverConfig', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('should default to an open API, no limits, JSON logs off a terminal, and keep-alive above 60 s', () => {
    for (const key of ['API_KEYS', 'API_KEYS_FILE', 'RATE_LIMIT_RPM', 'CORS_ORIGINS', 'REDIS_URL', 'LOG_FORMAT']) {
      delete process.env[key];
    }
    process.env.CI = 'true';
    const config = serverConfig();
    expect(config).toMatchObject({
      apiKeys: [],
      rateLimitRpm: 0,
      rateLimitTpm: 0,
      corsOrigins: undefined,
      redisUrl: undefined,
      logFormat: 'json',
      maxConcurrentRequests: 0,
    });
    expect(config.keepAliveTimeoutMs).toBeGreaterThan(60_000);
    expect(config.headersTimeoutMs).toBeGreaterThan(config.keepAliveTimeoutMs);
  });

  it('should merge API_KEYS with API_KEYS_FILE (comments and blank lines skipped) and parse lists', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'keys.txt');
    writeFileSync(file, '# ops\nfile-key\r\n\n  spaced-key  \nenv-key\n');
    Object.assign(process.env, {
      API_KEYS: 'env-key, second-key,',
      API_KEYS_FILE: file,
      CORS_ORIGINS: 'https://a.example, https://b.example',
      TRUST_PROXY: '1',
      KEEP_ALIVE_TIMEOUT_MS: '90000',
    });
    const config = serverConfig();
    expect(config.apiKeys).toEqual(['env-key', 'second-key', 'file-key', 'spaced-key']);
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.trustProxy).toBe(1);
    expect(config.headersTimeoutMs).toBe(91_000);
  });

  it('should refuse to start on a bad setting or an unreadable key file, naming it', () => {
    process.env.REDIS_URL = 'localhost:6379';
    expect(() => serverConfig()).toThrow(/REDIS_URL/);
    delete process.env.REDIS_URL;
    process.env.API_KEYS_FILE = '/nonexistent/keys';
    expect(() => serverConfig()).toThrow(/API_KEYS_FILE/);
  });
});
