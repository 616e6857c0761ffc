import { applyDecorators, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

/** Swagger noise for the one chat-completions route, kept out of the controller. */
export function ChatCompletionsEndpoint(): MethodDecorator {
  return applyDecorators(
    Post('chat/completions'),
    HttpCode(200),
    ApiTags('chat'),
    ApiOperation({
      summary: 'Create a chat completion',
      description:
        'OpenAI-compatible. With `stream: false` the reply is a `chat.completion` JSON object; with `stream: true` ' +
        'it is a `text/event-stream` of `chat.completion.chunk` objects ending with `data: [DONE]`.',
    }),
    ApiOkResponse({ description: 'A `chat.completion` object, or an SSE stream of `chat.completion.chunk` objects.' }),
    ApiBadRequestResponse({ description: 'Invalid request: `{"error": {"message", "type", "param", "code"}}`.' }),
    ApiNotFoundResponse({ description: 'Unknown model (`code: "model_not_found"`).' }),
  );
}
