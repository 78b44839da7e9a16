/**
 * Playground history per endpoint, kept across reloads in the browser's localStorage under a namespaced key
 * (`@jupyterlab/statedb` is not a dependency of this extension). Newest first, capped per endpoint; a
 * corrupt or unavailable store degrades to an empty history instead of failing.
 */
import {
  IChatMessage,
  IInvocationParameters,
  IInvocationResult
} from '../api/types';

/** localStorage key prefix; the endpoint name follows. */
export const HISTORY_KEY_PREFIX = 'jupyter-llama-neuron:playground-history:v1:';
export const DEFAULT_HISTORY_LIMIT = 30;
/** Longest text kept per field, so a few long answers cannot fill the quota. */
export const MAX_STORED_CHARS = 20_000;

export interface IHistoryEntry {
  id: string;
  endpoint: string;
  /** ISO 8601 */
  at: string;
  mode: 'prompt' | 'chat';
  /** Prompt mode. */
  inputs?: string;
  /** Chat mode: the request's messages (system, exchanges, last user message). */
  messages?: IChatMessage[];
  parameters: IInvocationParameters;
  answer: string;
  latency_s: number | null;
  ttft_s: number | null;
  tokens_out: number | null;
  finish_reason: string | null;
}

/** The subset of `Storage` used here (tests pass a Map-backed fake). */
export interface IKeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** window.localStorage when usable (it throws in some sandboxed iframes), else null. */
export function browserStorage(): IKeyValueStorage | null {
  try {
    const storage = globalThis.localStorage;
    return storage ?? null;
  } catch {
    return null;
  }
}

function clip(text: string): string {
  return text.length > MAX_STORED_CHARS
    ? text.slice(0, MAX_STORED_CHARS)
    : text;
}

function isEntry(value: unknown): value is IHistoryEntry {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.id === 'string' &&
    typeof entry.endpoint === 'string' &&
    typeof entry.at === 'string' &&
    (entry.mode === 'prompt' || entry.mode === 'chat') &&
    typeof entry.answer === 'string' &&
    typeof entry.parameters === 'object' &&
    entry.parameters !== null
  );
}

let counter = 0;

/** Build an entry from a finished request. */
export function makeHistoryEntry(options: {
  endpoint: string;
  inputs?: string;
  messages?: IChatMessage[];
  parameters: IInvocationParameters;
  result: IInvocationResult;
  now?: Date;
}): IHistoryEntry {
  const now = options.now ?? new Date();
  counter += 1;
  const { result } = options;
  const entry: IHistoryEntry = {
    id: `${now.getTime().toString(36)}-${counter}`,
    endpoint: options.endpoint,
    at: now.toISOString(),
    mode: options.messages ? 'chat' : 'prompt',
    parameters: options.parameters,
    answer: clip(result.generated_text ?? ''),
    latency_s: result.latency_s ?? null,
    ttft_s: result.ttft_s ?? null,
    tokens_out: result.tokens_out ?? null,
    finish_reason: result.finish_reason ?? null
  };
  if (options.messages) {
    entry.messages = options.messages.map(message => ({
      role: message.role,
      content: clip(message.content)
    }));
  } else {
    entry.inputs = clip(options.inputs ?? '');
  }
  return entry;
}

export class HistoryStore {
  constructor(
    storage: IKeyValueStorage | null,
    limit: number = DEFAULT_HISTORY_LIMIT
  ) {
    this._storage = storage;
    this._limit = Math.max(1, limit);
  }

  get limit(): number {
    return this._limit;
  }

  /** Entries of one endpoint, newest first. */
  list(endpoint: string): IHistoryEntry[] {
    const key = HISTORY_KEY_PREFIX + endpoint;
    let raw: string | null = null;
    try {
      raw = this._storage ? this._storage.getItem(key) : null;
    } catch {
      raw = null;
    }
    if (raw === null) {
      return [...(this._memory.get(endpoint) ?? [])];
    }
    try {
      const parsed = JSON.parse(raw) as unknown;
      return Array.isArray(parsed) ? parsed.filter(isEntry) : [];
    } catch {
      return [];
    }
  }

  /** Add an entry in front; the oldest beyond the cap are dropped. Returns the new list. */
  add(entry: IHistoryEntry): IHistoryEntry[] {
    const list = [entry, ...this.list(entry.endpoint)].slice(0, this._limit);
    this._write(entry.endpoint, list);
    return list;
  }

  remove(endpoint: string, id: string): IHistoryEntry[] {
    const list = this.list(endpoint).filter(entry => entry.id !== id);
    this._write(endpoint, list);
    return list;
  }

  clear(endpoint: string): void {
    this._memory.delete(endpoint);
    try {
      this._storage?.removeItem(HISTORY_KEY_PREFIX + endpoint);
    } catch {
      // ignore: nothing to clear
    }
  }

  private _write(endpoint: string, list: IHistoryEntry[]): void {
    this._memory.set(endpoint, list);
    if (!this._storage) {
      return;
    }
    const key = HISTORY_KEY_PREFIX + endpoint;
    // On a full quota, keep halving the list until it fits; the in-memory copy stays whole.
    let kept = list;
    for (;;) {
      try {
        this._storage.setItem(key, JSON.stringify(kept));
        return;
      } catch {
        if (kept.length <= 1) {
          return;
        }
        kept = kept.slice(0, Math.floor(kept.length / 2));
      }
    }
  }

  private _storage: IKeyValueStorage | null;
  private _limit: number;
  private _memory = new Map<string, IHistoryEntry[]>();
}
