import { Button, refreshIcon } from '@jupyterlab/ui-components';
import React, { useEffect } from 'react';

import { ITrainingJob } from '../api/types';
import { usePanelServices } from '../context';
import { useNow, useSignal } from '../hooks';
import { ErrorBanner } from './ErrorBanner';
import { TrainingJobRow } from './TrainingJobRow';

export interface ITrainingJobListProps {
  onOpen: (job: ITrainingJob) => void;
  /** Shown when there are no jobs (e.g. a "New fine-tuning job" button). */
  emptyAction?: JSX.Element;
}

/** The training jobs this extension started, newest first, with status, instance, age and cost. */
export function TrainingJobList(props: ITrainingJobListProps): JSX.Element {
  const services = usePanelServices();
  const { trans } = services;
  const jobs = services.trainingJobs;
  useSignal(jobs.changed);
  const now = useNow(jobs.hasActive ? 5000 : 30_000);
  const state = jobs.state;

  useEffect(() => {
    void jobs.refresh();
  }, [jobs]);

  return (
    <section
      className="jp-LlamaNeuron-training-jobs"
      aria-label={trans.__('Training jobs')}
      data-testid="llama-neuron-training-jobs"
    >
      <div className="jp-LlamaNeuron-toolbar">
        <h3 className="jp-LlamaNeuron-section-title">
          {trans.__('Training jobs')}
        </h3>
        <Button
          small
          minimal
          aria-label={trans.__('Refresh training jobs')}
          title={trans.__('Refresh training jobs')}
          disabled={jobs.isRefreshing}
          onClick={() => void jobs.refresh()}
        >
          <refreshIcon.react tag="span" elementPosition="center" />
          <span>{trans.__('Refresh')}</span>
        </Button>
      </div>
      {state.kind === 'loading' && (
        <p className="jp-LlamaNeuron-muted" role="status">
          {trans.__('Loading training jobs…')}
        </p>
      )}
      {state.kind === 'error' && (
        <ErrorBanner
          error={state.error}
          title={trans.__('Could not list the training jobs')}
          onRetry={() => void jobs.refresh()}
        />
      )}
      {state.kind === 'ready' && jobs.lastError && (
        <ErrorBanner
          error={jobs.lastError}
          title={trans.__(
            'Could not update the training jobs; showing the last known state'
          )}
          onRetry={() => void jobs.refresh()}
        />
      )}
      {state.kind === 'ready' && jobs.jobs.length === 0 && (
        <div className="jp-LlamaNeuron-empty">
          <p>{trans.__('No training jobs yet.')}</p>
          {props.emptyAction}
        </div>
      )}
      {state.kind === 'ready' && jobs.jobs.length > 0 && (
        <ul
          className="jp-LlamaNeuron-endpoints"
          aria-label={trans.__('Training jobs')}
        >
          {jobs.jobs.map(job => (
            <TrainingJobRow
              key={job.name}
              job={job}
              now={now}
              onOpen={props.onOpen}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
