/** One Server-Sent Event as the openai SDK sees it: its `event` field (null when absent) and its joined data lines. */
export interface SseEvent {
  event: string | null;
  data: string;
}

/**
 * A synchronous Server-Sent Events decoder: bytes in, complete events out.
 *
 * It follows the SSE rules the openai SDK's reader applies (lines end in LF, CRLF or CR; a blank line ends an event;
 * `data:` lines join with "\n"; one space after the colon is dropped; comment lines start with ":"; an event
 * without data is not dispatched, nor is an unterminated one at the end of the body), without the SDK's stack of
 * async generators and whole-buffer copies per event, which cost more than the rest of a proxied chunk.
 */
export class SseDecoder {
  private readonly text = new TextDecoder();
  private pending = '';
  private skipLeadingLf = false;
  private event: string | null = null;
  private data: string[] = [];

  /** Feeds one chunk of the body; returns the events it completed, in order. */
  push(bytes: Uint8Array): SseEvent[] {
    let input = this.text.decode(bytes, { stream: true });
    if (this.skipLeadingLf && input.startsWith('\n')) {
      input = input.slice(1);
    }
    this.skipLeadingLf = false;
    const buffer = this.pending + input;
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const lf = buffer.indexOf('\n', start);
      const cr = buffer.indexOf('\r', start);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(lf, cr);
      if (end === -1) {
        break;
      }
      this.line(buffer.slice(start, end), events);
      if (buffer.charCodeAt(end) === 13) {
        if (end + 1 === buffer.length) {
          // A CR at the end of the chunk: an LF opening the next chunk belongs to it.
          this.skipLeadingLf = true;
          start = end + 1;
          break;
        }
        start = buffer.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
      } else {
        start = end + 1;
      }
    }
    this.pending = buffer.slice(start);
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line.length === 0) {
      if (this.data.length > 0) {
        events.push({ event: this.event, data: this.data.join('\n') });
      }
      this.event = null;
      this.data = [];
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) {
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* ' ' */) {
      value = value.slice(1);
    }
    if (field === 'data') {
      this.data.push(value);
    } else if (field === 'event') {
      this.event = value;
    }
  }
}
