import { Button } from '@jupyterlab/ui-components';
import React from 'react';

import { ITrainingJob } from '../api/types';
import { usePanelServices } from '../context';
import { formatCost } from '../models/deployForm';
import { formatDuration } from '../models/format';
import { secondaryStatusText } from '../models/plainWords';
import { isTrainingActive, trainingJobAge } from '../models/trainingJobsModel';

export interface ITrainingJobRowProps {
  job: ITrainingJob;
  /** Current time in ms (ticks while the list is shown). */
  now: number;
  onOpen: (job: ITrainingJob) => void;
}

/** One training job: status (and SageMaker's secondary status), instance, age, cost so far, Open. */
export function TrainingJobRow(props: ITrainingJobRowProps): JSX.Element {
  const { trans } = usePanelServices();
  const { job } = props;
  const local = job.backend === 'local';
  const active = isTrainingActive(job.status);
  const secondary = secondaryStatusText(job.status, job.secondary_status);
  return (
    <li
      className="jp-LlamaNeuron-endpoint jp-LlamaNeuron-training-row"
      data-testid={`llama-neuron-training-job-row-${job.name}`}
      data-status={job.status}
      aria-label={trans.__('Training job %1', job.name)}
    >
      <div className="jp-LlamaNeuron-endpoint-main">
        <div className="jp-LlamaNeuron-endpoint-title">
          <strong className="jp-LlamaNeuron-endpoint-name">{job.name}</strong>
          <span className="jp-LlamaNeuron-muted">{job.model_display_name}</span>
        </div>
        <div className="jp-LlamaNeuron-status-line">
          <span
            className="jp-LlamaNeuron-status"
            data-status={job.status}
            data-testid="llama-neuron-training-row-status"
          >
            {active && (
              <span className="jp-LlamaNeuron-spinner" aria-hidden="true" />
            )}
            <span className="jp-LlamaNeuron-status-text">{job.status}</span>
          </span>
          {secondary && (
            <span
              className="jp-LlamaNeuron-muted"
              data-testid="llama-neuron-training-row-secondary"
            >
              {secondary}
            </span>
          )}
        </div>
        <dl className="jp-LlamaNeuron-facts">
          <dt>{trans.__('Instance')}</dt>
          <dd>
            {local
              ? trans.__(
                  '%1 (local mode runs on this machine)',
                  job.instance_type ?? '—'
                )
              : (job.instance_type ?? '—')}
          </dd>
          <dt>{trans.__('Age')}</dt>
          <dd>{formatDuration(trainingJobAge(job, props.now), trans)}</dd>
          <dt>{trans.__('Cost so far')}</dt>
          <dd data-testid="llama-neuron-training-row-cost">
            {local
              ? trans.__('no AWS charge (local)')
              : trans.__('%1 (indicative)', formatCost(job.cost_so_far))}
          </dd>
        </dl>
      </div>
      <div className="jp-LlamaNeuron-endpoint-actions">
        <Button
          small
          className="jp-mod-styled"
          aria-label={trans.__('Open training job %1', job.name)}
          data-testid="llama-neuron-training-job-open"
          onClick={() => props.onOpen(job)}
        >
          {trans.__('Open')}
        </Button>
      </div>
    </li>
  );
}
