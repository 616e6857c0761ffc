import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { sendJson } from '../common/http/send-json';
import { errorBody } from '../common/errors/error-response';
import type { AllConfig, AppConfig } from '../config/app.config';
import { PLAYGROUND_CSP, PlaygroundAssets } from './playground-assets';

/** The browser playground: a static page that speaks AG-UI to /v1/agents/:agentId/ag-ui. Open, like /docs. */
@ApiTags('playground')
@Controller()
export class PlaygroundController {
  private readonly enabled: boolean;

  constructor(
    config: ConfigService<AllConfig, true>,
    private readonly assets: PlaygroundAssets,
  ) {
    this.enabled = config.get<AppConfig>('app').playground;
  }

  @Get()
  @ApiOperation({
    operationId: 'getPlayground',
    summary: 'The browser playground',
    description: 'An HTML page to chat with the served agents over AG-UI (also at `/playground`; PLAYGROUND=false).',
  })
  @ApiOkResponse({ description: 'The playground page.', content: { 'text/html': { schema: { type: 'string' } } } })
  page(@Res() res: Response): void {
    this.send(res, 'index.html');
  }

  @Get('playground')
  @ApiExcludeEndpoint()
  pageAlias(@Res() res: Response): void {
    this.send(res, 'index.html');
  }

  @Get('playground/:file')
  @ApiExcludeEndpoint()
  asset(@Param('file') file: string, @Res() res: Response): void {
    this.send(res, file);
  }

  private send(res: Response, name: string): void {
    if (!this.enabled) {
      throw new NotFoundException('The playground is turned off (PLAYGROUND=false).');
    }
    if (!this.assets.dir) {
      sendJson(
        res,
        503,
        errorBody('The playground is not built: run `npm run build`.', 'server_error', null, 'playground_not_built'),
      );
      return;
    }
    const asset = this.assets.get(name);
    if (!asset) {
      throw new NotFoundException(`No playground file named '${name}'.`);
    }
    res.setHeader('Content-Security-Policy', PLAYGROUND_CSP);
    res.setHeader('Content-Type', asset.contentType);
    res.setHeader('Cache-Control', 'no-cache');
    res.status(200).end(asset.body);
  }
}
