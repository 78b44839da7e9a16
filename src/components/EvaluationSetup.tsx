import { Button } from '@jupyterlab/ui-components';
import React, { useEffect, useState } from 'react';

import { ApiRequestError, toApiRequestError } from '../api/client';
import { ICreateEvaluationRequest } from '../api/evaluations';
import { usePanelServices } from '../context';
import { useSignal } from '../hooks';
import { evaluationRequest } from '../models/evaluationModel';
import { IEvaluateRequest } from '../models/panelNavigator';
import { EndpointPicker } from './EndpointPicker';
import { ErrorBanner } from './ErrorBanner';

export interface IEvaluationSetupProps {
  /** Endpoints and rows to fill in (from a training job or Compare); applied when a new one arrives. */
  request: IEvaluateRequest | null;
  /** An evaluation is running: the form waits. */
  busy: boolean;
  onStart: (body: ICreateEvaluationRequest) => Promise<void>;
}

const ID = 'jp-LlamaNeuron-evaluate';
const DEFAULT_MAX_NEW_TOKENS = 64;

/**
 * Choose the endpoints (A: base, B: fine-tuned), the rows (the training dataset's held-out rows, or an
 * uploaded JSON Lines file with prompt and reference) and the generation length, then run.
 */
export function EvaluationSetup(props: IEvaluationSetupProps): JSX.Element {
  const { api, endpoints, trans } = usePanelServices();
  useSignal(endpoints.changed);
  const inService = endpoints.endpoints.filter(e => e.status === 'InService');
  const [endpointA, setEndpointA] = useState<string | null>(null);
  const [endpointB, setEndpointB] = useState<string | null>(null);
  const [kind, setKind] = useState<'heldout' | 'upload'>('heldout');
  const [datasetUri, setDatasetUri] = useState<string | null>(null);
  const [trainingJob, setTrainingJob] = useState<string | null>(null);
  const [uploadUri, setUploadUri] = useState<string | null>(null);
  const [uploadName, setUploadName] = useState<string | null>(null);
  const [maxNewTokens, setMaxNewTokens] = useState(DEFAULT_MAX_NEW_TOKENS);
  const [stopAtLineBreak, setStopAtLineBreak] = useState(true);
  const [error, setError] = useState<ApiRequestError | null>(null);
  const [starting, setStarting] = useState(false);

  const { request } = props;
  useEffect(() => {
    if (!request) {
      return;
    }
    setEndpointA(request.endpointA);
    setEndpointB(request.endpointB);
    setDatasetUri(request.datasetUri);
    setTrainingJob(request.trainingJob);
    setKind('heldout');
  }, [request]);

  // Endpoint B serves a fine-tuned model: its training job names the dataset whose rows were held out.
  const tunedJob =
    inService.find(e => e.name === endpointB)?.training_job ?? null;
  useEffect(() => {
    if (!tunedJob || (trainingJob === tunedJob && datasetUri)) {
      return;
    }
    let live = true;
    api
      .getTrainingJob(tunedJob)
      .then(job => {
        if (live) {
          setTrainingJob(job.name);
          setDatasetUri(job.dataset_uri);
        }
      })
      .catch(() => undefined); // the held-out option then says the dataset is unknown
    return () => {
      live = false;
    };
  }, [api, tunedJob]);

  const upload = async (file: File): Promise<void> => {
    setError(null);
    setUploadUri(null);
    setUploadName(file.name);
    try {
      const result = await api.uploadDataset(file);
      setUploadUri(result.uri);
    } catch (reason) {
      setError(toApiRequestError(reason));
    }
  };

  const body = evaluationRequest({
    endpointA,
    endpointB,
    source:
      kind === 'heldout'
        ? datasetUri
          ? { kind: 'heldout', datasetUri }
          : null
        : uploadUri
          ? { kind: 'upload', uploadUri }
          : null,
    maxNewTokens,
    stopAtLineBreak,
    trainingJob
  });

  const start = async (): Promise<void> => {
    if (!body) {
      return;
    }
    setStarting(true);
    setError(null);
    try {
      await props.onStart(body);
    } catch (reason) {
      setError(toApiRequestError(reason));
    } finally {
      setStarting(false);
    }
  };

  return (
    <form
      className="jp-LlamaNeuron-evaluation-setup"
      data-testid="llama-neuron-evaluation-setup"
      onSubmit={event => {
        event.preventDefault();
        void start();
      }}
    >
      <div className="jp-LlamaNeuron-compare-setup">
        <div>
          <EndpointPicker
            id={`${ID}-a`}
            label={trans.__('A (base)')}
            endpoints={inService}
            value={endpointA}
            onChange={setEndpointA}
            testId="llama-neuron-evaluate-endpoint-a"
          />
          <EndpointPicker
            id={`${ID}-b`}
            label={trans.__('B (fine-tuned)')}
            endpoints={inService}
            value={endpointB}
            onChange={setEndpointB}
            testId="llama-neuron-evaluate-endpoint-b"
          />
        </div>
        <fieldset className="jp-LlamaNeuron-evaluation-source">
          <legend>{trans.__('Rows')}</legend>
          <label>
            <input
              type="radio"
              name={`${ID}-source`}
              checked={kind === 'heldout'}
              onChange={() => setKind('heldout')}
              data-testid="llama-neuron-evaluate-source-heldout"
            />{' '}
            {datasetUri
              ? trans.__(
                  'Held-out rows of the training dataset%1',
                  trainingJob ? trans.__(' (job %1)', trainingJob) : ''
                )
              : trans.__(
                  'Held-out rows of the training dataset (choose a fine-tuned endpoint as B)'
                )}
          </label>
          <label>
            <input
              type="radio"
              name={`${ID}-source`}
              checked={kind === 'upload'}
              onChange={() => setKind('upload')}
              data-testid="llama-neuron-evaluate-source-upload"
            />{' '}
            {trans.__('A JSON Lines file with prompt and reference fields')}
          </label>
          {kind === 'upload' && (
            <input
              type="file"
              accept=".jsonl,application/jsonl"
              aria-label={trans.__('JSON Lines file with prompt and reference')}
              onChange={event => {
                const file = event.currentTarget.files?.[0];
                if (file) {
                  void upload(file);
                }
              }}
              data-testid="llama-neuron-evaluate-file"
            />
          )}
          {kind === 'upload' && uploadName && (
            <span className="jp-LlamaNeuron-muted">
              {uploadUri
                ? trans.__('%1 uploaded.', uploadName)
                : trans.__('Uploading %1…', uploadName)}
            </span>
          )}
        </fieldset>
        <fieldset className="jp-LlamaNeuron-evaluation-source">
          <legend>{trans.__('Generation (the same for both)')}</legend>
          <label htmlFor={`${ID}-max-new-tokens`}>
            {trans.__('max_new_tokens')}
          </label>
          <input
            id={`${ID}-max-new-tokens`}
            type="number"
            min={1}
            className="jp-mod-styled"
            value={maxNewTokens}
            onChange={event =>
              setMaxNewTokens(Number(event.currentTarget.value) || 1)
            }
          />
          <label>
            <input
              type="checkbox"
              checked={stopAtLineBreak}
              onChange={event =>
                setStopAtLineBreak(event.currentTarget.checked)
              }
            />{' '}
            {trans.__('Stop each answer at its first line break')}
          </label>
          <span className="jp-LlamaNeuron-muted">
            {trans.__('Greedy decoding (do_sample false).')}
          </span>
        </fieldset>
      </div>
      <div className="jp-LlamaNeuron-actions">
        <Button
          type="submit"
          className="jp-mod-styled jp-mod-accept"
          disabled={!body || props.busy || starting}
          data-testid="llama-neuron-evaluate-run"
        >
          {starting ? trans.__('Starting…') : trans.__('Evaluate')}
        </Button>
      </div>
      {error && (
        <ErrorBanner
          error={error}
          title={trans.__('The evaluation did not start')}
          onDismiss={() => setError(null)}
        />
      )}
    </form>
  );
}
