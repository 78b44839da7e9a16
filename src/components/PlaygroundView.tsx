import { Notification } from '@jupyterlab/apputils';
import React, { useEffect, useMemo, useRef, useState } from 'react';

import { ApiRequestError, toApiRequestError } from '../api/client';
import {
  IChatMessage,
  IInvocationParameters,
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
import { fallbackOf } from '../models/invocation';
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
  ParameterName,
  validateParameters,
  valuesFromParameters
} from '../models/inferenceParameters';
import { IPlaygroundRequest } from '../models/panelNavigator';
import { ChatComposer } from './ChatComposer';
import { ContextFitWarning } from './ContextFitWarning';
import { showCodeDialog } from './CodeSnippetsBody';
import { EndpointPicker } from './EndpointPicker';
import { HistoryList } from './HistoryList';
import { ParameterPanel } from './ParameterPanel';
import { PlaygroundActions } from './PlaygroundActions';
import { PlaygroundModeNote } from './PlaygroundModeNote';
import { PromptResult, PromptRun } from './PromptResult';

export interface IPlaygroundViewProps {
  /** The catalog (tells chat models apart); may be empty while loading. */
  models: readonly IModelSummary[];
  status: IStatus | null;
  /** The selected endpoint name (owned by the panel so Resources can open one). */
  selected: string | null;
  onSelect: (name: string | null) => void;
  /** Focus the message box on an endpoint, and send a prompt (an example's "Try this"). */
  request?: IPlaygroundRequest | null;
}

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

/**
 * Prompt an InService endpoint: a prompt box (or a chat thread with an optional system prompt for chat
 * models), every inference parameter with its range, streamed answers with Stop, per-answer statistics,
 * history per endpoint and "Copy as code".
 */
export function PlaygroundView(props: IPlaygroundViewProps): JSX.Element {
  const { api, endpoints, trans } = usePanelServices();
  const rules = useServerRules()?.inference_parameters ?? null;
  useSignal(endpoints.changed);
  const { selected, onSelect, models, status, request } = props;

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
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const handledRequest = useRef(0);
  // Asks the parameter panel to open at a field (a new object each time, so the same field again works).
  const [reveal, setReveal] = useState<{ name: ParameterName } | null>(null);
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

  // Opened from "Try this", a deploy that just became ready, or Resources: focus the message box, and
  // send the example prompt with its settings. Waits until the endpoint is selected and in service.
  const endpointName = endpoint?.name ?? null;
  useEffect(() => {
    if (
      !request ||
      request.id === handledRequest.current ||
      endpointName !== request.endpoint
    ) {
      return;
    }
    handledRequest.current = request.id;
    const example = request.prompt;
    if (example && !busy) {
      const nextValues = example.parameters
        ? valuesFromParameters(example.parameters, rules)
        : values;
      setValues(nextValues);
      const checked = validateParameters(
        nextValues,
        contextLength,
        rules,
        trans
      );
      if (chat) {
        const next = appendUser(emptyThread(thread.system), example.inputs);
        setChatInput('');
        void streamChat(next, checked.parameters);
      } else {
        setPrompt(example.inputs);
        void sendPrompt(example.inputs, checked.parameters);
      }
    }
    inputRef.current?.focus();
  }, [request, endpointName]);

  const validation = validateParameters(values, contextLength, rules, trans);
  const firstInvalid =
    validation.parameters === null
      ? ((Object.keys(validation.errors)[0] as ParameterName | undefined) ??
        null)
      : null;
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

  const sendPrompt = async (
    text: string = prompt,
    parameters: IInvocationParameters | null = validation.parameters
  ): Promise<void> => {
    if (!endpoint || busy || chat || !parameters || !text.trim()) {
      return;
    }
    const name = endpoint.name;
    const request: IInvocationRequest = { inputs: text, parameters };
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

  const streamChat = async (
    next: IChatThread,
    parameters: IInvocationParameters | null = validation.parameters
  ): Promise<void> => {
    if (!endpoint || !parameters) {
      return;
    }
    const messages = requestMessages(next);
    if (messages.length === 0) {
      return;
    }
    const name = endpoint.name;
    const request: IInvocationRequest = { messages, parameters };
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
          <PlaygroundModeNote chat={chat} contextLength={contextLength} />
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
              <ChatComposer
                idPrefix={ID}
                thread={thread}
                busy={busy}
                error={chatError}
                input={chatInput}
                inputRef={inputRef}
                describedBy={`${ID}-input-help`}
                onSystemChange={value =>
                  setThread(current => setSystem(current, value))
                }
                onDismissError={() => setChatError(null)}
                onInputChange={setChatInput}
                onKeyDown={onKeyDown}
              />
            ) : (
              <div className="jp-LlamaNeuron-field">
                <label htmlFor={`${ID}-prompt`}>{trans.__('Prompt')}</label>
                <textarea
                  id={`${ID}-prompt`}
                  className="jp-LlamaNeuron-textarea"
                  ref={inputRef}
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

            {fit && !fit.fits && <ContextFitWarning fit={fit} />}

            <PlaygroundActions
              busy={busy}
              canSend={canSendNow}
              chat={chat}
              canRetry={canRetry(thread) && validation.parameters !== null}
              canClear={thread.turns.length > 0}
              canCopy={!!last && last.endpoint === endpoint.name}
              invalidParameter={firstInvalid}
              onStop={stop}
              onRetry={() => void streamChat(retryLast(thread))}
              onClear={() => {
                setThread(current => clearThread(current));
                setChatError(null);
              }}
              onCopy={copyAsCode}
              onShowInvalid={name => setReveal({ name })}
            />

            {!chat && <PromptResult run={run} />}
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
              reveal={reveal}
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
