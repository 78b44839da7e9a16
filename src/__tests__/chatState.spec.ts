import { IInvocationResult } from '../api/types';
import {
  appendToken,
  appendUser,
  canRetry,
  canSend,
  clearThread,
  completeAnswer,
  emptyThread,
  failAnswer,
  IChatThread,
  isBusy,
  isChatEndpoint,
  markFallback,
  requestMessages,
  retryLast,
  setSystem,
  stopAnswer,
  threadFromMessages
} from '../models/chatState';
import { MODELS } from './fixtures';

function result(text: string): IInvocationResult {
  return {
    generated_text: text,
    tokens_out: 3,
    latency_s: 0.5,
    finish_reason: 'eos',
    ttft_s: 0.1,
    streamed: true,
    sagemaker_payload: { inputs: 'p', parameters: {} }
  };
}

function answered(thread: IChatThread, user: string, answer: string) {
  let next = appendUser(thread, user);
  next = appendToken(next, answer);
  return completeAnswer(next, result(answer));
}

describe('chat thread', () => {
  it('appends a user message and a pending answer', () => {
    const thread = appendUser(emptyThread(), 'Hello');
    expect(thread.turns.map(t => [t.role, t.status])).toEqual([
      ['user', 'done'],
      ['assistant', 'streaming']
    ]);
    expect(isBusy(thread)).toBe(true);
    expect(canSend(thread, 'again')).toBe(false);
    expect(appendUser(thread, 'again')).toBe(thread);
    expect(canSend(emptyThread(), '   ')).toBe(false);
  });

  it('streams tokens into the pending answer; the final text wins', () => {
    let thread = appendUser(emptyThread(), 'Hi');
    thread = appendToken(thread, 'Hel');
    thread = appendToken(thread, 'lo');
    expect(thread.turns[1].content).toBe('Hello');
    thread = completeAnswer(thread, result('Hello!'));
    expect(thread.turns[1]).toMatchObject({
      content: 'Hello!',
      status: 'done'
    });
    expect(isBusy(thread)).toBe(false);
    // Nothing pending: tokens are ignored.
    expect(appendToken(thread, 'x')).toEqual(thread);
  });

  it('builds alternating messages with the system prompt and the new user message', () => {
    let thread = setSystem(emptyThread(), 'Be brief.');
    thread = answered(thread, 'Q1', 'A1');
    thread = appendUser(thread, 'Q2');
    expect(requestMessages(thread)).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2' }
    ]);
  });

  it('leaves out failed and empty exchanges, keeps stopped partial answers', () => {
    let thread = appendUser(emptyThread(), 'Q1');
    thread = failAnswer(thread, 'timeout');
    expect(thread.turns[1]).toMatchObject({
      status: 'error',
      error: 'timeout'
    });
    thread = appendUser(thread, 'Q2');
    thread = stopAnswer(appendToken(thread, 'partial'));
    expect(thread.turns[3]).toMatchObject({
      status: 'stopped',
      content: 'partial'
    });
    thread = appendUser(thread, 'Q3');
    thread = stopAnswer(thread); // stopped before any text
    thread = appendUser(thread, 'Q4');
    const messages = requestMessages(thread);
    expect(messages).toEqual([
      { role: 'user', content: 'Q2' },
      { role: 'assistant', content: 'partial' },
      { role: 'user', content: 'Q4' }
    ]);
    // Strict alternation, ending with the user.
    messages.forEach((message, i) =>
      expect(message.role).toBe(i % 2 === 0 ? 'user' : 'assistant')
    );
  });

  it('has no request when nothing is pending', () => {
    expect(requestMessages(emptyThread())).toEqual([]);
    expect(requestMessages(answered(emptyThread(), 'Q', 'A'))).toEqual([]);
  });

  it('retries the last answer for the same user message', () => {
    let thread = answered(emptyThread(), 'Q1', 'A1');
    thread = appendUser(thread, 'Q2');
    expect(canRetry(thread)).toBe(false); // still streaming
    thread = failAnswer(thread, 'boom');
    expect(canRetry(thread)).toBe(true);
    const retried = retryLast(thread);
    expect(retried.turns).toHaveLength(4);
    expect(retried.turns[3]).toMatchObject({
      role: 'assistant',
      status: 'streaming',
      content: ''
    });
    expect(retried.turns[3].id).not.toBe(thread.turns[3].id);
    expect(requestMessages(retried).slice(-1)).toEqual([
      { role: 'user', content: 'Q2' }
    ]);
    expect(canRetry(emptyThread())).toBe(false);
    expect(retryLast(emptyThread())).toEqual(emptyThread());
  });

  it('records a fallback reason and clears turns but keeps the system prompt', () => {
    let thread = appendUser(setSystem(emptyThread(), 'S'), 'Q');
    thread = markFallback(thread, 'endpoint cannot stream');
    expect(thread.turns[1].fallbackReason).toBe('endpoint cannot stream');
    const cleared = clearThread(thread);
    expect(cleared.turns).toEqual([]);
    expect(cleared.system).toBe('S');
  });

  it('rebuilds a thread from messages (history re-use)', () => {
    const thread = threadFromMessages([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' }
    ]);
    expect(thread.system).toBe('S');
    const next = appendUser(thread, 'Q2');
    expect(requestMessages(next)).toEqual([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2' }
    ]);
    const ids = next.turns.map(turn => turn.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('tells chat endpoints from the catalog, else from the -f suffix', () => {
    expect(isChatEndpoint({ model_id: MODELS[1].id }, MODELS)).toBe(true);
    expect(isChatEndpoint({ model_id: MODELS[0].id }, MODELS)).toBe(false);
    expect(
      isChatEndpoint(
        { model_id: 'meta-textgenerationneuron-llama-2-13b-f' },
        []
      )
    ).toBe(true);
    expect(
      isChatEndpoint({ model_id: 'meta-textgenerationneuron-llama-2-13b' }, [])
    ).toBe(false);
  });
});
