import type { SseFormat } from '../common/sse/sse-format';
import { typedEventFrame } from '../common/sse/sse-format';

/**
 * Responses streams: `event: <type>` frames. A failure after the start is `response.failed`, emitted by the stream
 * itself; the writer's error frame is only for what escapes it (an `error` event, as OpenAI sends), and there is no
 * end marker.
 */
export const responsesSse: SseFormat = {
  frame: typedEventFrame,
  errorFrame: (response) =>
    typedEventFrame({
      type: 'error',
      code: response.body.error.code,
      message: response.body.error.message,
      param: response.body.error.param,
      sequence_number: 0,
    }),
};
