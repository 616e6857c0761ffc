import { type Message, Role } from '@a2a-js/sdk';
import { textPart, toChatMessage } from './a2a-message.mapper';

const message = (parts: Message['parts'], role = Role.ROLE_USER): Message => ({
  messageId: 'm1',
  contextId: '',
  taskId: '',
  role,
  parts,
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
});

describe('toChatMessage', () => {
  it('should join text and data parts into one text message', () => {
    const data = {
      content: { $case: 'data' as const, value: { order: 'A-1' } },
      mediaType: '',
      filename: '',
      metadata: {},
    };
    expect(toChatMessage(message([textPart('Where is'), data]))).toEqual({
      role: 'user',
      content: 'Where is\n{"order":"A-1"}',
    });
  });

  it('should pass an image by URL as an image part and name other files', () => {
    const image = {
      content: { $case: 'url' as const, value: 'https://x/cat.png' },
      mediaType: 'image/png',
      filename: '',
      metadata: {},
    };
    const pdf = {
      content: { $case: 'url' as const, value: 'https://x/a.pdf' },
      mediaType: 'application/pdf',
      filename: 'a.pdf',
      metadata: {},
    };
    expect(toChatMessage(message([textPart('Look'), image, pdf]))).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'Look' },
        { type: 'image_url', url: 'https://x/cat.png' },
        { type: 'text', text: '[file a.pdf (application/pdf)]' },
      ],
    });
  });

  it("should read an agent's message as the assistant's", () => {
    expect(toChatMessage(message([textPart('Hi')], Role.ROLE_AGENT))).toEqual({ role: 'assistant', content: 'Hi' });
  });
});
