import React from 'react';

import { IStatus } from '../api/types';
import { usePanelServices } from '../context';

export interface ILocalModelStatusProps {
  status: IStatus;
}

/**
 * Readiness of the local stand-in model: a progress bar while it is converted, else its state.
 */
export function LocalModelStatus(
  props: ILocalModelStatusProps
): JSX.Element | null {
  const { trans } = usePanelServices();
  const local = props.status.local_model;
  if (!local) {
    return null;
  }
  if (local.state === 'converting') {
    const percent =
      typeof local.progress === 'number'
        ? Math.round(Math.min(1, Math.max(0, local.progress)) * 100)
        : null;
    return (
      <div
        className="jp-LlamaNeuron-local-progress"
        data-testid="llama-neuron-local-progress"
      >
        <label htmlFor="jp-LlamaNeuron-local-progress-bar">
          {local.message || trans.__('Preparing the local model…')}
          {percent !== null && ` (${percent}%)`}
        </label>
        {percent !== null ? (
          <progress
            id="jp-LlamaNeuron-local-progress-bar"
            max={100}
            value={percent}
          />
        ) : (
          <progress id="jp-LlamaNeuron-local-progress-bar" />
        )}
      </div>
    );
  }
  if (local.state === 'unavailable' || local.state === 'missing') {
    return (
      <p
        className="jp-LlamaNeuron-warning"
        data-testid="llama-neuron-local-model-state"
        data-state={local.state}
      >
        {local.message ||
          (local.state === 'missing'
            ? trans.__(
                'The local model is not prepared yet; it is converted on first deploy.'
              )
            : trans.__('The local model is unavailable.'))}
      </p>
    );
  }
  return (
    <p
      className="jp-LlamaNeuron-muted"
      data-testid="llama-neuron-local-model-state"
      data-state={local.state}
    >
      {local.label || trans.__('Local model ready')}
    </p>
  );
}
