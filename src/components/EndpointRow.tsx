import { Button } from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import { IEndpoint } from '../api/types';
import { usePanelServices } from '../context';
import { formatCost } from '../models/deployForm';
import { ageSeconds, isTransitional } from '../models/endpointStatus';
import { formatDuration } from '../models/format';
import { TryItBox } from './TryItBox';

export interface IEndpointRowProps {
  endpoint: IEndpoint;
  /** Current time in ms (ticks while the list is shown). */
  now: number;
  deleting: boolean;
  onDelete: (endpoint: IEndpoint) => void;
  /** Open the Playground with this endpoint selected (InService only). */
  onOpenPlayground?: (endpoint: IEndpoint) => void;
}

/**
 * One endpoint: model, status (spinner and elapsed vs typical time while creating, SageMaker's reason when
 * failed), instance, age, price and cost so far, what serves it; Delete; Try it and Open in playground
 * when InService.
 */
export function EndpointRow(props: IEndpointRowProps): JSX.Element {
  const { trans } = usePanelServices();
  const { endpoint, now } = props;
  const [tryOpen, setTryOpen] = useState(false);
  const busy = isTransitional(endpoint.status);
  const age = ageSeconds(endpoint, now);
  const local = endpoint.backend === 'local';
  const instance =
    endpoint.instance_type ?? endpoint.config?.instance_type ?? '—';
  const inService = endpoint.status === 'InService';
  const tryId = `jp-LlamaNeuron-try-region-${endpoint.name}`;

  return (
    <li
      className="jp-LlamaNeuron-endpoint"
      data-testid={`llama-neuron-endpoint-row-${endpoint.name}`}
      data-endpoint-name={endpoint.name}
      data-status={endpoint.status}
      aria-label={trans.__('Endpoint %1', endpoint.name)}
    >
      <div className="jp-LlamaNeuron-endpoint-main">
        <div className="jp-LlamaNeuron-endpoint-title">
          <strong className="jp-LlamaNeuron-endpoint-name">
            {endpoint.name}
          </strong>
          <span className="jp-LlamaNeuron-muted">
            {endpoint.model_display_name}
          </span>
        </div>
        <div className="jp-LlamaNeuron-status-line">
          <span
            className="jp-LlamaNeuron-status"
            data-status={endpoint.status}
            data-testid="llama-neuron-endpoint-status"
            role="status"
          >
            {busy && (
              <span className="jp-LlamaNeuron-spinner" aria-hidden="true" />
            )}
            <span className="jp-LlamaNeuron-status-text">
              {endpoint.status}
            </span>
          </span>
          {endpoint.status === 'Creating' && (
            <span
              className="jp-LlamaNeuron-muted"
              data-testid="llama-neuron-endpoint-elapsed"
            >
              {endpoint.typical_minutes
                ? trans.__(
                    '%1 elapsed, typically about %2 min',
                    formatDuration(age, trans),
                    endpoint.typical_minutes
                  )
                : trans.__('%1 elapsed', formatDuration(age, trans))}
            </span>
          )}
        </div>
        {endpoint.status === 'Failed' && (
          <p
            className="jp-LlamaNeuron-field-error"
            data-testid="llama-neuron-endpoint-failure"
          >
            {endpoint.failure_reason || trans.__('SageMaker gave no reason.')}
          </p>
        )}
        <dl className="jp-LlamaNeuron-facts">
          <dt>{trans.__('Instance')}</dt>
          <dd>{instance}</dd>
          {endpoint.config && (
            <>
              <dt>{trans.__('Configuration')}</dt>
              <dd>
                {trans.__(
                  'context %1 · batch %2 · TP %3 · %4',
                  endpoint.config.n_positions,
                  endpoint.config.max_rolling_batch_size,
                  endpoint.config.tensor_parallel_degree,
                  endpoint.config.dtype
                )}
              </dd>
            </>
          )}
          <dt>{trans.__('Age')}</dt>
          <dd>{formatDuration(age, trans)}</dd>
          <dt>{trans.__('Price')}</dt>
          <dd data-testid="llama-neuron-endpoint-price">
            {local
              ? trans.__('no AWS charge (local)')
              : trans.__('%1/h', formatCost(endpoint.price_per_hour))}
          </dd>
          {!local && (
            <>
              <dt>{trans.__('Cost so far')}</dt>
              <dd data-testid="llama-neuron-endpoint-cost">
                {trans.__('%1 (indicative)', formatCost(endpoint.cost_so_far))}
              </dd>
            </>
          )}
          {endpoint.serving_label && (
            <>
              <dt>{trans.__('Served by')}</dt>
              <dd data-testid="llama-neuron-endpoint-serving">
                {endpoint.serving_label}
              </dd>
            </>
          )}
          {endpoint.training_job && (
            <>
              <dt>{trans.__('Fine-tuned by')}</dt>
              <dd>{endpoint.training_job}</dd>
            </>
          )}
        </dl>
      </div>
      <div className="jp-LlamaNeuron-endpoint-actions">
        {inService && (
          <Button
            small
            className="jp-mod-styled"
            aria-expanded={tryOpen}
            aria-controls={tryId}
            aria-label={trans.__('Try endpoint %1', endpoint.name)}
            data-testid="llama-neuron-endpoint-try"
            onClick={() => setTryOpen(open => !open)}
          >
            {tryOpen ? trans.__('Hide') : trans.__('Try it')}
          </Button>
        )}
        {inService && props.onOpenPlayground && (
          <Button
            small
            className="jp-mod-styled"
            aria-label={trans.__(
              'Open endpoint %1 in the playground',
              endpoint.name
            )}
            data-testid="llama-neuron-endpoint-playground"
            onClick={() => props.onOpenPlayground?.(endpoint)}
          >
            {trans.__('Open in playground')}
          </Button>
        )}
        <Button
          small
          className="jp-mod-styled jp-mod-warn"
          disabled={props.deleting || endpoint.status === 'Deleting'}
          aria-label={trans.__('Delete endpoint %1', endpoint.name)}
          data-testid="llama-neuron-endpoint-delete"
          onClick={() => props.onDelete(endpoint)}
        >
          {props.deleting ? trans.__('Deleting…') : trans.__('Delete')}
        </Button>
      </div>
      {inService && tryOpen && (
        <div id={tryId} className="jp-LlamaNeuron-endpoint-try">
          <TryItBox endpoint={endpoint} />
        </div>
      )}
    </li>
  );
}
