import { Button } from '@jupyterlab/ui-components';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { ApiRequestError } from '../api/client';
import { usePanelServices } from '../context';

export interface IErrorBannerProps {
  error: ApiRequestError;
  /** Short heading, e.g. "Could not load the catalog". */
  title?: string;
  onRetry?: () => void;
  onDismiss?: () => void;
}

/**
 * An error from the server: its message, what to do about it (hint) and the error code.
 */
export function ErrorBanner(props: IErrorBannerProps): JSX.Element {
  const { trans } = usePanelServices();
  const { message, hint } = describeError(props.error, trans);
  return (
    <div
      className="jp-LlamaNeuron-error"
      role="alert"
      data-testid="llama-neuron-error"
      data-error-code={props.error.code}
    >
      <div className="jp-LlamaNeuron-error-text">
        {props.title && (
          <strong className="jp-LlamaNeuron-error-title">{props.title}</strong>
        )}
        <p className="jp-LlamaNeuron-error-message">{message}</p>
        {hint && <p className="jp-LlamaNeuron-error-hint">{hint}</p>}
        <p className="jp-LlamaNeuron-error-code">
          {props.error.status > 0
            ? trans.__(
                'Error %1 (HTTP %2)',
                props.error.code,
                props.error.status
              )
            : trans.__('Error %1', props.error.code)}
        </p>
      </div>
      <div className="jp-LlamaNeuron-error-actions">
        {props.onRetry && (
          <Button small onClick={props.onRetry}>
            {trans.__('Retry')}
          </Button>
        )}
        {props.onDismiss && (
          <Button
            small
            minimal
            onClick={props.onDismiss}
            aria-label={trans.__('Dismiss error')}
          >
            {trans.__('Dismiss')}
          </Button>
        )}
      </div>
    </div>
  );
}

/** Errors produced in the browser get translated text; server errors keep the server's message and hint. */
function describeError(
  error: ApiRequestError,
  trans: TranslationBundle
): { message: string; hint: string } {
  switch (error.code) {
    case 'NetworkError':
      return {
        message: trans.__('Could not reach the Jupyter server.'),
        hint: trans.__(
          'Check that JupyterLab is still running and your network connection is up.'
        )
      };
    case 'InvalidResponse':
      return {
        message: trans.__('The server sent an answer that is not JSON.'),
        hint: error.message
      };
    default:
      break;
  }
  if (error.code === `HTTP${error.status}` && error.status === 404) {
    return {
      message: error.message,
      hint: trans.__(
        'Is the jupyter_llama_neuron server extension installed and enabled? Check `jupyter server extension list` and restart JupyterLab.'
      )
    };
  }
  return { message: error.message, hint: error.hint };
}
