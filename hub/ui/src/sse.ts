/**
 * A parser of the Server-Sent Events wire format (the WHATWG HTML "event stream" rules) for a
 * stream read with fetch: text goes in as it arrives, in chunks cut anywhere, and whole events
 * come out. Lines end in LF, CRLF or CR; `event:` names the event (default `message`), `data:`
 * lines are joined with LF, `id:` is kept, lines starting with `:` are comments (pings), and an
 * event is dispatched at the blank line that ends it — never while its data is empty. Pure.
 */

export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;
  /** A CR ended the last chunk: an LF starting the next one belongs to it. */
  private pendingCr = false;

  /** Feeds `chunk`; returns the events it completed, in order. */
  push(chunk: string): SseEvent[] {
    let text = chunk;
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    const out: SseEvent[] = [];
    // only the new text is scanned: a long line arriving in many chunks costs its length once
    const eol = /\r\n|\r|\n/g;
    let start = 0;
    for (let m = eol.exec(text); m !== null; m = eol.exec(text)) {
      const line = this.buffer + text.slice(start, m.index);
      this.buffer = '';
      this.line(line, out);
      start = m.index + m[0].length;
      if (m[0] === '\r' && start === text.length) this.pendingCr = true;
    }
    this.buffer += text.slice(start);
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        const ev: SseEvent = {
          event: this.event === '' ? 'message' : this.event,
          data: this.data.join('\n'),
          ...(this.id === undefined ? {} : { id: this.id }),
        };
        out.push(ev);
      }
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.event = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      default:
      // retry and unknown fields: ignored
    }
  }
}
