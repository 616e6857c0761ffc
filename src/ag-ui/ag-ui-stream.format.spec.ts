import type { BaseEvent } from '@ag-ui/core';
import { AGUI_MEDIA_TYPE, EventEncoder } from '@ag-ui/encoder';
import { AGUI_PROTO_MEDIA_TYPE, agUiStreamFormat } from './ag-ui-stream.format';

describe(agUiStreamFormat.name, () => {
  it.each([undefined, '*/*', 'text/event-stream', 'application/json, */*'])(
    'should stream SSE for Accept %s',
    (accept) => {
      const format = agUiStreamFormat(accept);
      expect(format.binary).toBeUndefined();
      expect(format.frame({ type: 'RUN_STARTED', threadId: 't', runId: 'r' })).toMatch(/^data: /);
    },
  );

  it('should stream protobuf only when the client names its media type', () => {
    expect(agUiStreamFormat(`${AGUI_MEDIA_TYPE}, text/event-stream;q=0.5`).binary).toEqual({
      contentType: AGUI_MEDIA_TYPE,
    });
  });
});

describe('AG-UI SSE frames without the encoder', () => {
  it('should name the media type the encoder names', () => {
    expect(AGUI_PROTO_MEDIA_TYPE).toBe(AGUI_MEDIA_TYPE);
  });

  it.each([
    { type: 'RUN_STARTED', threadId: 't', runId: 'r' },
    { type: 'TEXT_MESSAGE_CONTENT', messageId: 'm', delta: 'hé "quoted"\n' },
    { type: 'RUN_ERROR', message: 'boom', code: null },
    { type: 'TOOL_CALL_START', toolCallId: 'c', toolCallName: 'f', parentMessageId: null },
  ])('should frame $type as the encoder does', (event) => {
    const expected = new EventEncoder({ accept: 'text/event-stream' }).encodeSSE(event as BaseEvent);
    expect(agUiStreamFormat(undefined).frame(event)).toBe(expected);
    expect(agUiStreamFormat(`${AGUI_MEDIA_TYPE};q=0, text/event-stream`).frame(event)).toBe(expected);
  });
});
