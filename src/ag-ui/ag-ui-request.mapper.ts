import type { ContentPart as AgUiContentPart, Context, Message, RunAgentInput, Tool } from '@ag-ui/core';
import { ApiError } from '../core/errors';
import type { ChatMessage, ContentPart, GenerationOptions, ToolDefinition } from '../core/types';
import { loadAgUiSchemas } from './ag-ui-sdk.loader';

/** What the playground (or any front end) may forward to tune one run; unknown props are ignored. */
export interface AgUiForwardedProps {
  /** Goes in as a client system message, under the agent's SYSTEM_MESSAGE_POLICY. */
  systemMessage?: string;
  temperature?: number;
}

/** One AG-UI run as the agent loop takes it. */
export interface AgUiRunInput {
  threadId: string;
  runId: string;
  messages: ChatMessage[];
  options: GenerationOptions;
}

/** Validates the body with `@ag-ui/core`'s own schema: an invalid value is a 400 naming its path as `param`. */
export function parseRunAgentInput(body: unknown): RunAgentInput {
  const parsed = loadAgUiSchemas().RunAgentInputSchema.safeParse(body);
  if (parsed.success) {
    return parsed.data;
  }
  const issue = parsed.error.issues[0];
  const param = pathToParam(issue.path);
  throw ApiError.invalidRequest(`Invalid RunAgentInput: ${param ? `${param}: ` : ''}${issue.message}`, param || null);
}

/** The run's conversation and options: forwarded props first, then context as a note, then the messages. */
export function toAgUiRunInput(input: RunAgentInput): AgUiRunInput {
  const props = parseForwardedProps(input.forwardedProps);
  const messages: ChatMessage[] = [];
  if (props.systemMessage) {
    messages.push({ role: 'system', content: props.systemMessage });
  }
  const note = contextNote(input.context ?? []);
  if (note) {
    messages.push({ role: 'system', content: note });
  }
  for (const message of input.messages) {
    const mapped = toChatMessage(message);
    if (mapped) {
      messages.push(mapped);
    }
  }
  const options: GenerationOptions = {};
  const tools = (input.tools ?? []).map(toToolDefinition);
  if (tools.length > 0) {
    options.tools = tools;
  }
  if (props.temperature !== undefined) {
    options.temperature = props.temperature;
  }
  return { threadId: input.threadId, runId: input.runId, messages, options };
}

function parseForwardedProps(raw: unknown): AgUiForwardedProps {
  if (raw === undefined || raw === null) {
    return {};
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw ApiError.invalidRequest('forwardedProps must be an object.', 'forwardedProps');
  }
  const { systemMessage, temperature } = raw as Record<string, unknown>;
  if (systemMessage !== undefined && systemMessage !== null && typeof systemMessage !== 'string') {
    throw ApiError.invalidRequest('forwardedProps.systemMessage must be a string.', 'forwardedProps.systemMessage');
  }
  if (
    temperature !== undefined &&
    temperature !== null &&
    (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0 || temperature > 2)
  ) {
    throw ApiError.invalidRequest(
      'forwardedProps.temperature must be a number from 0 to 2.',
      'forwardedProps.temperature',
    );
  }
  return {
    systemMessage: typeof systemMessage === 'string' && systemMessage.trim() ? systemMessage : undefined,
    temperature: typeof temperature === 'number' ? temperature : undefined,
  };
}

/** Context entries reach the model as one system note (so the agent's SYSTEM_MESSAGE_POLICY applies to it too). */
function contextNote(context: Context[]): string | undefined {
  if (context.length === 0) {
    return undefined;
  }
  const lines = context.map((entry) => `- ${entry.description}: ${entry.value}`);
  return `Context from the application:\n${lines.join('\n')}`;
}

function toChatMessage(message: Message): ChatMessage | undefined {
  switch (message.role) {
    case 'system':
    case 'developer':
      return withName({ role: message.role, content: message.content }, message.name);
    case 'user':
      return withName({ role: 'user', content: toContent(message.content) }, message.name);
    case 'assistant': {
      const mapped: ChatMessage = { role: 'assistant', content: message.content ?? null };
      if (message.toolCalls && message.toolCalls.length > 0) {
        // The ids go back unchanged: the core finds the agent's half of a mixed turn by them.
        mapped.toolCalls = message.toolCalls.map((call) => ({
          id: call.id,
          name: call.function.name,
          arguments: call.function.arguments,
        }));
      }
      return withName(mapped, message.name);
    }
    case 'tool': {
      const text = typeof message.content === 'string' ? message.content : partsText(message.content);
      return {
        role: 'tool',
        toolCallId: message.toolCallId,
        content: message.error ? `Error: ${message.error}` : text,
      };
    }
    case 'activity':
    case 'reasoning':
      // UI-only messages (activity) and the model's reasoning are not part of what the model is asked.
      return undefined;
  }
}

function toContent(content: string | AgUiContentPart[]): ChatMessage['content'] {
  if (typeof content === 'string') {
    return content;
  }
  return content.map((part): ContentPart => {
    if (part.type === 'text') {
      return { type: 'text', text: part.text };
    }
    if (part.type === 'image' && part.source.type !== 'file') {
      const source = part.source;
      const url = source.type === 'data' ? `data:${source.mimeType};base64,${source.value}` : source.value;
      return { type: 'image_url', url };
    }
    return { type: 'other', raw: part as unknown as Record<string, unknown> };
  });
}

function partsText(parts: AgUiContentPart[]): string {
  return parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

function toToolDefinition(tool: Tool): ToolDefinition {
  const definition: ToolDefinition = { name: tool.name, description: tool.description };
  if (tool.parameters && typeof tool.parameters === 'object') {
    definition.parameters = tool.parameters as Record<string, unknown>;
  }
  return definition;
}

function withName(message: ChatMessage, name: string | undefined): ChatMessage {
  return name ? { ...message, name } : message;
}

/** `['messages', 0, 'content']` → `messages[0].content`. */
function pathToParam(path: ReadonlyArray<PropertyKey>): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i > 0 ? '.' : ''}${String(key)}`)).join('');
}
