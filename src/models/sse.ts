/**
 * A server-sent-events parser (pure, no I/O), following the WHATWG "event stream" interpretation rules.
 *
 * Feed it text in chunks of any size: a chunk may end in the middle of a line, of a field name, or between
 * the CR and LF of a CRLF. Lines end with CRLF, LF or CR. `data:` lines of one event are joined with "\n";
 * lines starting with ":" are comments; an event is dispatched at a blank line, and only when it has data.
 */

/** One dispatched event. */
export interface ISseEvent {
  /** The `event:` field, "message" when absent. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  /** The last `id:` seen on the stream (empty when none). */
  id: string;
  /** The `retry:` field of this event, in ms (null when absent). */
  retry: number | null;
}

export class SseParser {
  /**
   * Parse a chunk of text; returns the events it completed (possibly none).
   */
  feed(chunk: string): ISseEvent[] {
    let text = this._buffer + chunk;
    this._buffer = '';
    if (!this._started && text.length > 0) {
      this._started = true;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
      }
    }
    // A CR at the end of a chunk was already taken as a line end; drop the LF that completes it.
    if (this._skipLeadingLf && text.length > 0) {
      if (text[0] === '\n') {
        text = text.slice(1);
      }
      this._skipLeadingLf = false;
    }
    const events: ISseEvent[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch !== '\n' && ch !== '\r') {
        continue;
      }
      const line = text.slice(start, i);
      if (ch === '\r') {
        if (i + 1 < text.length) {
          if (text[i + 1] === '\n') {
            i++;
          }
        } else {
          this._skipLeadingLf = true;
        }
      }
      start = i + 1;
      const event = this._processLine(line);
      if (event) {
        events.push(event);
      }
    }
    this._buffer = text.slice(start);
    return events;
  }

  /**
   * The stream ended. Per the specification an event without its terminating blank line is discarded;
   * with `dispatchIncomplete` it is returned instead (useful for servers that close without a blank line).
   */
  end(dispatchIncomplete = false): ISseEvent[] {
    const events: ISseEvent[] = [];
    if (this._buffer.length > 0) {
      this._processLine(this._buffer);
      this._buffer = '';
    }
    if (dispatchIncomplete) {
      const event = this._dispatch();
      if (event) {
        events.push(event);
      }
    }
    this._reset();
    return events;
  }

  private _processLine(line: string): ISseEvent | null {
    if (line === '') {
      return this._dispatch();
    }
    if (line[0] === ':') {
      return null;
    }
    const colon = line.indexOf(':');
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      value = line.slice(colon + 1);
      if (value[0] === ' ') {
        value = value.slice(1);
      }
    }
    switch (field) {
      case 'event':
        this._event = value;
        break;
      case 'data':
        this._data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) {
          this._lastId = value;
        }
        break;
      case 'retry':
        if (/^\d+$/.test(value)) {
          this._retry = Number(value);
        }
        break;
      default:
        break;
    }
    return null;
  }

  private _dispatch(): ISseEvent | null {
    const hasData = this._data.length > 0;
    const event: ISseEvent = {
      event: this._event || 'message',
      data: this._data.join('\n'),
      id: this._lastId,
      retry: this._retry
    };
    this._reset();
    return hasData ? event : null;
  }

  private _reset(): void {
    this._event = '';
    this._data = [];
    this._retry = null;
  }

  private _buffer = '';
  private _started = false;
  private _skipLeadingLf = false;
  private _event = '';
  private _data: string[] = [];
  private _lastId = '';
  private _retry: number | null = null;
}
