import { Button } from '@jupyterlab/ui-components';
import React from 'react';

import { IEvaluationOverview } from '../api/evaluations';
import { usePanelServices } from '../context';
import { formatScore } from '../models/evaluationModel';
import { formatDateTime } from '../models/format';
import { Loadable } from '../models/loadable';
import { ErrorBanner } from './ErrorBanner';

export interface IEvaluationListProps {
  list: Loadable<IEvaluationOverview[]>;
  currentId: string | null;
  onOpen: (id: string) => void;
  onDelete: (id: string) => void;
  onRetry: () => void;
}

/** The saved evaluations (kept on the server across restarts), each with its training job and headline. */
export function EvaluationList(props: IEvaluationListProps): JSX.Element {
  const { trans } = usePanelServices();
  const { list } = props;
  if (list.kind === 'loading') {
    return (
      <p className="jp-LlamaNeuron-muted" role="status">
        {trans.__('Loading saved evaluations…')}
      </p>
    );
  }
  if (list.kind === 'error') {
    return (
      <ErrorBanner
        error={list.error}
        title={trans.__('Could not list the evaluations')}
        onRetry={props.onRetry}
      />
    );
  }
  if (list.value.length === 0) {
    return (
      <p className="jp-LlamaNeuron-muted">
        {trans.__('No saved evaluations yet.')}
      </p>
    );
  }
  const headline = (item: IEvaluationOverview): string =>
    item.endpoints
      .map(
        endpoint =>
          `${endpoint.name} ${formatScore(item.summary?.[endpoint.name]?.exact_match?.mean)}`
      )
      .join(' · ');

  return (
    <div className="jp-LlamaNeuron-table-scroll">
      <table
        className="jp-LlamaNeuron-table"
        data-testid="llama-neuron-evaluation-list"
      >
        <caption className="jp-LlamaNeuron-muted">
          {trans.__('Saved evaluations (exact match in %)')}
        </caption>
        <thead>
          <tr>
            <th scope="col">{trans.__('Started')}</th>
            <th scope="col">{trans.__('Training job')}</th>
            <th scope="col">{trans.__('Status')}</th>
            <th scope="col">{trans.__('Exact match')}</th>
            <th scope="col">
              <span className="jp-LlamaNeuron-sr-only">
                {trans.__('Actions')}
              </span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.value.map(item => (
            <tr
              key={item.id}
              data-testid="llama-neuron-evaluation-list-item"
              data-evaluation={item.id}
              aria-current={item.id === props.currentId ? 'true' : undefined}
            >
              <td>{formatDateTime(item.created_at)}</td>
              <td>{item.training_job ?? '–'}</td>
              <td>
                <span
                  className="jp-LlamaNeuron-status"
                  data-status={item.status}
                >
                  {trans.__(
                    '%1 (%2/%3)',
                    item.status,
                    item.progress.done,
                    item.progress.total
                  )}
                </span>
              </td>
              <td>{item.summary ? headline(item) : '–'}</td>
              <td className="jp-LlamaNeuron-actions">
                <Button
                  small
                  className="jp-mod-styled"
                  aria-label={trans.__('Open evaluation %1', item.id)}
                  onClick={() => props.onOpen(item.id)}
                >
                  {trans.__('Open')}
                </Button>
                <Button
                  small
                  className="jp-mod-styled jp-mod-warn"
                  disabled={item.status === 'running'}
                  aria-label={trans.__('Delete evaluation %1', item.id)}
                  onClick={() => props.onDelete(item.id)}
                >
                  {trans.__('Delete')}
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
