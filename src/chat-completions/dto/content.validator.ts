import { ValidateBy, type ValidationOptions } from 'class-validator';
import { REQUEST_LIMITS } from './request-limits';
import { isJsonObject } from '../../core/json-object';

type Plain = Record<string, unknown>;

/** What each content-part type needs, as OpenAI's request schema says. */
const PART_RULES: Record<string, { check: (part: Plain) => boolean; needs: string }> = {
  text: { check: (part) => typeof part.text === 'string', needs: 'a `text` part needs a string `text`' },
  image_url: {
    check: (part) => isJsonObject(part.image_url) && typeof part.image_url.url === 'string',
    needs: 'an `image_url` part needs `image_url.url`',
  },
  input_audio: {
    check: (part) =>
      isJsonObject(part.input_audio) &&
      typeof part.input_audio.data === 'string' &&
      typeof part.input_audio.format === 'string',
    needs: 'an `input_audio` part needs `input_audio.data` and `input_audio.format`',
  },
  file: { check: (part) => isJsonObject(part.file), needs: 'a `file` part needs a `file` object' },
  refusal: { check: (part) => typeof part.refusal === 'string', needs: 'a `refusal` part needs a string `refusal`' },
};

/** The part types each role's content may hold (OpenAI's ChatCompletionRequest*MessageContentPart). */
const PARTS_BY_ROLE: Record<string, string[]> = {
  system: ['text'],
  developer: ['text'],
  tool: ['text'],
  user: ['text', 'image_url', 'input_audio', 'file'],
  assistant: ['text', 'refusal'],
};

/** Why the content of a message with this role is invalid, or undefined when it is fine. */
export function contentProblem(content: unknown, role: unknown): string | undefined {
  if (content === null || content === undefined || typeof content === 'string') {
    return undefined;
  }
  if (!Array.isArray(content)) {
    return 'content must be a string, null, or an array of content parts';
  }
  if (role === 'function') {
    return "a function message's content must be a string or null";
  }
  if (content.length > REQUEST_LIMITS.contentParts) {
    return `content may hold at most ${REQUEST_LIMITS.contentParts} parts`;
  }
  const allowed = PARTS_BY_ROLE[typeof role === 'string' ? role : ''] ?? PARTS_BY_ROLE.user;
  for (const part of content) {
    if (!isJsonObject(part) || typeof part.type !== 'string') {
      return 'each content part must be an object with a string `type`';
    }
    // The type is not echoed: it is the client's string, of any length.
    if (!allowed.includes(part.type)) {
      return `a ${typeof role === 'string' ? role : 'user'} message's content parts must be of type ${allowed.join(', ')}`;
    }
    const rule = PART_RULES[part.type];
    if (!rule.check(part)) {
      return rule.needs;
    }
  }
  return undefined;
}

/**
 * `content` is a string, null, or an array of the parts its role accepts (opencode, Continue and others always send
 * arrays): text everywhere, images, audio and files from the user, refusals from the assistant.
 */
export function IsMessageContent(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMessageContent',
      validator: {
        validate: (value: unknown, args) =>
          contentProblem(value, (args?.object as Plain | undefined)?.role) === undefined,
        defaultMessage: (args) => {
          const problem = contentProblem(args?.value, (args?.object as Plain | undefined)?.role);
          return Array.isArray(args?.value) ? `content: ${problem ?? 'invalid content part'}` : (problem ?? '');
        },
      },
    },
    options,
  );
}
