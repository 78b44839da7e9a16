import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { Button, refreshIcon } from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import { ApiRequestError, toApiRequestError } from '../api/client';
import { IEndpoint, ITrainingJob } from '../api/types';
import { usePanelServices } from '../context';
import { useCostGuard, useNow, useSignal } from '../hooks';
import { withGuardInfo } from '../models/costGuard';
import { costPerDay, formatCost } from '../models/deployForm';
import { formatDateTime } from '../models/format';
import { EndpointRow } from './EndpointRow';
import { ErrorBanner } from './ErrorBanner';
import { LocalStorageList } from './LocalStorageList';
import { TrainingJobList } from './TrainingJobList';

export interface IResourcesViewProps {
  /** The server runs in local mode (no AWS charges). */
  local: boolean;
  onBrowseCatalog: () => void;
  /** Open the Playground with an endpoint selected. */
  onOpenPlayground?: (endpoint: IEndpoint) => void;
  /** Open a training job's page (the training jobs are listed when given). */
  onOpenTrainingJob?: (job: ITrainingJob) => void;
}

/**
 * Everything this extension created (endpoints for now), with status, cost and Delete.
 */
export function ResourcesView(props: IResourcesViewProps): JSX.Element {
  const { api, endpoints, settings, trans, costGuard } = usePanelServices();
  useSignal(endpoints.changed);
  const guard = useCostGuard(costGuard);
  const [deleting, setDeleting] = useState<ReadonlySet<string>>(new Set());
  const [deleteError, setDeleteError] = useState<ApiRequestError | null>(null);
  const [guardSaving, setGuardSaving] = useState<ReadonlySet<string>>(
    new Set()
  );
  const [guardError, setGuardError] = useState<ApiRequestError | null>(null);
  const state = endpoints.state;
  const list = endpoints.endpoints;
  // Tick every second while something is being created (elapsed time) or about to be auto-deleted,
  // else every 30 s (age).
  const now = useNow(
    endpoints.hasActive || (guard?.warnings.length ?? 0) > 0 ? 1000 : 30_000
  );

  /** Save a cost-guard change of one endpoint (auto-delete minutes or Keep), then show the answer. */
  const saveGuard = async (
    endpoint: IEndpoint,
    change: () => Promise<IEndpoint>
  ): Promise<void> => {
    if (guardSaving.has(endpoint.name)) {
      return;
    }
    setGuardSaving(current => new Set(current).add(endpoint.name));
    setGuardError(null);
    try {
      endpoints.upsert(await change());
      await costGuard?.refresh();
    } catch (reason) {
      setGuardError(toApiRequestError(reason));
    } finally {
      setGuardSaving(current => {
        const next = new Set(current);
        next.delete(endpoint.name);
        return next;
      });
    }
  };

  const confirmDelete = async (endpoint: IEndpoint): Promise<boolean> => {
    if (!settings.values.confirmDelete) {
      return true;
    }
    const local = endpoint.backend === 'local';
    // A Failed SageMaker endpoint bills nothing (a leftover of a failed deploy is its model and config).
    const failed = !local && endpoint.status === 'Failed';
    const body = failed
      ? trans.__(
          'Delete "%1" and what is left of it (endpoint configuration and model)? Nothing of it is billed; deleting frees the name.',
          endpoint.name
        )
      : local
        ? trans.__(
            'Delete "%1"? Its local worker process stops and the endpoint is removed. This cannot be undone. Keeping it costs nothing on AWS (it runs on this machine).',
            endpoint.name
          )
        : trans.__(
            'Delete "%1" with its endpoint configuration and model? This cannot be undone. Keeping it costs %2 per hour (about %3 per day) while it exists.',
            endpoint.name,
            formatCost(endpoint.price_per_hour),
            formatCost(costPerDay(endpoint.price_per_hour))
          );
    const result = await showDialog({
      title: trans.__('Delete endpoint'),
      body,
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.warnButton({ label: trans.__('Delete') })
      ],
      // Destructive: the focus (and Enter) goes to the safe choice.
      defaultButton: 0
    });
    return result.button.accept;
  };

  const remove = async (endpoint: IEndpoint): Promise<void> => {
    if (deleting.has(endpoint.name)) {
      return;
    }
    if (!(await confirmDelete(endpoint))) {
      return;
    }
    setDeleting(current => new Set(current).add(endpoint.name));
    setDeleteError(null);
    try {
      await api.deleteEndpoint(endpoint.name);
      endpoints.remove(endpoint.name);
      Notification.success(trans.__('Deleted endpoint %1.', endpoint.name), {
        autoClose: 5000
      });
      void endpoints.refresh();
    } catch (reason) {
      setDeleteError(toApiRequestError(reason));
    } finally {
      setDeleting(current => {
        const next = new Set(current);
        next.delete(endpoint.name);
        return next;
      });
    }
  };

  const totalPerHour = list
    .filter(
      endpoint => endpoint.backend !== 'local' && endpoint.status !== 'Failed'
    )
    .reduce((sum, endpoint) => sum + (endpoint.price_per_hour ?? 0), 0);

  return (
    <section
      className="jp-LlamaNeuron-resources"
      aria-label={trans.__('Resources')}
      data-testid="llama-neuron-resources"
    >
      <div className="jp-LlamaNeuron-toolbar">
        <h3 className="jp-LlamaNeuron-section-title">
          {trans.__('Endpoints')}
        </h3>
        {totalPerHour > 0 && (
          <span
            className="jp-LlamaNeuron-muted"
            data-testid="llama-neuron-total-cost"
          >
            {trans.__('Running total: %1 per hour', formatCost(totalPerHour))}
          </span>
        )}
        <Button
          small
          minimal
          aria-label={trans.__('Refresh endpoints')}
          title={trans.__('Refresh endpoints')}
          data-testid="llama-neuron-refresh"
          disabled={endpoints.isRefreshing}
          onClick={() => void endpoints.refresh()}
        >
          <refreshIcon.react tag="span" elementPosition="center" />
          <span>{trans.__('Refresh')}</span>
        </Button>
      </div>

      {deleteError && (
        <ErrorBanner
          error={deleteError}
          title={trans.__('The endpoint was not deleted')}
          onDismiss={() => setDeleteError(null)}
        />
      )}
      {guardError && (
        <ErrorBanner
          error={guardError}
          title={trans.__('The auto-delete setting was not changed')}
          onDismiss={() => setGuardError(null)}
        />
      )}
      {state.kind === 'ready' && endpoints.lastError && (
        <ErrorBanner
          error={endpoints.lastError}
          title={trans.__(
            'Could not update the endpoints; showing the last known state'
          )}
          onRetry={() => void endpoints.refresh()}
        />
      )}
      {state.kind === 'loading' && (
        <p className="jp-LlamaNeuron-muted" role="status">
          {trans.__('Loading endpoints…')}
        </p>
      )}
      {state.kind === 'error' && (
        <ErrorBanner
          error={state.error}
          title={trans.__('Could not list the endpoints')}
          onRetry={() => void endpoints.refresh()}
        />
      )}
      {state.kind === 'ready' && list.length === 0 && (
        <div
          className="jp-LlamaNeuron-empty"
          data-testid="llama-neuron-no-endpoints"
        >
          <p>{trans.__('No endpoints yet.')}</p>
          <Button className="jp-mod-styled" onClick={props.onBrowseCatalog}>
            {trans.__('Browse the catalog')}
          </Button>
        </div>
      )}
      {state.kind === 'ready' && list.length > 0 && (
        <ul
          className="jp-LlamaNeuron-endpoints"
          aria-label={trans.__('Endpoints')}
        >
          {list.map(endpoint => (
            <EndpointRow
              key={endpoint.name}
              endpoint={withGuardInfo(endpoint, costGuard?.info(endpoint.name))}
              now={now}
              deleting={deleting.has(endpoint.name)}
              onDelete={item => void remove(item)}
              onOpenPlayground={props.onOpenPlayground}
              autoDelete={{
                defaultMinutes: guard?.default_idle_minutes,
                saving: guardSaving.has(endpoint.name),
                onChange: (item, minutes) =>
                  void saveGuard(item, () =>
                    api.setEndpointAutoDelete(item.name, minutes)
                  ),
                onKeep: item =>
                  void saveGuard(item, () => api.keepEndpoint(item.name))
              }}
            />
          ))}
        </ul>
      )}
      {guard && guard.deletions.length > 0 && (
        <section
          className="jp-LlamaNeuron-cost-guard-deletions"
          aria-label={trans.__('Deleted by the cost guard')}
          data-testid="llama-neuron-cost-guard-deletions"
        >
          <h4>{trans.__('Deleted by the cost guard')}</h4>
          <ul>
            {guard.deletions.map(deletion => (
              <li key={`${deletion.endpoint}-${deletion.deleted_at}`}>
                <strong>{deletion.endpoint}</strong>{' '}
                <span className="jp-LlamaNeuron-muted">
                  {trans.__(
                    '%1 · %2 · %3/h',
                    formatDateTime(deletion.deleted_at),
                    deletion.instance_type ?? deletion.backend,
                    formatCost(deletion.price_per_hour)
                  )}
                </span>
                <div className="jp-LlamaNeuron-muted">{deletion.reason}</div>
              </li>
            ))}
          </ul>
        </section>
      )}
      {props.onOpenTrainingJob && (
        <TrainingJobList onOpen={props.onOpenTrainingJob} />
      )}
      <LocalStorageList />
      {!props.local && (
        <p className="jp-LlamaNeuron-muted">
          {trans.__(
            'Endpoints are billed by the hour until deleted. Prices are indicative on-demand rates; check your AWS bill for actual charges.'
          )}
        </p>
      )}
    </section>
  );
}
