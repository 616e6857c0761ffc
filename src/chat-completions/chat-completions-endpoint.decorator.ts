import { applyDecorators, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/swagger/api-error-responses.decorator';
import { CHAT_COMPLETION_EXAMPLES, CHAT_COMPLETION_STREAM_EXAMPLE } from './chat-completion.examples';
import { ChatCompletionRequestDto } from './dto';
import { ChatCompletionChunkDto } from './dto/chat-completion-chunk.dto';
import { ChatCompletionResponseDto } from './dto/chat-completion-response.dto';

/** Swagger noise for the one chat-completions route, kept out of the controller. */
export function ChatCompletionsEndpoint(): MethodDecorator {
  return applyDecorators(
    Post('chat/completions'),
    HttpCode(200),
    ApiTags('chat'),
    ApiOperation({
      operationId: 'createChatCompletion',
      summary: 'Create a chat completion',
      description:
        'OpenAI-compatible. With `stream: false` the reply is a `chat.completion` JSON object; with `stream: true` ' +
        'it is a `text/event-stream` of `chat.completion.chunk` objects ending with `data: [DONE]`. An error after ' +
        'the stream has started is one `data: {"error": {...}}` event.',
    }),
    ApiBody({ type: ChatCompletionRequestDto, examples: CHAT_COMPLETION_EXAMPLES }),
    ApiExtraModels(ChatCompletionResponseDto, ChatCompletionChunkDto),
    ApiOkResponse({
      description: 'A `chat.completion` object, or (with `stream: true`) a stream of `chat.completion.chunk` objects.',
      content: {
        'application/json': { schema: { $ref: getSchemaPath(ChatCompletionResponseDto) } },
        'text/event-stream': {
          schema: { $ref: getSchemaPath(ChatCompletionChunkDto) },
          example: CHAT_COMPLETION_STREAM_EXAMPLE,
        },
      },
    }),
    ApiErrorResponses(),
  );
}
