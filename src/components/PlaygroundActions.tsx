import { Button } from '@jupyterlab/ui-components';
import React from 'react';

import { usePanelServices } from '../context';
import { ParameterName } from '../models/inferenceParameters';

export interface IPlaygroundActionsProps {
  busy: boolean;
  canSend: boolean;
  /** Chat endpoints also get Retry and Clear. */
  chat: boolean;
  canRetry: boolean;
  canClear: boolean;
  canCopy: boolean;
  /** The first invalid parameter: Send is off because of it (null when all are valid). */
  invalidParameter: ParameterName | null;
  onStop: () => void;
  onRetry: () => void;
  onClear: () => void;
  onCopy: () => void;
  /** Open the Parameters section at the invalid field. */
  onShowInvalid: (name: ParameterName) => void;
}

/**
 * Send (the form's submit), Stop (a warning colour only while it can stop something), Retry and Clear for
 * chats, Copy as code; and, next to Send, why it is off when a parameter is invalid.
 */
export function PlaygroundActions(props: IPlaygroundActionsProps): JSX.Element {
  const { trans } = usePanelServices();
  const { busy, invalidParameter } = props;
  return (
    <div className="jp-LlamaNeuron-actions">
      <Button
        type="submit"
        className="jp-mod-styled jp-mod-accept"
        disabled={!props.canSend}
        data-testid="llama-neuron-playground-send"
      >
        {busy ? trans.__('Answering…') : trans.__('Send')}
      </Button>
      {invalidParameter && (
        <span
          className="jp-LlamaNeuron-field-error"
          role="status"
          data-testid="llama-neuron-playground-send-blocked"
        >
          {trans.__(
            'Send is off: %1 in Parameters is not valid.',
            invalidParameter
          )}{' '}
          <button
            type="button"
            className="jp-LlamaNeuron-link-button"
            data-testid="llama-neuron-playground-show-invalid"
            onClick={() => props.onShowInvalid(invalidParameter)}
          >
            {trans.__('Show %1', invalidParameter)}
          </button>
        </span>
      )}
      <Button
        type="button"
        className={busy ? 'jp-mod-styled jp-mod-warn' : 'jp-mod-styled'}
        disabled={!busy}
        data-testid="llama-neuron-playground-stop"
        aria-label={trans.__('Stop the answer')}
        onClick={props.onStop}
      >
        {trans.__('Stop')}
      </Button>
      {props.chat && (
        <>
          <Button
            type="button"
            className="jp-mod-styled"
            disabled={busy || !props.canRetry}
            data-testid="llama-neuron-chat-retry"
            aria-label={trans.__('Retry: ask the last message again')}
            onClick={props.onRetry}
          >
            {trans.__('Retry')}
          </Button>
          <Button
            type="button"
            className="jp-mod-styled"
            disabled={busy || !props.canClear}
            data-testid="llama-neuron-chat-clear"
            aria-label={trans.__('Clear the conversation')}
            onClick={props.onClear}
          >
            {trans.__('Clear')}
          </Button>
        </>
      )}
      <Button
        type="button"
        className="jp-mod-styled"
        disabled={!props.canCopy}
        data-testid="llama-neuron-playground-copy-code"
        aria-label={trans.__('Copy as code: the last request in Python')}
        onClick={props.onCopy}
      >
        {trans.__('Copy as code')}
      </Button>
    </div>
  );
}
