import { Body, Controller, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { abortOnClose } from '../common/http/abort-on-close';
import { sendJson } from '../common/http/send-json';
import { SseWriter } from '../common/sse/sse-writer.service';
import { requestContextOf } from '../request-context/request-context';
import { toCompletionInput } from './chat-completion-request.mapper';
import { ChatCompletionsEndpoint } from './chat-completions-endpoint.decorator';
import { ChatCompletionsService } from './chat-completions.service';
import { ChatCompletionRequestDto } from './dto';

@Controller('v1')
export class ChatCompletionsController {
  constructor(
    private readonly chatCompletions: ChatCompletionsService,
    private readonly sse: SseWriter,
  ) {}

  @ChatCompletionsEndpoint()
  async create(@Body() dto: ChatCompletionRequestDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const input = toCompletionInput(dto, this.chatCompletions.defaultModelId);
    const scope = requestContextOf(req);
    if (input.stream) {
      await this.sse.write(res, this.chatCompletions.stream(input, scope), undefined, scope?.id);
      return;
    }
    const completion = await this.chatCompletions.complete(input, abortOnClose(res), scope);
    sendJson(res, 200, completion);
  }
}
