import type { ChatMessage, ContentPart, ModelRequest, ResponseFormat, ToolChoice } from '../../types';
import type {
  WireContentPart,
  WireMessage,
  WireResponseFormat,
  WireTool,
  WireToolChoice,
} from '../../../openai/openai.types';

export type MaxTokensField = 'max_tokens' | 'max_completion_tokens';

/** The Chat Completions body for one model call; fields left undefined are not sent. */
export function toWireRequest(
  model: string,
  request: ModelRequest,
  maxTokensField: MaxTokensField,
  stream: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    messages: request.messages.map(toWireMessage),
    temperature: request.temperature,
    top_p: request.topP,
    stop: request.stop,
    seed: request.seed,
    presence_penalty: request.presencePenalty,
    frequency_penalty: request.frequencyPenalty,
    logit_bias: request.logitBias,
    user: request.user,
    metadata: request.metadata,
    [maxTokensField]: request.maxTokens,
    response_format: request.responseFormat && toWireResponseFormat(request.responseFormat),
  };
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((tool): WireTool => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.parameters, strict: tool.strict },
    }));
    body.tool_choice = request.toolChoice && toWireToolChoice(request.toolChoice);
    body.parallel_tool_calls = request.parallelToolCalls;
  }
  if (stream) {
    body.stream = true;
    // Usage is real, never estimated, when the upstream can report it.
    body.stream_options = { include_usage: true };
  }
  for (const key of Object.keys(body)) {
    if (body[key] === undefined) {
      delete body[key];
    }
  }
  return body;
}

function toWireToolChoice(choice: ToolChoice): WireToolChoice {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

function toWireResponseFormat(format: ResponseFormat): WireResponseFormat {
  if (format.type !== 'json_schema') {
    return format;
  }
  const { name, description, schema, strict } = format;
  return { type: 'json_schema', json_schema: { name, description, schema, strict } };
}

export function toWireMessage(message: ChatMessage): WireMessage {
  const wire: WireMessage = { role: message.role, content: toWireContent(message.content) };
  if (message.name) {
    wire.name = message.name;
  }
  if (message.toolCalls && message.toolCalls.length > 0) {
    wire.tool_calls = message.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  if (message.toolCallId) {
    wire.tool_call_id = message.toolCallId;
  }
  return wire;
}

function toWireContent(content: ChatMessage['content']): WireMessage['content'] {
  if (content === null || typeof content === 'string') {
    return content;
  }
  return content.map((part: ContentPart): WireContentPart => {
    switch (part.type) {
      case 'text':
        return { type: 'text', text: part.text };
      case 'image_url':
        return { type: 'image_url', image_url: { url: part.url, ...(part.detail ? { detail: part.detail } : {}) } };
      case 'other':
        return part.raw as WireContentPart;
    }
  });
}
