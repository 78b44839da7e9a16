import { Button } from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';

import { ApiRequestError, toApiRequestError } from '../api/client';
import { IEndpoint, IInvocationResult } from '../api/types';
import { usePanelServices, useServerRules } from '../context';
import { formatSeconds } from '../models/format';
import {
  defaultMaxNewTokens,
  endedImmediately,
  maxNewTokensLimit,
  validateMaxNewTokens
} from '../models/invocation';
import { ErrorBanner } from './ErrorBanner';

export interface ITryItBoxProps {
  endpoint: IEndpoint;
}

type TryState =
  | { kind: 'idle' }
  | { kind: 'sending' }
  | { kind: 'error'; error: ApiRequestError }
  | { kind: 'done'; result: IInvocationResult };

/**
 * Send one prompt to an InService endpoint and show the answer, latency and token count.
 */
export function TryItBox(props: ITryItBoxProps): JSX.Element {
  const { api, trans } = usePanelServices();
  const { endpoint } = props;
  const [prompt, setPrompt] = useState('');
  const rules = useServerRules()?.inference_parameters ?? null;
  // null: untouched, the server's default.
  const [typedMaxNewTokens, setMaxNewTokens] = useState<string | null>(null);
  const maxNewTokens = typedMaxNewTokens ?? defaultMaxNewTokens(rules);
  const [state, setState] = useState<TryState>({ kind: 'idle' });
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const contextLength = endpoint.config?.n_positions ?? null;
  const limit = maxNewTokensLimit(contextLength, rules);
  // Without the server's rules (status not answered yet) nothing is sent.
  const tokensProblem = rules
    ? validateMaxNewTokens(maxNewTokens, contextLength, rules)
    : 'not-integer';
  const idBase = `jp-LlamaNeuron-try-${endpoint.name}`;
  const canSend =
    prompt.trim().length > 0 && !tokensProblem && state.kind !== 'sending';

  const send = async (): Promise<void> => {
    if (!canSend) {
      return;
    }
    setState({ kind: 'sending' });
    try {
      const result = await api.invokeEndpoint(endpoint.name, {
        inputs: prompt,
        parameters: { max_new_tokens: Number(maxNewTokens.trim()) }
      });
      if (mounted.current) {
        setState({ kind: 'done', result });
      }
    } catch (reason) {
      if (mounted.current) {
        setState({ kind: 'error', error: toApiRequestError(reason) });
      }
    }
  };

  return (
    <form
      className="jp-LlamaNeuron-tryit"
      aria-label={trans.__('Try endpoint %1', endpoint.name)}
      data-testid="llama-neuron-tryit"
      onSubmit={event => {
        event.preventDefault();
        void send();
      }}
    >
      <div className="jp-LlamaNeuron-field">
        <label htmlFor={`${idBase}-prompt`}>{trans.__('Prompt')}</label>
        <textarea
          id={`${idBase}-prompt`}
          className="jp-LlamaNeuron-textarea"
          data-testid="llama-neuron-tryit-prompt"
          rows={3}
          value={prompt}
          placeholder={trans.__('The capital of France is')}
          aria-describedby={`${idBase}-prompt-help`}
          onChange={event => setPrompt(event.currentTarget.value)}
          onKeyDown={event => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
              event.preventDefault();
              void send();
            }
          }}
        />
        <span id={`${idBase}-prompt-help`} className="jp-LlamaNeuron-muted">
          {trans.__('Ctrl+Enter sends.')}
        </span>
      </div>
      <div className="jp-LlamaNeuron-tryit-controls">
        <div className="jp-LlamaNeuron-field-inline">
          <label htmlFor={`${idBase}-max`}>{trans.__('Max new tokens')}</label>
          <input
            id={`${idBase}-max`}
            className="jp-LlamaNeuron-number"
            type="number"
            min={1}
            max={limit}
            step={1}
            data-testid="llama-neuron-tryit-max-new-tokens"
            value={maxNewTokens}
            aria-invalid={tokensProblem !== null}
            aria-describedby={`${idBase}-max-help`}
            onChange={event => setMaxNewTokens(event.currentTarget.value)}
          />
          <span
            id={`${idBase}-max-help`}
            className={
              tokensProblem
                ? 'jp-LlamaNeuron-field-error'
                : 'jp-LlamaNeuron-muted'
            }
          >
            {tokensProblem
              ? trans.__('A whole number from 1 to %1.', limit)
              : trans.__('1 to %1', limit)}
          </span>
        </div>
        <Button
          type="submit"
          className="jp-mod-styled jp-mod-accept"
          disabled={!canSend}
          data-testid="llama-neuron-tryit-send"
        >
          {state.kind === 'sending' ? trans.__('Sending…') : trans.__('Send')}
        </Button>
      </div>
      <div aria-live="polite" className="jp-LlamaNeuron-tryit-result">
        {state.kind === 'error' && (
          <ErrorBanner
            error={state.error}
            title={trans.__('The endpoint did not answer')}
          />
        )}
        {state.kind === 'done' && (
          <>
            {endedImmediately(state.result) ? (
              <p
                className="jp-LlamaNeuron-notice"
                data-testid="llama-neuron-tryit-empty"
              >
                {trans.__(
                  "The model ended immediately. Try a completion-style prompt such as 'The capital of France is' or use the chat model."
                )}
              </p>
            ) : (
              <pre
                className="jp-LlamaNeuron-pre jp-LlamaNeuron-answer"
                data-testid="llama-neuron-tryit-output"
              >
                {state.result.generated_text}
              </pre>
            )}
            <p
              className="jp-LlamaNeuron-muted"
              data-testid="llama-neuron-tryit-stats"
            >
              {[
                state.result.latency_s !== null &&
                state.result.latency_s !== undefined
                  ? trans.__(
                      'Latency %1',
                      formatSeconds(state.result.latency_s, trans)
                    )
                  : null,
                state.result.tokens_out !== null &&
                state.result.tokens_out !== undefined
                  ? trans._n('%1 token', '%1 tokens', state.result.tokens_out)
                  : null,
                state.result.finish_reason
                  ? trans.__('finish reason: %1', state.result.finish_reason)
                  : null
              ]
                .filter(Boolean)
                .join(' · ')}
            </p>
          </>
        )}
      </div>
    </form>
  );
}
