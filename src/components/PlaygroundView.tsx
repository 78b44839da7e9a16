import { Notification } from '@jupyterlab/apputils';
import { Button } from '@jupyterlab/ui-components';
import React, { useEffect, useMemo, useRef, useState } from 'react';

import { ApiRequestError, toApiRequestError } from '../api/client';
import {
  IChatMessage,
  IInvocationRequest,
  IInvocationResult,
  IModelSummary,
  IStatus
} from '../api/types';
import { usePanelServices, useServerRules } from '../context';
import { useSignal } from '../hooks';
import {
  appendToken,
  appendUser,
  canRetry,
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
import { buildCodeSnippets, sagemakerPayload } from '../models/codeSnippets';
import {
  browserStorage,
  HistoryStore,
  IHistoryEntry,
  makeHistoryEntry
} from '../models/history';
import {
  checkContextFit,
  defaultParameterValues,
  IParameterValues,
  validateParameters,
  valuesFromParameters
} from '../models/inferenceParameters';
import { AnswerStats } from './AnswerStats';
import { showCodeDialog } from './CodeSnippetsBody';
import { EndpointPicker } from './EndpointPicker';
import { ErrorBanner } from './ErrorBanner';
import { HistoryList } from './HistoryList';
import { ParameterPanel } from './ParameterPanel';

export interface IPlaygroundViewProps {
  /** The catalog (tells chat models apart); may be empty while loading. */
  models: readonly IModelSummary[];
  status: IStatus | null;
  /** The selected endpoint name (owned by the panel so Resources can open one). */
  selected: string | null;
  onSelect: (name: string | null) => void;
}

type PromptRun =
  | { kind: 'idle' }
  | { kind: 'running'; text: string; fallback: string | null }
  | {
      kind: 'done';
      result: IInvocationResult;
      fallback: string | null;
    }
  | { kind: 'stopped'; text: string }
  | { kind: 'error'; text: string; error: ApiRequestError };

type StreamOutcome =
  | { kind: 'done'; result: IInvocationResult }
  | { kind: 'stopped' }
  | { kind: 'error'; error: ApiRequestError };

interface ILastRequest {
  endpoint: string;
  request: IInvocationRequest;
  result: IInvocationResult | null;
}

const ID = 'jp-LlamaNeuron-playground';

/** The fallback note is shown when the server said so, or when a done answer was not streamed. */
function fallbackOf(
  reason: string | null | undefined,
  result: IInvocationResult | undefined
): string | null {
  if (reason !== null && reason !== undefined) {
    return reason;
  }
  return result && result.streamed === false ? '' : null;
}

/**
 * Prompt an InService endpoint: a prompt box (or a chat thread with an optional system prompt for chat
 * models), every inference parameter with its range, streamed answers with Stop, per-answer statistics,
 * history per endpoint and "Copy as code".
 */
export function PlaygroundView(props: IPlaygroundViewProps): JSX.Element {
  const { api, endpoints, trans } = usePanelServices();
  const rules = useServerRules()?.inference_parameters ?? null;
  useSignal(endpoints.changed);
  const { selected, onSelect, models, status } = props;

  const inService = endpoints.endpoints.filter(
    endpoint => endpoint.status === 'InService'
  );
  const endpoint = inService.find(item => item.name === selected) ?? null;
  const chat = endpoint ? isChatEndpoint(endpoint, models) : false;
  const contextLength = endpoint?.config?.n_positions ?? null;

  const store = useMemo(() => new HistoryStore(browserStorage()), []);
  // null: untouched, the server's defaults (known once the status answers).
  const [typedValues, setValues] = useState<IParameterValues | null>(null);
  const values = typedValues ?? defaultParameterValues(rules);
  const [prompt, setPrompt] = useState('');
  const [run, setRun] = useState<PromptRun>({ kind: 'idle' });
  const [thread, setThread] = useState<IChatThread>(() => emptyThread());
  const [chatInput, setChatInput] = useState('');
  const [chatError, setChatError] = useState<ApiRequestError | null>(null);
  const [busy, setBusy] = useState(false);
  const [history, setHistory] = useState<IHistoryEntry[]>([]);
  const [last, setLast] = useState<ILastRequest | null>(null);
  const controller = useRef<AbortController | null>(null);
  const mounted = useRef(true);
  // The endpoint shown now: answers that arrive for another one (after a switch) are dropped.
  const shownEndpoint = useRef<string | null>(selected);
  shownEndpoint.current = selected;

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      controller.current?.abort();
    };
  }, []);

  // One endpoint in service and none chosen: choose it.
  const onlyOne = inService.length === 1 ? inService[0].name : null;
  useEffect(() => {
    if (selected === null && onlyOne !== null) {
      onSelect(onlyOne);
    }
  }, [selected, onlyOne, onSelect]);

  // A different endpoint: stop what runs, start a fresh thread, show its history.
  useEffect(() => {
    controller.current?.abort();
    setRun({ kind: 'idle' });
    setThread(current => emptyThread(current.system));
    setChatError(null);
    setHistory(selected ? store.list(selected) : []);
  }, [selected, store]);

  const validation = validateParameters(values, contextLength, rules, trans);
  const maxNewTokens = validation.parameters?.max_new_tokens ?? 0;
  const pendingMessages: IChatMessage[] =
    chat && !isBusy(thread) && chatInput.trim()
      ? requestMessages(appendUser(thread, chatInput))
      : [];
  const fit = chat
    ? pendingMessages.length > 0
      ? checkContextFit(pendingMessages, maxNewTokens, contextLength, rules)
      : null
    : prompt.trim()
      ? checkContextFit(prompt, maxNewTokens, contextLength, rules)
      : null;

  const canSendNow =
    !!endpoint &&
    !busy &&
    validation.parameters !== null &&
    (chat ? chatInput.trim().length > 0 : prompt.trim().length > 0);

  const runStream = async (
    name: string,
    request: IInvocationRequest,
    onToken: (text: string) => void,
    onFallback: (reason: string) => void
  ): Promise<StreamOutcome> => {
    const own = new AbortController();
    controller.current?.abort();
    controller.current = own;
    setBusy(true);
    const started = Date.now();
    let firstToken: number | null = null;
    try {
      const result = await api.streamInvocation(
        name,
        request,
        {
          onToken: text => {
            if (firstToken === null) {
              firstToken = (Date.now() - started) / 1000;
            }
            if (mounted.current && !own.signal.aborted) {
              onToken(text);
            }
          },
          onFallback: reason => {
            if (mounted.current && !own.signal.aborted) {
              onFallback(reason);
            }
          }
        },
        own.signal
      );
      const ttft =
        typeof result.ttft_s === 'number' ? result.ttft_s : firstToken;
      return { kind: 'done', result: { ...result, ttft_s: ttft } };
    } catch (reason) {
      const error = toApiRequestError(reason);
      return error.code === 'Aborted' || own.signal.aborted
        ? { kind: 'stopped' }
        : { kind: 'error', error };
    } finally {
      if (controller.current === own) {
        controller.current = null;
      }
      if (mounted.current) {
        setBusy(false);
      }
    }
  };

  const remember = (
    name: string,
    request: IInvocationRequest,
    result: IInvocationResult
  ): void => {
    const entry = makeHistoryEntry({
      endpoint: name,
      inputs: 'inputs' in request ? request.inputs : undefined,
      messages: 'messages' in request ? request.messages : undefined,
      parameters: request.parameters,
      result
    });
    setHistory(store.add(entry));
  };

  const sendPrompt = async (): Promise<void> => {
    if (!endpoint || !canSendNow || chat || !validation.parameters) {
      return;
    }
    const name = endpoint.name;
    const request: IInvocationRequest = {
      inputs: prompt,
      parameters: validation.parameters
    };
    setRun({ kind: 'running', text: '', fallback: null });
    setLast({ endpoint: name, request, result: null });
    const outcome = await runStream(
      name,
      request,
      text =>
        setRun(current =>
          current.kind === 'running'
            ? { ...current, text: current.text + text }
            : current
        ),
      reason =>
        setRun(current =>
          current.kind === 'running'
            ? { ...current, fallback: reason }
            : current
        )
    );
    if (!mounted.current || shownEndpoint.current !== name) {
      return;
    }
    if (outcome.kind === 'done') {
      const { result } = outcome;
      setRun(current => ({
        kind: 'done',
        result,
        fallback: fallbackOf(
          current.kind === 'running' ? current.fallback : null,
          result
        )
      }));
      setLast({ endpoint: name, request, result });
      remember(name, request, result);
    } else if (outcome.kind === 'stopped') {
      setRun(current => ({
        kind: 'stopped',
        text: current.kind === 'running' ? current.text : ''
      }));
    } else {
      setRun(current => ({
        kind: 'error',
        text: current.kind === 'running' ? current.text : '',
        error: outcome.error
      }));
    }
  };

  const streamChat = async (next: IChatThread): Promise<void> => {
    if (!endpoint || !validation.parameters) {
      return;
    }
    const messages = requestMessages(next);
    if (messages.length === 0) {
      return;
    }
    const name = endpoint.name;
    const request: IInvocationRequest = {
      messages,
      parameters: validation.parameters
    };
    setThread(next);
    setChatError(null);
    setLast({ endpoint: name, request, result: null });
    const outcome = await runStream(
      name,
      request,
      text => setThread(current => appendToken(current, text)),
      reason => setThread(current => markFallback(current, reason))
    );
    if (!mounted.current || shownEndpoint.current !== name) {
      return;
    }
    if (outcome.kind === 'done') {
      setThread(current => completeAnswer(current, outcome.result));
      setLast({ endpoint: name, request, result: outcome.result });
      remember(name, request, outcome.result);
    } else if (outcome.kind === 'stopped') {
      setThread(current => stopAnswer(current));
    } else {
      setThread(current => failAnswer(current, outcome.error.message));
      setChatError(outcome.error);
    }
  };

  const sendChat = (): void => {
    if (!canSendNow || !chat) {
      return;
    }
    const next = appendUser(thread, chatInput);
    setChatInput('');
    void streamChat(next);
  };

  const send = (): void => {
    if (chat) {
      sendChat();
    } else {
      void sendPrompt();
    }
  };

  const stop = (): void => {
    controller.current?.abort();
  };

  const reuse = (entry: IHistoryEntry): void => {
    setValues(valuesFromParameters(entry.parameters, rules));
    const messages = entry.messages ?? [];
    const lastUser =
      entry.mode === 'chat'
        ? ([...messages].reverse().find(message => message.role === 'user')
            ?.content ?? '')
        : (entry.inputs ?? '');
    if (chat) {
      const index = messages.map(message => message.role).lastIndexOf('user');
      const earlier = index >= 0 ? messages.slice(0, index) : messages;
      setThread(
        entry.mode === 'chat'
          ? threadFromMessages(earlier)
          : emptyThread(thread.system)
      );
      setChatInput(lastUser);
      setChatError(null);
    } else {
      setPrompt(lastUser);
      setRun({ kind: 'idle' });
    }
  };

  const copyAsCode = async (): Promise<void> => {
    if (!last || !endpoint || last.endpoint !== endpoint.name) {
      return;
    }
    const local = endpoint.backend === 'local';
    try {
      const payload = await sagemakerPayload(last.request, last.result, body =>
        api.renderSageMakerPayload(body)
      );
      void showCodeDialog({
        snippets: buildCodeSnippets({
          endpointName: last.endpoint,
          payload,
          region: local ? null : (status?.region ?? null)
        }),
        endpointName: last.endpoint,
        local,
        trans
      });
    } catch (reason) {
      Notification.error(
        trans.__(
          'Could not build the code: %1',
          toApiRequestError(reason).message
        )
      );
    }
  };

  const onKeyDown = (event: React.KeyboardEvent): void => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      send();
    }
  };

  const lastTurn = thread.turns[thread.turns.length - 1];

  return (
    <section
      className="jp-LlamaNeuron-playground"
      aria-label={trans.__('Playground')}
      data-testid="llama-neuron-playground"
    >
      <div className="jp-LlamaNeuron-toolbar">
        <EndpointPicker
          id={`${ID}-endpoint`}
          label={trans.__('Endpoint')}
          endpoints={inService}
          value={selected}
          onChange={onSelect}
          testId="llama-neuron-playground-endpoint"
        />
        {endpoint && (
          <span
            className="jp-LlamaNeuron-muted"
            data-testid="llama-neuron-playground-mode"
          >
            {chat
              ? trans.__('Chat model: the Llama 2 chat template is applied.')
              : trans.__('Base model: the prompt is sent as-is.')}
            {contextLength
              ? ' ' + trans.__('Context: %1 tokens.', contextLength)
              : ''}
          </span>
        )}
      </div>

      {inService.length === 0 && (
        <p
          className="jp-LlamaNeuron-empty"
          data-testid="llama-neuron-playground-no-endpoint"
        >
          {trans.__(
            'No endpoint is in service. Deploy a model from the catalog, then come back when it is InService.'
          )}
        </p>
      )}

      {endpoint && (
        <div className="jp-LlamaNeuron-playground-body">
          <form
            className="jp-LlamaNeuron-playground-main"
            aria-label={trans.__('Prompt endpoint %1', endpoint.name)}
            onSubmit={event => {
              event.preventDefault();
              send();
            }}
          >
            {chat ? (
              <>
                <div className="jp-LlamaNeuron-field">
                  <label htmlFor={`${ID}-system`}>
                    {trans.__('System prompt (optional)')}
                  </label>
                  <textarea
                    id={`${ID}-system`}
                    className="jp-LlamaNeuron-textarea"
                    data-testid="llama-neuron-chat-system"
                    rows={2}
                    value={thread.system}
                    disabled={busy}
                    placeholder={trans.__(
                      'e.g. You are a concise assistant. Answer in one paragraph.'
                    )}
                    onChange={event => {
                      const value = event.currentTarget.value;
                      setThread(current => setSystem(current, value));
                    }}
                  />
                </div>
                <ol
                  className="jp-LlamaNeuron-chat"
                  aria-label={trans.__('Conversation')}
                  aria-live="polite"
                  data-testid="llama-neuron-chat-thread"
                >
                  {thread.turns.map(turn => (
                    <li
                      key={turn.id}
                      className={`jp-LlamaNeuron-chat-message jp-mod-${turn.role}`}
                      data-testid="llama-neuron-chat-message"
                      data-role={turn.role}
                      data-status={turn.status}
                    >
                      <span className="jp-LlamaNeuron-chat-role">
                        {turn.role === 'user'
                          ? trans.__('You')
                          : trans.__('Model')}
                      </span>
                      <div className="jp-LlamaNeuron-chat-content">
                        {turn.content}
                        {turn.status === 'streaming' && (
                          <span
                            className="jp-LlamaNeuron-spinner"
                            aria-label={trans.__('Answering…')}
                          />
                        )}
                      </div>
                      {turn.role === 'assistant' &&
                        turn.status === 'stopped' && (
                          <span className="jp-LlamaNeuron-muted">
                            {trans.__('Stopped.')}
                          </span>
                        )}
                      {turn.role === 'assistant' && turn.status === 'error' && (
                        <span className="jp-LlamaNeuron-field-error">
                          {trans.__('No answer: %1', turn.error ?? '')}
                        </span>
                      )}
                      {turn.role === 'assistant' &&
                        turn.status === 'done' &&
                        turn.result && (
                          <AnswerStats
                            result={turn.result}
                            fallbackReason={fallbackOf(
                              turn.fallbackReason,
                              turn.result
                            )}
                            testId="llama-neuron-chat-stats"
                          />
                        )}
                    </li>
                  ))}
                </ol>
                {chatError && (
                  <ErrorBanner
                    error={chatError}
                    title={trans.__('The endpoint did not answer')}
                    onDismiss={() => setChatError(null)}
                  />
                )}
                <div className="jp-LlamaNeuron-field">
                  <label htmlFor={`${ID}-chat-input`}>
                    {trans.__('Your message')}
                  </label>
                  <textarea
                    id={`${ID}-chat-input`}
                    className="jp-LlamaNeuron-textarea"
                    data-testid="llama-neuron-chat-input"
                    rows={3}
                    value={chatInput}
                    aria-describedby={`${ID}-input-help`}
                    placeholder={trans.__('Ask something…')}
                    onChange={event => setChatInput(event.currentTarget.value)}
                    onKeyDown={onKeyDown}
                  />
                </div>
              </>
            ) : (
              <div className="jp-LlamaNeuron-field">
                <label htmlFor={`${ID}-prompt`}>{trans.__('Prompt')}</label>
                <textarea
                  id={`${ID}-prompt`}
                  className="jp-LlamaNeuron-textarea"
                  data-testid="llama-neuron-playground-prompt"
                  rows={5}
                  value={prompt}
                  aria-describedby={`${ID}-input-help`}
                  placeholder={trans.__('The capital of France is')}
                  onChange={event => setPrompt(event.currentTarget.value)}
                  onKeyDown={onKeyDown}
                />
              </div>
            )}
            <span id={`${ID}-input-help`} className="jp-LlamaNeuron-muted">
              {trans.__('Ctrl+Enter sends.')}
            </span>

            {fit && !fit.fits && (
              <p
                className="jp-LlamaNeuron-warning"
                role="status"
                data-testid="llama-neuron-playground-context-warning"
              >
                {trans.__(
                  'The prompt (about %1 tokens, estimated) plus max_new_tokens (%2) may not fit the context of this endpoint (%3 tokens). Shorten the prompt or lower max_new_tokens; the server checks exactly.',
                  fit.promptTokens,
                  fit.maxNewTokens,
                  fit.limit
                )}
              </p>
            )}

            <div className="jp-LlamaNeuron-actions">
              <Button
                type="submit"
                className="jp-mod-styled jp-mod-accept"
                disabled={!canSendNow}
                data-testid="llama-neuron-playground-send"
              >
                {busy ? trans.__('Answering…') : trans.__('Send')}
              </Button>
              <Button
                type="button"
                className="jp-mod-styled jp-mod-warn"
                disabled={!busy}
                data-testid="llama-neuron-playground-stop"
                aria-label={trans.__('Stop the answer')}
                onClick={stop}
              >
                {trans.__('Stop')}
              </Button>
              {chat && (
                <>
                  <Button
                    type="button"
                    className="jp-mod-styled"
                    disabled={
                      busy ||
                      !canRetry(thread) ||
                      validation.parameters === null
                    }
                    data-testid="llama-neuron-chat-retry"
                    aria-label={trans.__('Ask the last message again')}
                    onClick={() => void streamChat(retryLast(thread))}
                  >
                    {trans.__('Retry')}
                  </Button>
                  <Button
                    type="button"
                    className="jp-mod-styled"
                    disabled={busy || thread.turns.length === 0}
                    data-testid="llama-neuron-chat-clear"
                    aria-label={trans.__('Clear the conversation')}
                    onClick={() => {
                      setThread(current => clearThread(current));
                      setChatError(null);
                    }}
                  >
                    {trans.__('Clear')}
                  </Button>
                </>
              )}
              <Button
                type="button"
                className="jp-mod-styled"
                disabled={!last || last.endpoint !== endpoint.name}
                data-testid="llama-neuron-playground-copy-code"
                aria-label={trans.__('Copy the last request as Python code')}
                onClick={() => void copyAsCode()}
              >
                {trans.__('Copy as code')}
              </Button>
            </div>

            {!chat && (
              <div
                className="jp-LlamaNeuron-playground-result"
                aria-live="polite"
              >
                {run.kind !== 'idle' && (
                  <pre
                    className="jp-LlamaNeuron-pre jp-LlamaNeuron-answer"
                    data-testid="llama-neuron-playground-output"
                    data-state={run.kind}
                  >
                    {run.kind === 'done' ? run.result.generated_text : run.text}
                    {run.kind === 'running' && (
                      <span
                        className="jp-LlamaNeuron-spinner"
                        aria-label={trans.__('Answering…')}
                      />
                    )}
                  </pre>
                )}
                {run.kind === 'running' && run.fallback !== null && (
                  <p
                    className="jp-LlamaNeuron-muted"
                    data-testid="llama-neuron-playground-fallback"
                  >
                    {trans.__(
                      'This endpoint cannot stream; waiting for the whole answer…'
                    )}
                  </p>
                )}
                {run.kind === 'stopped' && (
                  <p className="jp-LlamaNeuron-muted">{trans.__('Stopped.')}</p>
                )}
                {run.kind === 'error' && (
                  <ErrorBanner
                    error={run.error}
                    title={trans.__('The endpoint did not answer')}
                  />
                )}
                {run.kind === 'done' && (
                  <AnswerStats
                    result={run.result}
                    fallbackReason={run.fallback}
                    testId="llama-neuron-playground-stats"
                  />
                )}
              </div>
            )}
            {chat &&
              lastTurn?.status === 'streaming' &&
              lastTurn.fallbackReason !== undefined && (
                <p
                  className="jp-LlamaNeuron-muted"
                  data-testid="llama-neuron-playground-fallback"
                >
                  {trans.__(
                    'This endpoint cannot stream; waiting for the whole answer…'
                  )}
                </p>
              )}
          </form>

          <aside className="jp-LlamaNeuron-playground-side">
            <ParameterPanel
              idPrefix={ID}
              testIdPrefix="llama-neuron-playground"
              values={values}
              errors={validation.errors}
              contextLength={contextLength}
              onChange={setValues}
            />
            <button
              type="button"
              className="jp-LlamaNeuron-link-button"
              data-testid="llama-neuron-parameters-reset"
              onClick={() => setValues(null)}
            >
              {trans.__('Reset parameters to defaults')}
            </button>
            <HistoryList
              entries={history}
              disabled={busy}
              onReuse={reuse}
              onClear={() => {
                if (selected) {
                  store.clear(selected);
                }
                setHistory([]);
              }}
            />
          </aside>
        </div>
      )}
    </section>
  );
}
