/**
 * A chat thread (pure functions on immutable values): optional system prompt, alternating user and
 * assistant turns, the pending assistant answer that tokens stream into, stop, retry and clear.
 *
 * Only complete exchanges go into the next request, so it always alternates user/assistant and ends with
 * the new user message, as the server requires. An exchange whose answer failed, or was stopped before
 * any text arrived, is shown but not sent.
 */
import {
  IChatMessage,
  IEndpoint,
  IInvocationResult,
  IModelSummary
} from '../api/types';

export type TurnStatus = 'streaming' | 'done' | 'stopped' | 'error';

export interface IChatTurn {
  id: number;
  role: 'user' | 'assistant';
  content: string;
  /** User turns are always "done". */
  status: TurnStatus;
  /** The final result of an assistant turn. */
  result?: IInvocationResult;
  /** Why an assistant turn failed. */
  error?: string;
  /** The endpoint could not stream; the answer came in one piece. */
  fallbackReason?: string;
}

export interface IChatThread {
  system: string;
  turns: readonly IChatTurn[];
  nextId: number;
}

export function emptyThread(system = ''): IChatThread {
  return { system, turns: [], nextId: 1 };
}

/** The assistant turn being answered, if any. */
export function pendingTurn(thread: IChatThread): IChatTurn | null {
  const last = thread.turns[thread.turns.length - 1];
  return last && last.role === 'assistant' && last.status === 'streaming'
    ? last
    : null;
}

export function isBusy(thread: IChatThread): boolean {
  return pendingTurn(thread) !== null;
}

/** Whether a new user message can be sent now. */
export function canSend(thread: IChatThread, text: string): boolean {
  return !isBusy(thread) && text.trim().length > 0;
}

export function setSystem(thread: IChatThread, system: string): IChatThread {
  return { ...thread, system };
}

/** Whether an assistant turn is part of the conversation sent to the model. */
function isUsable(turn: IChatTurn): boolean {
  return (
    (turn.status === 'done' || turn.status === 'stopped') &&
    turn.content.trim().length > 0
  );
}

/**
 * The messages of the completed exchanges: system (when set), then user/assistant pairs whose answer is
 * usable. Turns without a partner are skipped.
 */
function completedMessages(
  thread: IChatThread,
  turns: readonly IChatTurn[]
): IChatMessage[] {
  const messages: IChatMessage[] = [];
  if (thread.system.trim()) {
    messages.push({ role: 'system', content: thread.system });
  }
  for (let i = 0; i + 1 < turns.length; i++) {
    const user = turns[i];
    const answer = turns[i + 1];
    if (user.role === 'user' && answer.role === 'assistant') {
      if (isUsable(answer)) {
        messages.push({ role: 'user', content: user.content });
        messages.push({ role: 'assistant', content: answer.content });
      }
      i++;
    }
  }
  return messages;
}

/**
 * The `messages` of the request for the pending answer: completed exchanges and the last user message.
 * Empty when nothing is pending.
 */
export function requestMessages(thread: IChatThread): IChatMessage[] {
  const pending = pendingTurn(thread);
  if (!pending) {
    return [];
  }
  const turns = thread.turns;
  const user = turns[turns.length - 2];
  if (!user || user.role !== 'user') {
    return [];
  }
  return [
    ...completedMessages(thread, turns.slice(0, turns.length - 2)),
    { role: 'user', content: user.content }
  ];
}

/** Add a user message and an empty assistant turn that the answer streams into. */
export function appendUser(thread: IChatThread, text: string): IChatThread {
  if (!canSend(thread, text)) {
    return thread;
  }
  const user: IChatTurn = {
    id: thread.nextId,
    role: 'user',
    content: text,
    status: 'done'
  };
  const answer: IChatTurn = {
    id: thread.nextId + 1,
    role: 'assistant',
    content: '',
    status: 'streaming'
  };
  return {
    ...thread,
    turns: [...thread.turns, user, answer],
    nextId: thread.nextId + 2
  };
}

function updatePending(
  thread: IChatThread,
  update: (turn: IChatTurn) => IChatTurn
): IChatThread {
  const pending = pendingTurn(thread);
  if (!pending) {
    return thread;
  }
  const turns = thread.turns.slice(0, -1);
  return { ...thread, turns: [...turns, update(pending)] };
}

/** Append a streamed piece of text to the pending answer. */
export function appendToken(thread: IChatThread, text: string): IChatThread {
  return updatePending(thread, turn => ({
    ...turn,
    content: turn.content + text
  }));
}

/** The endpoint cannot stream; remember why (the answer arrives with `complete`). */
export function markFallback(thread: IChatThread, reason: string): IChatThread {
  return updatePending(thread, turn => ({ ...turn, fallbackReason: reason }));
}

/** The answer is complete: the server's text is authoritative (it covers the fallback case). */
export function completeAnswer(
  thread: IChatThread,
  result: IInvocationResult
): IChatThread {
  return updatePending(thread, turn => ({
    ...turn,
    content:
      typeof result.generated_text === 'string'
        ? result.generated_text
        : turn.content,
    status: 'done',
    result
  }));
}

/** The user stopped the answer: keep what arrived. */
export function stopAnswer(thread: IChatThread): IChatThread {
  return updatePending(thread, turn => ({ ...turn, status: 'stopped' }));
}

export function failAnswer(thread: IChatThread, message: string): IChatThread {
  return updatePending(thread, turn => ({
    ...turn,
    status: 'error',
    error: message
  }));
}

/** Whether the last answer can be asked again (it is finished and follows a user message). */
export function canRetry(thread: IChatThread): boolean {
  const turns = thread.turns;
  const last = turns[turns.length - 1];
  const user = turns[turns.length - 2];
  return (
    !!last &&
    !!user &&
    last.role === 'assistant' &&
    last.status !== 'streaming' &&
    user.role === 'user'
  );
}

/** Replace the last answer with a new pending one for the same user message. */
export function retryLast(thread: IChatThread): IChatThread {
  if (!canRetry(thread)) {
    return thread;
  }
  const answer: IChatTurn = {
    id: thread.nextId,
    role: 'assistant',
    content: '',
    status: 'streaming'
  };
  return {
    ...thread,
    turns: [...thread.turns.slice(0, -1), answer],
    nextId: thread.nextId + 1
  };
}

/** Remove every turn; the system prompt stays. */
export function clearThread(thread: IChatThread): IChatThread {
  return { ...thread, turns: [] };
}

/** A thread rebuilt from a request's messages (history re-use), ready for the next user message. */
export function threadFromMessages(
  messages: readonly IChatMessage[]
): IChatThread {
  let thread = emptyThread();
  const turns: IChatTurn[] = [];
  for (const message of messages) {
    if (message.role === 'system') {
      thread = setSystem(thread, message.content);
      continue;
    }
    turns.push({
      id: thread.nextId + turns.length,
      role: message.role,
      content: message.content,
      status: 'done'
    });
  }
  return { ...thread, turns, nextId: thread.nextId + turns.length };
}

/**
 * Whether an endpoint serves a chat model: the catalog says so, or (catalog not loaded) its model id ends
 * with "-f" as every Llama 2 chat id does.
 */
export function isChatEndpoint(
  endpoint: Pick<IEndpoint, 'model_id'>,
  models: readonly IModelSummary[]
): boolean {
  const model = models.find(item => item.id === endpoint.model_id);
  if (model) {
    return model.chat;
  }
  return /-f$/.test(endpoint.model_id);
}
