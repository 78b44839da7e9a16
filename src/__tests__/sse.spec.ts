import { ISseEvent, SseParser } from '../models/sse';

/** A complete event stream parsed at once. */
function parseSse(text: string): ISseEvent[] {
  const parser = new SseParser();
  return [...parser.feed(text), ...parser.end()];
}

const STREAM =
  'event: token\ndata: {"text": "Hel"}\n\n' +
  'event: token\ndata: {"text": "lo"}\n\n' +
  'event: done\ndata: {"generated_text": "Hello", "streamed": true}\n\n';

describe('SseParser', () => {
  it('parses named events with JSON data', () => {
    const events = parseSse(STREAM);
    expect(events.map(e => e.event)).toEqual(['token', 'token', 'done']);
    expect(JSON.parse(events[0].data)).toEqual({ text: 'Hel' });
    expect(JSON.parse(events[2].data).generated_text).toBe('Hello');
  });

  it('gives the same events however the text is split into chunks', () => {
    const expected = parseSse(STREAM);
    for (let size = 1; size <= 7; size++) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < STREAM.length; i += size) {
        events.push(...parser.feed(STREAM.slice(i, i + size)));
      }
      events.push(...parser.end());
      expect(events).toEqual(expected);
    }
  });

  it('splits at every single position, including inside field names', () => {
    const expected = parseSse(STREAM);
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const parser = new SseParser();
      const events = [
        ...parser.feed(STREAM.slice(0, cut)),
        ...parser.feed(STREAM.slice(cut)),
        ...parser.end()
      ];
      expect(events).toEqual(expected);
    }
  });

  it('joins multi-line data with newlines', () => {
    const [event] = parseSse('data: first\ndata: second\ndata:third\n\n');
    expect(event.event).toBe('message');
    expect(event.data).toBe('first\nsecond\nthird');
  });

  it('accepts CRLF and CR line endings, also split between CR and LF', () => {
    const crlf = 'event: token\r\ndata: {"text":"a"}\r\n\r\n';
    expect(parseSse(crlf)).toEqual(parseSse(crlf.replace(/\r\n/g, '\n')));
    const cr = 'event: token\rdata: {"text":"a"}\r\r';
    expect(parseSse(cr)).toHaveLength(1);
    // The CR ends one chunk, its LF starts the next: still one line ending, not an empty line.
    const parser = new SseParser();
    const events = [
      ...parser.feed('event: token\r'),
      ...parser.feed('\ndata: x\r'),
      ...parser.feed('\n\r'),
      ...parser.feed('\n')
    ];
    expect(events).toEqual([
      { event: 'token', data: 'x', id: '', retry: null }
    ]);
  });

  it('ignores comments, unknown fields and events without data', () => {
    const events = parseSse(
      ': keep-alive\n\nevent: ping\n\nfoo: bar\ndata: kept\n\n'
    );
    expect(events).toEqual([
      { event: 'message', data: 'kept', id: '', retry: null }
    ]);
  });

  it('keeps a space after the colon only once, and fields without a colon', () => {
    const [event] = parseSse('data:  two spaces\ndata\n\n');
    expect(event.data).toBe(' two spaces\n');
  });

  it('tracks id and retry', () => {
    const events = parseSse('id: 7\nretry: 1500\ndata: a\n\ndata: b\n\n');
    expect(events[0]).toMatchObject({ id: '7', retry: 1500 });
    expect(events[1]).toMatchObject({ id: '7', retry: null });
  });

  it('strips a leading byte-order mark', () => {
    expect(parseSse('\ufeffdata: a\n\n')[0].data).toBe('a');
  });

  it('drops an unterminated event at the end unless asked to dispatch it', () => {
    expect(parseSse('data: partial')).toEqual([]);
    const parser = new SseParser();
    parser.feed('event: done\ndata: {}');
    expect(parser.end(true)).toEqual([
      { event: 'done', data: '{}', id: '', retry: null }
    ]);
  });

  it('handles multi-byte characters in data', () => {
    const [event] = parseSse('event: token\ndata: {"text": "café ✓"}\n\n');
    expect(JSON.parse(event.data).text).toBe('café ✓');
  });
});
