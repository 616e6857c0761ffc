import type { ApiPropertyOptions } from '@nestjs/swagger';

// The Swagger shapes of the object-valued options the server checks but does not use (option.validators.ts), as
// OpenAI's CreateChatCompletionRequest types them; apart so the request DTO stays readable.

export const PREDICTION_PROPERTY: ApiPropertyOptions = {
  description: 'Predicted output (accepted, not used).',
  type: 'object',
  nullable: true,
  properties: {
    type: { type: 'string', enum: ['content'] },
    content: {
      oneOf: [
        { type: 'string' },
        {
          type: 'array',
          items: {
            type: 'object',
            properties: { type: { type: 'string', enum: ['text'] }, text: { type: 'string' } },
            required: ['type', 'text'],
          },
        },
      ],
    },
  },
  required: ['type', 'content'],
};

export const AUDIO_OUTPUT_PROPERTY: ApiPropertyOptions = {
  description: 'Audio output parameters (accepted, not used).',
  type: 'object',
  nullable: true,
  properties: {
    voice: {
      oneOf: [
        { type: 'string', example: 'alloy' },
        { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      ],
    },
    format: { type: 'string', example: 'mp3' },
  },
  required: ['voice', 'format'],
};

export const WEB_SEARCH_OPTIONS_PROPERTY: ApiPropertyOptions = {
  description: 'Web search options (accepted, not used).',
  type: 'object',
  properties: {
    search_context_size: { type: 'string', example: 'medium' },
    user_location: {
      type: 'object',
      nullable: true,
      properties: {
        type: { type: 'string', enum: ['approximate'] },
        approximate: { type: 'object', additionalProperties: true },
      },
      required: ['type', 'approximate'],
    },
  },
};
