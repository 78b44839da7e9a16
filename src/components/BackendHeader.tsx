import React from 'react';

import { IStatus } from '../api/types';
import { usePanelServices } from '../context';
import { useCostGuard, useSignal } from '../hooks';
import { totalHourlyBurn } from '../models/costGuard';
import { formatCost } from '../models/deployForm';
import { Loadable } from '../models/loadable';
import { backendReasonSummary } from '../models/plainWords';
import { ErrorBanner } from './ErrorBanner';
import { LocalModelStatus } from './LocalModelStatus';

export interface IBackendHeaderProps {
  status: Loadable<IStatus>;
  onRetry: () => void;
}

/**
 * Which backend answers (local mode or SageMaker with region and account), the local model's
 * conversion progress, and where prices come from.
 */
export function BackendHeader(props: IBackendHeaderProps): JSX.Element {
  const { trans, endpoints, costGuard } = usePanelServices();
  const { status } = props;
  useSignal(endpoints.changed);
  const guard = useCostGuard(costGuard);
  const burn = totalHourlyBurn(guard, endpoints.endpoints);
  return (
    // A <div>, not a <header>: inside JupyterLab's main area a header would be a second banner landmark.
    <div className="jp-LlamaNeuron-header" data-testid="llama-neuron-header">
      <div className="jp-LlamaNeuron-header-row">
        <h2 className="jp-LlamaNeuron-header-title">
          {trans.__('Llama 2 on Neuron')}
        </h2>
        {status.kind === 'loading' && (
          <span className="jp-LlamaNeuron-muted" role="status">
            {trans.__('Connecting to the server…')}
          </span>
        )}
        {status.kind === 'ready' && (
          <span
            className="jp-LlamaNeuron-backend"
            data-backend={status.value.backend}
            data-testid="llama-neuron-backend-label"
            title={
              status.value.reason
                ? status.value.reason
                : trans.__('Backend: %1', status.value.backend)
            }
          >
            {status.value.label}
          </span>
        )}
        {status.kind === 'ready' && status.value.price_label && (
          <span
            className="jp-LlamaNeuron-muted jp-LlamaNeuron-header-prices"
            data-testid="llama-neuron-price-label"
          >
            {trans.__('Prices: %1', status.value.price_label)}
          </span>
        )}
        {status.kind === 'ready' && (
          <span
            className="jp-LlamaNeuron-header-burn"
            data-testid="llama-neuron-total-burn"
            data-burning={burn > 0 ? 'true' : 'false'}
            title={
              guard && guard.training_hourly_burn > 0
                ? trans.__(
                    'Endpoints %1/h, training jobs %2/h (indicative)',
                    formatCost(guard.endpoints_hourly_burn),
                    formatCost(guard.training_hourly_burn)
                  )
                : trans.__(
                    'What everything running costs per hour (indicative)'
                  )
            }
          >
            {trans.__('Running now: %1/h', formatCost(burn))}
          </span>
        )}
      </div>
      {status.kind === 'ready' && status.value.reason && (
        <details
          className="jp-LlamaNeuron-muted jp-LlamaNeuron-header-reason"
          data-testid="llama-neuron-backend-reason"
        >
          <summary>{backendReasonSummary(status.value, trans)}</summary>
          <span data-testid="llama-neuron-backend-reason-detail">
            {trans.__('Details: %1', status.value.reason)}
          </span>
        </details>
      )}
      {status.kind === 'ready' && <LocalModelStatus status={status.value} />}
      {status.kind === 'error' && (
        <ErrorBanner
          error={status.error}
          title={trans.__('Could not read the backend status')}
          onRetry={props.onRetry}
        />
      )}
    </div>
  );
}
