import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Button } from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';

import { ApiRequestError, toApiRequestError } from '../api/client';
import { ITrainingJob } from '../api/types';
import { usePanelServices } from '../context';
import { useNow, useSignal } from '../hooks';
import { formatCost } from '../models/deployForm';
import { formatDateTime, formatDuration } from '../models/format';
import { ICompareRequest, IEvaluateRequest } from '../models/panelNavigator';
import { secondaryStatusText } from '../models/plainWords';
import {
  baseEndpoint,
  fineTunedEndpoints,
  isTrainingActive,
  trainingJobAge
} from '../models/trainingJobsModel';
import { ErrorBanner } from './ErrorBanner';
import { LossCurve } from './LossCurve';
import { OpenNotebookButton } from './OpenNotebookButton';

export interface ITrainingJobViewProps {
  name: string;
  onBack: () => void;
  /** Open the deploy form for the job's fine-tuned model. */
  onDeploy: (job: ITrainingJob) => void;
  /** Open the Compare tab with the base and fine-tuned endpoints and the held-out prompts. */
  onCompare: (request: ICompareRequest) => void;
  /** Open the Evaluate tab on the job's held-out rows (absent: no button). */
  onEvaluate?: (request: IEvaluateRequest) => void;
}

/**
 * One training job: status and its timeline, SageMaker's secondary status, the live loss curve, the log
 * tail, cost so far; Stop (confirmed), Deploy the fine-tuned model, Compare with the base model.
 */
export function TrainingJobView(props: ITrainingJobViewProps): JSX.Element {
  const services = usePanelServices();
  const { api, endpoints, trans } = services;
  const jobs = services.trainingJobs;
  useSignal(jobs.changed);
  useSignal(endpoints.changed);
  const [loadError, setLoadError] = useState<ApiRequestError | null>(null);
  const [stopping, setStopping] = useState(false);
  const [actionError, setActionError] = useState<ApiRequestError | null>(null);
  const logRef = useRef<HTMLPreElement>(null);
  const mounted = useRef(true);
  const job = jobs.get(props.name) ?? null;
  const active = job ? isTrainingActive(job.status) : false;
  const now = useNow(active ? 1000 : 30_000);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  // Describe the job (loss and log are not in the list); polling keeps it fresh while it runs.
  const load = (): void => {
    setLoadError(null);
    jobs.load(props.name).catch(reason => {
      if (mounted.current) {
        setLoadError(toApiRequestError(reason));
      }
    });
  };
  useEffect(load, [jobs, props.name]);

  // Follow the log's end while it grows.
  const logLength = job?.log_tail.length ?? 0;
  useEffect(() => {
    const element = logRef.current;
    if (element) {
      element.scrollTop = element.scrollHeight;
    }
  }, [logLength]);

  const stop = async (): Promise<void> => {
    if (!job || stopping) {
      return;
    }
    const result = await showDialog({
      title: trans.__('Stop training job'),
      body:
        job.backend === 'local'
          ? trans.__('Stop "%1"? A stopped local job saves no model.', job.name)
          : trans.__(
              'Stop "%1"? SageMaker stops the instance; billing ends when it has stopped. A stopped job cannot be resumed.',
              job.name
            ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Keep training') }),
        Dialog.warnButton({ label: trans.__('Stop') })
      ],
      // Destructive: the focus (and Enter) goes to the safe choice.
      defaultButton: 0
    });
    if (!result.button.accept) {
      return;
    }
    setStopping(true);
    setActionError(null);
    try {
      jobs.upsert(await api.stopTrainingJob(job.name));
    } catch (reason) {
      if (mounted.current) {
        setActionError(toApiRequestError(reason));
      }
    } finally {
      if (mounted.current) {
        setStopping(false);
      }
    }
  };

  if (!job) {
    return (
      <section
        className="jp-LlamaNeuron-training-job"
        data-testid="llama-neuron-training-job"
      >
        <button
          type="button"
          className="jp-LlamaNeuron-link-button"
          onClick={props.onBack}
        >
          {trans.__('← Fine-tuning')}
        </button>
        {loadError ? (
          <ErrorBanner
            error={loadError}
            title={trans.__('Could not load training job %1', props.name)}
            onRetry={load}
          />
        ) : (
          <p className="jp-LlamaNeuron-muted" role="status">
            {trans.__('Loading training job %1…', props.name)}
          </p>
        )}
      </section>
    );
  }

  const local = job.backend === 'local';
  const tuned = fineTunedEndpoints(endpoints.endpoints, job.name);
  const base = baseEndpoint(endpoints.endpoints, job.model_id);
  const prompts = jobs.heldoutPrompts(job.name);
  const transitions = job.status_transitions;
  const localSettings = job.local_settings;

  return (
    <section
      className="jp-LlamaNeuron-training-job"
      aria-labelledby="jp-LlamaNeuron-training-job-title"
      data-testid="llama-neuron-training-job"
      data-status={job.status}
    >
      <button
        type="button"
        className="jp-LlamaNeuron-link-button"
        onClick={props.onBack}
      >
        {trans.__('← Fine-tuning')}
      </button>
      <h3 id="jp-LlamaNeuron-training-job-title">
        {trans.__('Training job %1', job.name)}
      </h3>
      <p className="jp-LlamaNeuron-muted">
        {job.serving_label || job.model_display_name}
      </p>

      <div className="jp-LlamaNeuron-status-line">
        <span
          className="jp-LlamaNeuron-status"
          data-status={job.status}
          data-testid="llama-neuron-training-status"
          role="status"
        >
          {active && (
            <span className="jp-LlamaNeuron-spinner" aria-hidden="true" />
          )}
          <span className="jp-LlamaNeuron-status-text">{job.status}</span>
        </span>
        {secondaryStatusText(job.status, job.secondary_status) && (
          <span
            className="jp-LlamaNeuron-muted"
            data-testid="llama-neuron-training-secondary-status"
          >
            {job.backend === 'local'
              ? trans.__('Stage: %1', job.secondary_status ?? '')
              : trans.__('SageMaker stage: %1', job.secondary_status ?? '')}
          </span>
        )}
        {job.progress && (
          <span className="jp-LlamaNeuron-muted">
            {job.progress.of
              ? trans.__('step %1 of %2', job.progress.step, job.progress.of)
              : trans.__('step %1', job.progress.step)}
          </span>
        )}
      </div>
      {job.failure_reason && (
        <p
          className="jp-LlamaNeuron-field-error"
          data-testid="llama-neuron-training-failure"
        >
          {job.failure_reason}
        </p>
      )}
      {loadError && (
        <ErrorBanner
          error={loadError}
          title={trans.__(
            'Could not refresh the job; showing the last known state'
          )}
          onRetry={load}
        />
      )}

      {transitions.length > 0 && (
        <ol
          className="jp-LlamaNeuron-timeline"
          aria-label={trans.__('Status timeline')}
          data-testid="llama-neuron-training-timeline"
        >
          {transitions.map((item, index) => {
            const current = index === transitions.length - 1 && !item.end_time;
            return (
              <li
                key={`${item.status}-${index}`}
                className={`jp-LlamaNeuron-timeline-item${current ? ' jp-mod-current' : ''}`}
                aria-current={current ? 'step' : undefined}
              >
                <strong>{item.status}</strong>{' '}
                <span className="jp-LlamaNeuron-muted">
                  {item.start_time ? formatDateTime(item.start_time) : ''}
                  {item.start_time && item.end_time
                    ? trans.__(
                        ' (%1)',
                        formatDuration(
                          (Date.parse(item.end_time) -
                            Date.parse(item.start_time)) /
                            1000,
                          trans
                        )
                      )
                    : ''}
                </span>
                {item.message && (
                  <span className="jp-LlamaNeuron-timeline-message">
                    {item.message}
                  </span>
                )}
              </li>
            );
          })}
        </ol>
      )}

      <dl className="jp-LlamaNeuron-facts">
        <dt>{trans.__('Instance')}</dt>
        <dd>
          {local
            ? trans.__(
                '%1 on SageMaker; runs on this machine in local mode',
                job.instance_type ?? '—'
              )
            : (job.instance_type ?? '—')}
        </dd>
        <dt>{trans.__('Age')}</dt>
        <dd>{formatDuration(trainingJobAge(job, now), trans)}</dd>
        <dt>{trans.__('Price')}</dt>
        <dd>
          {local || job.price_per_hour === null
            ? local
              ? trans.__('no AWS charge (local)')
              : trans.__('unknown')
            : trans.__('%1/h', formatCost(job.price_per_hour))}
        </dd>
        <dt>{trans.__('Cost so far')}</dt>
        <dd data-testid="llama-neuron-training-cost-so-far">
          {local
            ? trans.__('no AWS charge (local)')
            : trans.__(
                '%1 (indicative; waiting for an instance is not billed)',
                formatCost(job.cost_so_far)
              )}
        </dd>
        {job.dataset_uri && (
          <>
            <dt>{trans.__('Dataset')}</dt>
            <dd>
              <code>{job.dataset_uri}</code>
            </dd>
          </>
        )}
        {job.output_model && (
          <>
            <dt>{trans.__('Fine-tuned model')}</dt>
            <dd>
              <code>{job.output_model}</code>
            </dd>
          </>
        )}
      </dl>

      <h4>{trans.__('Training loss')}</h4>
      <LossCurve
        points={job.loss}
        live={active}
        note={job.monitoring_note ?? null}
      />

      {localSettings && (
        <details className="jp-LlamaNeuron-params">
          <summary>{trans.__('What the hyperparameters mean locally')}</summary>
          <table className="jp-LlamaNeuron-table">
            <thead>
              <tr>
                <th scope="col">{trans.__('Name')}</th>
                <th scope="col">{trans.__('Value')}</th>
                <th scope="col">{trans.__('Source')}</th>
                <th scope="col">{trans.__('Meaning')}</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(localSettings.settings).map(([name, item]) => (
                <tr key={name}>
                  <td>
                    <code>{name}</code>
                  </td>
                  <td>{item.value}</td>
                  <td>{item.source}</td>
                  <td>{item.meaning}</td>
                </tr>
              ))}
              {Object.entries(localSettings.ignored).map(([name, meaning]) => (
                <tr key={name}>
                  <td>
                    <code>{name}</code>
                  </td>
                  <td>{job.hyperparameters[name] ?? ''}</td>
                  <td>—</td>
                  <td>{meaning}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {localSettings.method && (
            <p className="jp-LlamaNeuron-muted">{localSettings.method}</p>
          )}
        </details>
      )}

      <h4 id="jp-LlamaNeuron-training-log-title">{trans.__('Log')}</h4>
      <pre
        ref={logRef}
        className="jp-LlamaNeuron-pre jp-LlamaNeuron-log"
        role="log"
        tabIndex={0}
        aria-labelledby="jp-LlamaNeuron-training-log-title"
        data-testid="llama-neuron-training-log"
      >
        {job.log_tail.length > 0
          ? job.log_tail.join('\n')
          : trans.__('(no log lines yet)')}
      </pre>

      {actionError && (
        <ErrorBanner
          error={actionError}
          title={trans.__('The job was not stopped')}
          onDismiss={() => setActionError(null)}
        />
      )}

      <div className="jp-LlamaNeuron-actions">
        {job.status === 'InProgress' && (
          <Button
            className="jp-mod-styled jp-mod-warn"
            disabled={stopping}
            onClick={() => void stop()}
            data-testid="llama-neuron-training-stop"
          >
            {stopping ? trans.__('Stopping…') : trans.__('Stop')}
          </Button>
        )}
        {job.can_deploy && (
          <Button
            className="jp-mod-styled jp-mod-accept"
            onClick={() => props.onDeploy(job)}
            data-testid="llama-neuron-training-deploy"
          >
            {trans.__('Deploy fine-tuned model')}
          </Button>
        )}
        {tuned.length > 0 && (
          <Button
            className="jp-mod-styled"
            onClick={() =>
              props.onCompare({
                endpointA: base?.name ?? null,
                endpointB: tuned[0].name,
                prompts
              })
            }
            data-testid="llama-neuron-training-compare"
          >
            {trans.__('Compare with base')}
          </Button>
        )}
        {job.status === 'Completed' && props.onEvaluate && (
          <Button
            className="jp-mod-styled"
            onClick={() =>
              props.onEvaluate?.({
                endpointA: base?.name ?? null,
                endpointB:
                  tuned.find(e => e.status === 'InService')?.name ?? null,
                datasetUri: job.dataset_uri,
                trainingJob: job.name
              })
            }
            data-testid="llama-neuron-training-evaluate"
          >
            {trans.__('Evaluate on held-out rows')}
          </Button>
        )}
        {job.status !== 'Failed' && job.status !== 'Stopped' && (
          <OpenNotebookButton
            testId="llama-neuron-training-notebook"
            request={() => ({
              step: 'train',
              model_id: job.model_id,
              training_job: job.name,
              endpoint_name: base?.name ?? null,
              prompts: prompts.length > 0 ? prompts.slice(0, 20) : null
            })}
          />
        )}
      </div>
      {tuned.length > 0 && (
        <p className="jp-LlamaNeuron-muted">
          {[
            tuned[0].status === 'InService'
              ? trans.__('Fine-tuned endpoint: %1.', tuned[0].name)
              : trans.__(
                  'Fine-tuned endpoint %1 is %2; Compare can run once it is InService.',
                  tuned[0].name,
                  tuned[0].status
                ),
            base
              ? trans.__('Base endpoint: %1.', base.name)
              : trans.__(
                  'No base-model endpoint is running: deploy %1 to compare, or choose endpoint A in Compare.',
                  job.model_display_name
                ),
            prompts.length > 0
              ? trans._n(
                  '%1 held-out prompt.',
                  '%1 held-out prompts.',
                  prompts.length
                )
              : trans.__(
                  'The held-out prompts of this job are not known in this browser; type prompts in Compare.'
                )
          ].join(' ')}
        </p>
      )}
    </section>
  );
}
