import { Body, Controller, Logger, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AgentService } from '../agent/agent.service';
import { abortOnClose } from '../common/http/abort-on-close';
import { pipeSse } from '../common/sse/pipe-sse';
import { toCompletionInput } from './chat-completion-request.mapper';
import { ChatCompletionsEndpoint } from './chat-completions-endpoint.decorator';
import { ChatCompletionRequestDto } from './dto';

@Controller('v1')
export class ChatCompletionsController {
  private readonly logger = new Logger(ChatCompletionsController.name);

  constructor(private readonly agentService: AgentService) {}

  @ChatCompletionsEndpoint()
  async create(@Body() dto: ChatCompletionRequestDto, @Res() res: Response): Promise<void> {
    const input = toCompletionInput(dto, this.agentService.defaultModelId);
    if (input.stream) {
      await pipeSse(res, this.agentService.stream(input), {
        onUnexpectedError: (err) => this.logger.error({ err }, 'Stream failed'),
      });
      return;
    }
    const completion = await this.agentService.complete(input, abortOnClose(res));
    res.json(completion);
  }
}
