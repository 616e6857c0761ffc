import { Body, Controller, Logger, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AgentService } from '../agent/agent.service';
import { abortOnClose } from '../common/http/abort-on-close';
import { sendJson } from '../common/http/send-json';
import { pipeSse } from '../common/sse/pipe-sse';
import { requestContextOf } from '../request-context/request-context';
import { toCompletionInput } from './chat-completion-request.mapper';
import { ChatCompletionsEndpoint } from './chat-completions-endpoint.decorator';
import { ChatCompletionRequestDto } from './dto';

@Controller('v1')
export class ChatCompletionsController {
  private readonly logger = new Logger(ChatCompletionsController.name);

  constructor(private readonly agentService: AgentService) {}

  @ChatCompletionsEndpoint()
  async create(@Body() dto: ChatCompletionRequestDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const input = toCompletionInput(dto, this.agentService.defaultModelId);
    const scope = requestContextOf(req);
    if (input.stream) {
      await pipeSse(res, this.agentService.stream(input, scope), {
        onUnexpectedError: (err) => this.logger.error({ err, requestId: scope?.id }, 'Stream failed'),
      });
      return;
    }
    const completion = await this.agentService.complete(input, abortOnClose(res), scope);
    sendJson(res, 200, completion);
  }
}
