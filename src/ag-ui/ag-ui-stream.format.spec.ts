import { AGUI_MEDIA_TYPE } from '@ag-ui/encoder';
import { agUiStreamFormat } from './ag-ui-stream.format';

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
