import { Body, Controller, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SseWriter } from '../common/sse/sse-writer.service';
import { requestContextOf } from '../request-context/request-context';
import { AgUiEndpoint } from './ag-ui-endpoint.decorator';
import { parseRunAgentInput } from './ag-ui-request.mapper';
import { agUiStreamFormat } from './ag-ui-stream.format';
import { AgUiService } from './ag-ui.service';

/** Under /v1, so API keys, rate limits, metrics, request ids, timeouts and the shutdown drain apply. */
@Controller('v1/agents')
export class AgUiController {
  constructor(
    private readonly agUi: AgUiService,
    private readonly sse: SseWriter,
  ) {}

  @AgUiEndpoint()
  async run(
    @Param('agentId') agentId: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const input = parseRunAgentInput(body);
    const scope = requestContextOf(req);
    const events$ = this.agUi.run(agentId, input, scope);
    await this.sse.write(res, events$, agUiStreamFormat(req.headers.accept), scope?.id);
  }
}
