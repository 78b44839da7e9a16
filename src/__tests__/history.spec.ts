import {
  HISTORY_KEY_PREFIX,
  HistoryStore,
  IKeyValueStorage,
  makeHistoryEntry,
  MAX_STORED_CHARS
} from '../models/history';

class MemoryStorage implements IKeyValueStorage {
  data = new Map<string, string>();
  failWhenLongerThan: number | null = null;
  getItem(key: string): string | null {
    return this.data.has(key) ? (this.data.get(key) as string) : null;
  }
  setItem(key: string, value: string): void {
    if (
      this.failWhenLongerThan !== null &&
      value.length > this.failWhenLongerThan
    ) {
      throw new Error('QuotaExceededError');
    }
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
}

function entry(endpoint: string, inputs: string, at = new Date(0)) {
  return makeHistoryEntry({
    endpoint,
    inputs,
    parameters: { max_new_tokens: 8 },
    result: {
      generated_text: ` answer to ${inputs}`,
      tokens_out: 4,
      latency_s: 0.4,
      finish_reason: 'length',
      ttft_s: 0.05,
      streamed: false,
      sagemaker_payload: { inputs, parameters: { max_new_tokens: 8 } }
    },
    now: at
  });
}

describe('HistoryStore', () => {
  it('keeps entries per endpoint, newest first, under a namespaced key', () => {
    const storage = new MemoryStorage();
    const store = new HistoryStore(storage);
    store.add(entry('a', 'one'));
    store.add(entry('a', 'two'));
    store.add(entry('b', 'other'));
    expect(store.list('a').map(e => e.inputs)).toEqual(['two', 'one']);
    expect(store.list('b').map(e => e.inputs)).toEqual(['other']);
    expect([...storage.data.keys()].sort()).toEqual([
      `${HISTORY_KEY_PREFIX}a`,
      `${HISTORY_KEY_PREFIX}b`
    ]);
  });

  it('survives a reload (a new store on the same storage)', () => {
    const storage = new MemoryStorage();
    new HistoryStore(storage).add(entry('a', 'kept'));
    const reloaded = new HistoryStore(storage);
    expect(reloaded.list('a')[0]).toMatchObject({
      endpoint: 'a',
      mode: 'prompt',
      inputs: 'kept',
      answer: ' answer to kept',
      tokens_out: 4,
      ttft_s: 0.05,
      parameters: { max_new_tokens: 8 }
    });
  });

  it('caps the length per endpoint', () => {
    const store = new HistoryStore(new MemoryStorage(), 3);
    for (let i = 0; i < 5; i++) {
      store.add(entry('a', `p${i}`));
    }
    expect(store.list('a').map(e => e.inputs)).toEqual(['p4', 'p3', 'p2']);
  });

  it('removes and clears', () => {
    const store = new HistoryStore(new MemoryStorage());
    const first = entry('a', 'one');
    store.add(first);
    store.add(entry('a', 'two'));
    expect(store.remove('a', first.id).map(e => e.inputs)).toEqual(['two']);
    store.clear('a');
    expect(store.list('a')).toEqual([]);
  });

  it('treats corrupt data as empty and ignores malformed entries', () => {
    const storage = new MemoryStorage();
    storage.setItem(`${HISTORY_KEY_PREFIX}a`, '{not json');
    const store = new HistoryStore(storage);
    expect(store.list('a')).toEqual([]);
    storage.setItem(
      `${HISTORY_KEY_PREFIX}b`,
      JSON.stringify([{ nope: true }, entry('b', 'ok')])
    );
    expect(store.list('b').map(e => e.inputs)).toEqual(['ok']);
  });

  it('works without storage (in memory) and when the quota is full', () => {
    const memoryOnly = new HistoryStore(null);
    memoryOnly.add(entry('a', 'x'));
    expect(memoryOnly.list('a')).toHaveLength(1);

    const storage = new MemoryStorage();
    const store = new HistoryStore(storage);
    store.add(entry('a', 'one'));
    const oneLength = (storage.getItem(`${HISTORY_KEY_PREFIX}a`) ?? '').length;
    storage.failWhenLongerThan = oneLength * 2.5;
    for (let i = 0; i < 6; i++) {
      expect(() => store.add(entry('a', `p${i}`))).not.toThrow();
    }
    const saved = JSON.parse(storage.getItem(`${HISTORY_KEY_PREFIX}a`) ?? '[]');
    expect(saved.length).toBeGreaterThan(0);
    expect(saved[0].inputs).toBe('p5');
  });

  it('stores chat messages and clips very long text', () => {
    const chat = makeHistoryEntry({
      endpoint: 'c',
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'y'.repeat(MAX_STORED_CHARS + 10) }
      ],
      parameters: {},
      result: {
        generated_text: '',
        tokens_out: 0,
        latency_s: 0.1,
        finish_reason: 'eos_immediately',
        ttft_s: null,
        streamed: false,
        sagemaker_payload: { inputs: '', parameters: {} }
      }
    });
    expect(chat.mode).toBe('chat');
    expect(chat.inputs).toBeUndefined();
    expect(chat.messages?.[1].content).toHaveLength(MAX_STORED_CHARS);
    expect(chat.ttft_s).toBeNull();
  });
});
