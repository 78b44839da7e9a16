import { Button, HTMLSelect } from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import { IEndpoint } from '../api/types';
import { usePanelServices } from '../context';
import {
  autoDeleteOptions,
  autoDeleteValue,
  formatDeletesIn,
  formatIdle,
  parseAutoDeleteValue
} from '../models/costGuard';
import { formatCost } from '../models/deployForm';
import { ageSeconds, isTransitional } from '../models/endpointStatus';
import { formatDateTime, formatDuration } from '../models/format';
import { OpenNotebookButton } from './OpenNotebookButton';
import { RestartEndpointButton } from './RestartEndpointButton';
import { TryItBox } from './TryItBox';

export interface IEndpointRowProps {
  endpoint: IEndpoint;
  /** Current time in ms (ticks while the list is shown). */
  now: number;
  deleting: boolean;
  onDelete: (endpoint: IEndpoint) => void;
  /** Open the Playground with this endpoint selected (InService only). */
  onOpenPlayground?: (endpoint: IEndpoint) => void;
  /** Cost guard controls (shown when given and the server reports auto-delete fields). */
  autoDelete?: IEndpointAutoDeleteProps;
}

export interface IEndpointAutoDeleteProps {
  /** The server default in idle minutes (0 = off); undefined while unknown. */
  defaultMinutes?: number;
  /** A change of this endpoint's setting is being saved. */
  saving: boolean;
  /** Set the endpoint's idle minutes (0 never, null = the server default). */
  onChange: (endpoint: IEndpoint, minutes: number | null) => void;
  /** Keep the endpoint (the idle clock starts again). */
  onKeep: (endpoint: IEndpoint) => void;
}

/**
 * One endpoint: model, status (spinner and elapsed vs typical time while creating, SageMaker's reason when
 * failed), instance, age, price and cost so far, what serves it; Delete; Try it and Open in playground
 * when InService; Restart when the server offers it (a Failed local endpoint).
 */
export function EndpointRow(props: IEndpointRowProps): JSX.Element {
  const { trans } = usePanelServices();
  const { endpoint, now } = props;
  const [tryOpen, setTryOpen] = useState(false);
  // When Restart was clicked here: while it is Creating again, the elapsed time counts from then.
  const [restartedAt, setRestartedAt] = useState<number | null>(null);
  const busy = isTransitional(endpoint.status);
  const age = ageSeconds(endpoint, now);
  const local = endpoint.backend === 'local';
  const instance =
    endpoint.instance_type ?? endpoint.config?.instance_type ?? '—';
  const inService = endpoint.status === 'InService';
  const tryId = `jp-LlamaNeuron-try-region-${endpoint.name}`;
  const autoDelete =
    props.autoDelete && endpoint.auto_delete_source !== undefined
      ? props.autoDelete
      : null;
  const ownMinutes =
    endpoint.auto_delete_source === 'endpoint'
      ? endpoint.auto_delete_idle_minutes
      : null;

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
          {endpoint.training_job && (
            <span
              className="jp-LlamaNeuron-badge jp-LlamaNeuron-badge-accent"
              data-testid="llama-neuron-endpoint-fine-tuned"
            >
              {trans.__('fine-tuned')}
            </span>
          )}
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
          {endpoint.status === 'Creating' && restartedAt !== null && (
            <span
              className="jp-LlamaNeuron-muted"
              data-testid="llama-neuron-endpoint-elapsed"
            >
              {trans.__(
                'restarting, %1 elapsed',
                formatDuration(Math.max(0, (now - restartedAt) / 1000), trans)
              )}
            </span>
          )}
          {endpoint.status === 'Creating' && restartedAt === null && (
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
          {inService && endpoint.idle_minutes !== undefined && (
            <>
              <dt>{trans.__('Idle')}</dt>
              <dd
                data-testid="llama-neuron-endpoint-idle"
                title={
                  endpoint.last_activity_at
                    ? trans.__(
                        'Last invocation: %1',
                        formatDateTime(endpoint.last_activity_at)
                      )
                    : trans.__('No invocation seen since it was created')
                }
              >
                {formatIdle(endpoint.idle_minutes, endpoint.idle_capped, trans)}
              </dd>
            </>
          )}
          {autoDelete && (
            <>
              <dt>
                <label htmlFor={`jp-LlamaNeuron-auto-delete-${endpoint.name}`}>
                  {trans.__('Auto-delete')}
                </label>
              </dt>
              <dd>
                <HTMLSelect
                  id={`jp-LlamaNeuron-auto-delete-${endpoint.name}`}
                  data-testid="llama-neuron-endpoint-auto-delete"
                  value={autoDeleteValue(endpoint)}
                  disabled={autoDelete.saving}
                  aria-label={trans.__(
                    'Auto-delete endpoint %1 when idle',
                    endpoint.name
                  )}
                  onChange={event =>
                    autoDelete.onChange(
                      endpoint,
                      parseAutoDeleteValue(event.currentTarget.value)
                    )
                  }
                  options={autoDeleteOptions(trans, {
                    defaultMinutes: autoDelete.defaultMinutes ?? null,
                    current: ownMinutes
                  })}
                />
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
        {autoDelete && inService && endpoint.deletes_at && (
          <p
            className={
              endpoint.warning
                ? 'jp-LlamaNeuron-warning jp-LlamaNeuron-deletes-at'
                : 'jp-LlamaNeuron-muted jp-LlamaNeuron-deletes-at'
            }
            data-testid="llama-neuron-endpoint-deletes-at"
            data-warning={endpoint.warning ? 'true' : 'false'}
            role={endpoint.warning ? 'alert' : undefined}
          >
            {endpoint.warning
              ? trans.__(
                  'Idle: will be deleted %1 (%2) unless it is used or kept.',
                  formatDeletesIn(endpoint.deletes_at, now, trans),
                  formatDateTime(endpoint.deletes_at)
                )
              : trans.__(
                  'Deleted automatically at %1 if it stays idle.',
                  formatDateTime(endpoint.deletes_at)
                )}{' '}
            {endpoint.warning && (
              <Button
                small
                className="jp-mod-styled"
                disabled={autoDelete.saving}
                data-testid="llama-neuron-endpoint-keep"
                aria-label={trans.__('Keep endpoint %1', endpoint.name)}
                onClick={() => autoDelete.onKeep(endpoint)}
              >
                {trans.__('Keep')}
              </Button>
            )}
          </p>
        )}
      </div>
      <div className="jp-LlamaNeuron-endpoint-actions">
        {inService && (
          <Button
            small
            className="jp-mod-styled"
            aria-expanded={tryOpen}
            aria-controls={tryId}
            aria-label={
              tryOpen
                ? trans.__('Hide: try box of %1', endpoint.name)
                : trans.__('Try it: endpoint %1', endpoint.name)
            }
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
            aria-label={trans.__('Open in playground: %1', endpoint.name)}
            data-testid="llama-neuron-endpoint-playground"
            onClick={() => props.onOpenPlayground?.(endpoint)}
          >
            {trans.__('Open in playground')}
          </Button>
        )}
        {inService && endpoint.model_id && (
          <OpenNotebookButton
            small
            testId="llama-neuron-endpoint-notebook"
            ariaLabel={trans.__('Open notebook that prompts %1', endpoint.name)}
            request={() => ({
              step: 'invoke',
              model_id: endpoint.model_id,
              endpoint_name: endpoint.name,
              config: endpoint.config ?? null
            })}
          />
        )}
        <RestartEndpointButton
          endpoint={endpoint}
          onRestarted={() => setRestartedAt(Date.now())}
        />
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
