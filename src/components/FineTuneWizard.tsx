import { Button, HTMLSelect, InputGroup } from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';

import {
  ApiRequestError,
  isAbortError,
  toApiRequestError
} from '../api/client';
import {
  DatasetFormat,
  IDatasetRequest,
  IEulaRecord,
  IModelCard,
  IModelSummary,
  IPreflightReport,
  IStatus,
  IStoredDataset,
  ITrainingJob,
  IUploadResult
} from '../api/types';
import { usePanelServices } from '../context';
import { formatCost } from '../models/deployForm';
import { failed, Loadable, LOADING, ready } from '../models/loadable';
import {
  buildDatasetRequest,
  buildTrainingJobRequest,
  DatasetSource,
  defaultHyperparameterValues,
  defaultTrainingInstance,
  describeAssumption,
  estimateTrainingCost,
  fineTuneChoices,
  HyperparameterValues,
  maxInputLengthSpec,
  stableKey,
  TEMPLATE_PROBE_REQUEST,
  trainingInstances,
  TrainingTokenBook,
  validateDatasetFields,
  validateHyperparameters
} from '../models/trainingForm';
import { ErrorBanner } from './ErrorBanner';
import { EulaDialog } from './EulaDialog';
import { HyperparameterForm } from './HyperparameterForm';
import { PreflightReport } from './PreflightReport';

export interface IFineTuneWizardProps {
  /** The catalog (loading or failed shows as such). */
  models: Loadable<readonly IModelSummary[]>;
  status: IStatus | null;
  /** The model to start with (e.g. from a model card), if any. */
  initialModelId?: string | null;
  /** The job started (its dataset's held-out prompts are remembered by the training jobs model). */
  onLaunched: (job: ITrainingJob) => void;
  onCancel: () => void;
}

type Step = 'model' | 'dataset' | 'report' | 'hyperparameters' | 'instance';

const STEPS: readonly Step[] = [
  'model',
  'dataset',
  'report',
  'hyperparameters',
  'instance'
];

type UploadState =
  | { kind: 'idle' }
  | { kind: 'uploading'; filename: string; loaded: number; total: number }
  | { kind: 'done'; result: IUploadResult }
  | { kind: 'error'; filename: string; error: ApiRequestError };

const ID = 'jp-LlamaNeuron-finetune';

/**
 * Fine-tuning in five steps: a fine-tunable model → the dataset (upload or s3:// URI, format, template,
 * max_input_length, held-out rows) → the preflight report → hyperparameters → instance and estimated
 * cost, then Launch (licence first if needed): the dataset is stored (`POST /datasets`) and the job
 * started (`POST /training-jobs`, with a client token so a retry starts one job).
 */
export function FineTuneWizard(props: IFineTuneWizardProps): JSX.Element {
  const services = usePanelServices();
  const { api, trans } = services;
  const local = props.status?.backend === 'local';

  const [step, setStep] = useState<Step>('model');
  const [modelId, setModelId] = useState<string | null>(
    props.initialModelId ?? null
  );
  const [card, setCard] = useState<Loadable<IModelCard> | null>(null);
  const [sourceKind, setSourceKind] = useState<'upload' | 's3'>('upload');
  const [upload, setUpload] = useState<UploadState>({ kind: 'idle' });
  const [s3Uri, setS3Uri] = useState('');
  const [format, setFormat] = useState<DatasetFormat>('instruction');
  const [template, setTemplate] = useState('');
  const [defaultTemplate, setDefaultTemplate] = useState<string | null>(null);
  const [holdout, setHoldout] = useState('0');
  const [values, setValues] = useState<HyperparameterValues>({});
  const [instanceType, setInstanceType] = useState('');
  const [jobName, setJobName] = useState('');
  const [report, setReport] = useState<Loadable<IPreflightReport> | null>(null);
  const [reportKey, setReportKey] = useState<string | null>(null);
  const [launching, setLaunching] = useState<'dataset' | 'job' | null>(null);
  const [launchError, setLaunchError] = useState<ApiRequestError | null>(null);
  const [eulaOpen, setEulaOpen] = useState(false);
  const mounted = useRef(true);
  const uploadAbort = useRef<AbortController | null>(null);
  const tokens = useRef(new TrainingTokenBook());
  const stored = useRef(new Map<string, IStoredDataset>());
  const inFlight = useRef(false);
  const stepRefs = useRef<Record<Step, HTMLHeadingElement | null>>({
    model: null,
    dataset: null,
    report: null,
    hyperparameters: null,
    instance: null
  });

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      uploadAbort.current?.abort();
    };
  }, []);

  // Local mode reads uploads only.
  useEffect(() => {
    if (local && sourceKind === 's3') {
      setSourceKind('upload');
    }
  }, [local, sourceKind]);

  // Load the card of the chosen model: hyperparameters, training instances, licence.
  useEffect(() => {
    if (!modelId) {
      setCard(null);
      return;
    }
    let cancelled = false;
    setCard(LOADING);
    api.getModel(modelId).then(
      value => {
        if (cancelled || !mounted.current) {
          return;
        }
        setCard(ready(value));
        setValues(defaultHyperparameterValues(value.training.hyperparameters));
        setInstanceType(defaultTrainingInstance(value.training));
      },
      error => {
        if (!cancelled && mounted.current) {
          setCard(failed(error));
        }
      }
    );
    return () => {
      cancelled = true;
    };
  }, [api, modelId]);

  // The instruction format's default template comes from the server (a preflight of an empty file).
  useEffect(() => {
    if (format !== 'instruction' || defaultTemplate !== null) {
      return;
    }
    let cancelled = false;
    api.preflightDataset(TEMPLATE_PROBE_REQUEST).then(
      probe => {
        if (cancelled || !mounted.current || !probe.template) {
          return;
        }
        setDefaultTemplate(probe.template);
        setTemplate(current => current || probe.template || '');
      },
      () => undefined // the server then applies its default; the field stays empty
    );
    return () => {
      cancelled = true;
    };
  }, [api, format, defaultTemplate]);

  const cardValue = card?.kind === 'ready' ? card.value : null;
  const training = cardValue?.training ?? null;
  const specs = training?.hyperparameters ?? [];
  const lengthSpec = maxInputLengthSpec(training);
  const maxInputLength =
    values['max_input_length'] ?? String(lengthSpec?.default ?? 2048);

  const source: DatasetSource | null =
    sourceKind === 's3'
      ? s3Uri.trim()
        ? { kind: 's3', uri: s3Uri.trim() }
        : null
      : upload.kind === 'done'
        ? {
            kind: 'upload',
            uri: upload.result.uri,
            filename: upload.result.filename,
            bytes: upload.result.bytes
          }
        : null;
  const fields = { format, template, maxInputLength, holdout };
  const datasetErrors = validateDatasetFields(
    fields,
    source,
    lengthSpec,
    trans
  );
  const datasetValid = Object.keys(datasetErrors).length === 0;
  const datasetRequest: IDatasetRequest | null =
    source && datasetValid ? buildDatasetRequest(source, fields) : null;
  const datasetKey = datasetRequest ? stableKey(datasetRequest) : null;
  const reportValue = report?.kind === 'ready' ? report.value : null;
  const reportFresh = reportKey !== null && reportKey === datasetKey;
  const validation = validateHyperparameters(specs, values, trans);
  const instances = training ? trainingInstances(training) : [];
  const instance =
    instances.find(item => item.instance_type === instanceType) ?? null;
  const maxStepsSpec = specs.find(spec => spec.name === 'max_steps');
  const maxStepsValue = Number(values['max_steps']);
  const estimate = estimateTrainingCost({
    pricePerHour: instance?.price_per_hour ?? null,
    maxSteps: Number.isInteger(maxStepsValue) ? maxStepsValue : null,
    defaultMaxSteps:
      typeof maxStepsSpec?.default === 'number' ? maxStepsSpec.default : null,
    assumption: training?.duration_assumption,
    local
  });

  const stepDone: Record<Step, boolean> = {
    model: !!cardValue && cardValue.training.supported,
    dataset: datasetRequest !== null,
    report: !!reportValue && reportValue.ok && reportFresh,
    hyperparameters: validation.hyperparameters !== null,
    instance: !!instance
  };
  const stepIndex = STEPS.indexOf(step);
  const reachable = (target: Step): boolean =>
    STEPS.slice(0, STEPS.indexOf(target)).every(item => stepDone[item]);

  const goTo = (target: Step): void => {
    setStep(target);
    window.setTimeout(() => stepRefs.current[target]?.focus(), 0);
  };

  const stepLabel = (value: Step): string => {
    switch (value) {
      case 'model':
        return trans.__('Model');
      case 'dataset':
        return trans.__('Dataset');
      case 'report':
        return trans.__('Preflight report');
      case 'hyperparameters':
        return trans.__('Hyperparameters');
      case 'instance':
        return trans.__('Instance and cost');
      default:
        return value;
    }
  };

  const chooseFile = (file: File | null): void => {
    uploadAbort.current?.abort();
    setReport(null);
    if (!file) {
      setUpload({ kind: 'idle' });
      return;
    }
    const controller = new AbortController();
    uploadAbort.current = controller;
    setUpload({
      kind: 'uploading',
      filename: file.name,
      loaded: 0,
      total: file.size
    });
    api
      .uploadDataset(
        file,
        (loaded, total) => {
          if (mounted.current && uploadAbort.current === controller) {
            setUpload({
              kind: 'uploading',
              filename: file.name,
              loaded,
              total
            });
          }
        },
        controller.signal
      )
      .then(
        result => {
          if (mounted.current && uploadAbort.current === controller) {
            setUpload({ kind: 'done', result });
          }
        },
        reason => {
          if (
            !mounted.current ||
            uploadAbort.current !== controller ||
            isAbortError(reason)
          ) {
            return;
          }
          setUpload({
            kind: 'error',
            filename: file.name,
            error: toApiRequestError(reason)
          });
        }
      );
  };

  const runPreflight = async (): Promise<void> => {
    if (!datasetRequest || !datasetKey) {
      return;
    }
    setReport(LOADING);
    setReportKey(datasetKey);
    try {
      const value = await api.preflightDataset(datasetRequest);
      if (!mounted.current) {
        return;
      }
      setReport(ready(value));
      if (value.template && !template.trim()) {
        setTemplate(value.template);
        setDefaultTemplate(current => current ?? value.template);
        // The template is now explicit: the same request, so the report stays fresh.
        setReportKey(
          stableKey({ ...datasetRequest, template: value.template })
        );
      }
      goTo('report');
    } catch (error) {
      if (mounted.current) {
        setReport(failed(error));
      }
    }
  };

  const useHoldout = (count: number): void => {
    setHoldout(String(count));
    setReport(null);
    goTo('dataset');
  };

  const launch = async (accepted?: IEulaRecord): Promise<void> => {
    if (
      inFlight.current ||
      !cardValue ||
      !datasetRequest ||
      !datasetKey ||
      !validation.hyperparameters ||
      !instance
    ) {
      return;
    }
    if (!cardValue.eula && !accepted) {
      setEulaOpen(true);
      return;
    }
    inFlight.current = true;
    setLaunchError(null);
    try {
      let dataset = stored.current.get(datasetKey);
      if (!dataset) {
        setLaunching('dataset');
        dataset = await api.storeDataset(datasetRequest);
        stored.current.set(datasetKey, dataset);
      }
      setLaunching('job');
      const request = buildTrainingJobRequest({
        modelId: cardValue.id,
        datasetUri: dataset.uri,
        datasetFormat: format,
        template: datasetRequest.template ?? null,
        hyperparameters: validation.hyperparameters,
        instanceType: instance.instance_type,
        clientToken: '',
        jobName
      });
      request.client_token = tokens.current.tokenFor(request);
      const job = await api.createTrainingJob(request);
      const jobs = services.trainingJobs;
      jobs?.upsert(job);
      jobs?.rememberHeldoutPrompts(
        job.name,
        dataset.heldout_prompts.map(item => item.prompt)
      );
      if (mounted.current) {
        props.onLaunched(job);
      }
    } catch (reason) {
      const error = toApiRequestError(reason);
      if (mounted.current) {
        setLaunchError(error);
        if (error.status === 403 && error.code === 'EulaNotAccepted') {
          setEulaOpen(true);
        }
      }
    } finally {
      inFlight.current = false;
      if (mounted.current) {
        setLaunching(null);
      }
    }
  };

  const onEulaAccepted = (record: IEulaRecord): void => {
    setEulaOpen(false);
    if (card?.kind === 'ready') {
      setCard(ready({ ...card.value, eula: record, eula_accepted: true }));
    }
    setLaunchError(null);
    // The licence was asked for by Launch: carry on.
    void launch(record);
  };

  const heading = (value: Step, text: string): JSX.Element => (
    <h4
      ref={element => {
        stepRefs.current[value] = element;
      }}
      tabIndex={-1}
      id={`${ID}-step-${value}`}
    >
      {text}
    </h4>
  );

  const navigation = (next: Step | null, nextLabel?: string): JSX.Element => (
    <div className="jp-LlamaNeuron-actions">
      {stepIndex > 0 && (
        <Button
          className="jp-mod-styled"
          onClick={() => goTo(STEPS[stepIndex - 1])}
          data-testid="llama-neuron-finetune-back"
        >
          {trans.__('Back')}
        </Button>
      )}
      {next && (
        <Button
          className="jp-mod-styled jp-mod-accept"
          disabled={!stepDone[step]}
          onClick={() => goTo(next)}
          data-testid="llama-neuron-finetune-next"
        >
          {nextLabel ?? trans.__('Next')}
        </Button>
      )}
      <span className="jp-LlamaNeuron-actions-spacer" />
      <Button
        className="jp-mod-styled jp-mod-reject"
        onClick={props.onCancel}
        data-testid="llama-neuron-finetune-cancel"
      >
        {trans.__('Cancel')}
      </Button>
    </div>
  );

  const modelsState = props.models;
  const choices =
    modelsState.kind === 'ready' ? fineTuneChoices(modelsState.value) : [];
  const uploadPercent =
    upload.kind === 'uploading' && upload.total > 0
      ? Math.round((upload.loaded / upload.total) * 100)
      : 0;

  return (
    <section
      className="jp-LlamaNeuron-wizard"
      aria-labelledby={`${ID}-title`}
      data-testid="llama-neuron-finetune-wizard"
    >
      <h3 id={`${ID}-title`}>{trans.__('Fine-tune a model')}</h3>
      <ol
        className="jp-LlamaNeuron-steps"
        aria-label={trans.__('Fine-tuning steps')}
      >
        {STEPS.map((value, index) => (
          <li key={value}>
            <button
              type="button"
              className={`jp-LlamaNeuron-step${value === step ? ' jp-mod-active' : ''}${stepDone[value] ? ' jp-mod-done' : ''}`}
              aria-current={value === step ? 'step' : undefined}
              disabled={value !== step && !reachable(value)}
              onClick={() => goTo(value)}
              data-testid={`llama-neuron-finetune-step-${value}`}
            >
              {trans.__('%1. %2', index + 1, stepLabel(value))}
            </button>
          </li>
        ))}
      </ol>

      {step === 'model' && (
        <div role="group" aria-labelledby={`${ID}-step-model`}>
          {heading('model', trans.__('Choose the model to fine-tune'))}
          {modelsState.kind === 'loading' && (
            <p className="jp-LlamaNeuron-muted" role="status">
              {trans.__('Loading the catalog…')}
            </p>
          )}
          {modelsState.kind === 'error' && (
            <ErrorBanner
              error={modelsState.error}
              title={trans.__('Could not load the catalog')}
            />
          )}
          {choices.length > 0 && (
            <fieldset className="jp-LlamaNeuron-fieldset">
              <legend>{trans.__('Model')}</legend>
              {choices.map(({ model, block }) => {
                const radioId = `${ID}-model-${model.id}`;
                return (
                  <div
                    key={model.id}
                    className={`jp-LlamaNeuron-choice${block ? ' jp-mod-disabled' : ''}`}
                  >
                    <input
                      type="radio"
                      id={radioId}
                      name={`${ID}-model`}
                      value={model.id}
                      checked={modelId === model.id}
                      disabled={block !== null}
                      aria-describedby={`${radioId}-note`}
                      data-testid={`llama-neuron-finetune-model-${model.id}`}
                      onChange={() => {
                        setModelId(model.id);
                        setReport(null);
                      }}
                    />
                    <label htmlFor={radioId}>
                      <strong>{model.display_name}</strong>{' '}
                      <span className="jp-LlamaNeuron-muted">{model.id}</span>
                    </label>
                    <span
                      id={`${radioId}-note`}
                      className="jp-LlamaNeuron-muted jp-LlamaNeuron-choice-note"
                    >
                      {block === 'not-fine-tunable'
                        ? trans.__(
                            'Cannot be fine-tuned: JumpStart offers Neuron fine-tuning for the 7B and 13B base models only.'
                          )
                        : block === 'not-allowed'
                          ? trans.__('Not allowed on this server.')
                          : model.eula_accepted
                            ? trans.__('Fine-tunable on AWS Trainium.')
                            : trans.__(
                                'Fine-tunable on AWS Trainium; the Llama 2 licence is asked for before launch.'
                              )}
                    </span>
                  </div>
                );
              })}
            </fieldset>
          )}
          {card?.kind === 'loading' && (
            <p className="jp-LlamaNeuron-muted" role="status">
              {trans.__('Loading the model card…')}
            </p>
          )}
          {card?.kind === 'error' && (
            <ErrorBanner
              error={card.error}
              title={trans.__('Could not load the model card')}
            />
          )}
          {cardValue && !cardValue.training.supported && (
            <p className="jp-LlamaNeuron-warning">{cardValue.training.note}</p>
          )}
          {cardValue &&
            cardValue.training.supported &&
            cardValue.training.note && (
              <p className="jp-LlamaNeuron-muted">{cardValue.training.note}</p>
            )}
          {navigation('dataset')}
        </div>
      )}

      {step === 'dataset' && (
        <div role="group" aria-labelledby={`${ID}-step-dataset`}>
          {heading('dataset', trans.__('Give the training data'))}
          <fieldset className="jp-LlamaNeuron-fieldset">
            <legend>{trans.__('Source')}</legend>
            {local ? (
              <p className="jp-LlamaNeuron-muted">
                {trans.__(
                  'Local mode has no AWS account: the file is uploaded to this Jupyter server. s3:// URIs are available in SageMaker mode.'
                )}
              </p>
            ) : (
              <div className="jp-LlamaNeuron-field-inline" role="radiogroup">
                <input
                  type="radio"
                  id={`${ID}-source-upload`}
                  name={`${ID}-source`}
                  checked={sourceKind === 'upload'}
                  onChange={() => setSourceKind('upload')}
                  data-testid="llama-neuron-dataset-source-upload"
                />
                <label htmlFor={`${ID}-source-upload`}>
                  {trans.__('Upload a file')}
                </label>
                <input
                  type="radio"
                  id={`${ID}-source-s3`}
                  name={`${ID}-source`}
                  checked={sourceKind === 's3'}
                  onChange={() => setSourceKind('s3')}
                  data-testid="llama-neuron-dataset-source-s3"
                />
                <label htmlFor={`${ID}-source-s3`}>
                  {trans.__('An s3:// URI')}
                </label>
              </div>
            )}
            {sourceKind === 'upload' ? (
              <div className="jp-LlamaNeuron-field">
                <label htmlFor={`${ID}-file`}>{trans.__('Dataset file')}</label>
                <input
                  id={`${ID}-file`}
                  type="file"
                  accept=".jsonl,.txt"
                  data-testid="llama-neuron-dataset-file"
                  aria-describedby={`${ID}-file-help`}
                  onChange={event =>
                    chooseFile(event.currentTarget.files?.[0] ?? null)
                  }
                />
                <span id={`${ID}-file-help`} className="jp-LlamaNeuron-muted">
                  {trans.__(
                    'JSON Lines (.jsonl) or, for domain adaptation, plain text (.txt). The file is streamed to the server.'
                  )}
                </span>
                {upload.kind === 'uploading' && (
                  <div className="jp-LlamaNeuron-local-progress" role="status">
                    <label htmlFor={`${ID}-upload-progress`}>
                      {trans.__(
                        'Uploading %1: %2%',
                        upload.filename,
                        uploadPercent
                      )}
                    </label>
                    <progress
                      id={`${ID}-upload-progress`}
                      max={100}
                      value={uploadPercent}
                    />
                  </div>
                )}
                {upload.kind === 'done' && (
                  <span
                    className="jp-LlamaNeuron-muted"
                    data-testid="llama-neuron-dataset-uploaded"
                  >
                    {trans.__(
                      'Uploaded %1 (%2 bytes).',
                      upload.result.filename,
                      upload.result.bytes
                    )}
                  </span>
                )}
                {upload.kind === 'error' && (
                  <ErrorBanner
                    error={upload.error}
                    title={trans.__('Could not upload %1', upload.filename)}
                  />
                )}
              </div>
            ) : (
              <div className="jp-LlamaNeuron-field">
                <label htmlFor={`${ID}-s3`}>{trans.__('S3 URI')}</label>
                <InputGroup
                  id={`${ID}-s3`}
                  data-testid="llama-neuron-dataset-s3"
                  placeholder="s3://my-bucket/datasets/train.jsonl"
                  spellCheck={false}
                  value={s3Uri}
                  aria-invalid={!!s3Uri.trim() && !!datasetErrors.source}
                  onChange={event => {
                    setS3Uri(event.currentTarget.value);
                    setReport(null);
                  }}
                />
                <span className="jp-LlamaNeuron-muted">
                  {trans.__(
                    'One .jsonl or .txt file, or a prefix holding exactly one. The execution role must be able to read it.'
                  )}
                </span>
              </div>
            )}
            {datasetErrors.source && sourceKind === 's3' && !!s3Uri.trim() && (
              <span className="jp-LlamaNeuron-field-error" role="alert">
                {datasetErrors.source}
              </span>
            )}
          </fieldset>

          <fieldset className="jp-LlamaNeuron-fieldset">
            <legend>{trans.__('Format')}</legend>
            <div className="jp-LlamaNeuron-choice">
              <input
                type="radio"
                id={`${ID}-format-instruction`}
                name={`${ID}-format`}
                checked={format === 'instruction'}
                onChange={() => setFormat('instruction')}
                aria-describedby={`${ID}-format-instruction-help`}
                data-testid="llama-neuron-dataset-format-instruction"
              />
              <label htmlFor={`${ID}-format-instruction`}>
                {trans.__('Instruction tuning')}
              </label>
              <span
                id={`${ID}-format-instruction-help`}
                className="jp-LlamaNeuron-muted jp-LlamaNeuron-choice-note"
              >
                {trans.__(
                  'JSON Lines with instruction, optional context and response fields, rendered through the template below.'
                )}
              </span>
            </div>
            <div className="jp-LlamaNeuron-choice">
              <input
                type="radio"
                id={`${ID}-format-domain`}
                name={`${ID}-format`}
                checked={format === 'domain'}
                onChange={() => setFormat('domain')}
                aria-describedby={`${ID}-format-domain-help`}
                data-testid="llama-neuron-dataset-format-domain"
              />
              <label htmlFor={`${ID}-format-domain`}>
                {trans.__('Domain adaptation')}
              </label>
              <span
                id={`${ID}-format-domain-help`}
                className="jp-LlamaNeuron-muted jp-LlamaNeuron-choice-note"
              >
                {trans.__(
                  'Plain text: a .txt file (one record per line) or JSON Lines with a text field.'
                )}
              </span>
            </div>
          </fieldset>

          {format === 'instruction' && (
            <div className="jp-LlamaNeuron-field">
              <label htmlFor={`${ID}-template`}>
                {trans.__('Prompt template')}
              </label>
              <textarea
                id={`${ID}-template`}
                className="jp-LlamaNeuron-textarea jp-LlamaNeuron-template"
                rows={9}
                spellCheck={false}
                value={template}
                placeholder={trans.__(
                  'Empty: the server’s default (JumpStart Dolly) template.'
                )}
                aria-invalid={datasetErrors.template ? true : undefined}
                aria-describedby={`${ID}-template-help`}
                data-testid="llama-neuron-dataset-template"
                onChange={event => setTemplate(event.currentTarget.value)}
              />
              <span id={`${ID}-template-help`} className="jp-LlamaNeuron-muted">
                {trans.__(
                  'Only {instruction}, {context} and {response} are replaced; {response} must come last. Each record becomes one training text.'
                )}
              </span>
              {datasetErrors.template && (
                <span className="jp-LlamaNeuron-field-error" role="alert">
                  {datasetErrors.template}
                </span>
              )}
              {defaultTemplate !== null && template !== defaultTemplate && (
                <button
                  type="button"
                  className="jp-LlamaNeuron-link-button"
                  onClick={() => setTemplate(defaultTemplate)}
                >
                  {trans.__('Restore the default template')}
                </button>
              )}
            </div>
          )}

          <div className="jp-LlamaNeuron-field-row">
            <div className="jp-LlamaNeuron-field">
              <label htmlFor={`${ID}-max-input-length`}>
                {trans.__('max_input_length (tokens)')}
              </label>
              <input
                id={`${ID}-max-input-length`}
                type="text"
                inputMode="numeric"
                className="jp-mod-styled jp-LlamaNeuron-number"
                value={maxInputLength}
                aria-invalid={datasetErrors.maxInputLength ? true : undefined}
                data-testid="llama-neuron-dataset-max-input-length"
                onChange={event => {
                  const text = event.currentTarget.value;
                  setValues(current => ({
                    ...current,
                    max_input_length: text
                  }));
                }}
              />
              {datasetErrors.maxInputLength && (
                <span className="jp-LlamaNeuron-field-error" role="alert">
                  {datasetErrors.maxInputLength}
                </span>
              )}
            </div>
            <div className="jp-LlamaNeuron-field">
              <label htmlFor={`${ID}-holdout`}>
                {trans.__('Held-out rows')}
              </label>
              <input
                id={`${ID}-holdout`}
                type="text"
                inputMode="numeric"
                className="jp-mod-styled jp-LlamaNeuron-number"
                value={holdout}
                aria-invalid={datasetErrors.holdout ? true : undefined}
                aria-describedby={`${ID}-holdout-help`}
                data-testid="llama-neuron-dataset-holdout"
                onChange={event => setHoldout(event.currentTarget.value)}
              />
              <span id={`${ID}-holdout-help`} className="jp-LlamaNeuron-muted">
                {trans.__(
                  'The last N records are kept out of training; their prompts are used to compare the base and fine-tuned models.'
                )}
              </span>
              {datasetErrors.holdout && (
                <span className="jp-LlamaNeuron-field-error" role="alert">
                  {datasetErrors.holdout}
                </span>
              )}
            </div>
          </div>

          {report?.kind === 'error' && (
            <ErrorBanner
              error={report.error}
              title={trans.__('The preflight did not run')}
            />
          )}
          <div className="jp-LlamaNeuron-actions">
            <Button
              className="jp-mod-styled jp-mod-accept"
              disabled={!datasetRequest || report?.kind === 'loading'}
              onClick={() => void runPreflight()}
              data-testid="llama-neuron-preflight-run"
            >
              {report?.kind === 'loading'
                ? trans.__('Checking the dataset…')
                : trans.__('Run preflight')}
            </Button>
            <span className="jp-LlamaNeuron-muted">
              {trans.__(
                'Checks every line and counts tokens before anything is billed.'
              )}
            </span>
          </div>
          {navigation(null)}
        </div>
      )}

      {step === 'report' && (
        <div role="group" aria-labelledby={`${ID}-step-report`}>
          {heading('report', trans.__('Preflight report'))}
          {report?.kind === 'loading' && (
            <p className="jp-LlamaNeuron-muted" role="status">
              {trans.__('Checking the dataset…')}
            </p>
          )}
          {report?.kind === 'error' && (
            <ErrorBanner
              error={report.error}
              title={trans.__('The preflight did not run')}
              onRetry={() => void runPreflight()}
            />
          )}
          {reportValue && (
            <>
              {!reportFresh && (
                <p className="jp-LlamaNeuron-warning">
                  {trans.__(
                    'The dataset settings changed since this report: run the preflight again.'
                  )}{' '}
                  <button
                    type="button"
                    className="jp-LlamaNeuron-link-button"
                    disabled={!datasetRequest}
                    onClick={() => void runPreflight()}
                  >
                    {trans.__('Run preflight')}
                  </button>
                </p>
              )}
              <PreflightReport
                report={reportValue}
                onUseHoldoutSuggestion={useHoldout}
              />
            </>
          )}
          {navigation('hyperparameters')}
        </div>
      )}

      {step === 'hyperparameters' && (
        <div role="group" aria-labelledby={`${ID}-step-hyperparameters`}>
          {heading('hyperparameters', trans.__('Hyperparameters'))}
          <HyperparameterForm
            specs={specs}
            values={values}
            errors={validation.errors}
            local={local}
            onChange={(name, value) =>
              setValues(current => ({ ...current, [name]: value }))
            }
            onReset={() => setValues(defaultHyperparameterValues(specs))}
          />
          {!reportFresh && (
            <p className="jp-LlamaNeuron-muted">
              {trans.__(
                'max_input_length changed since the preflight; the truncated share in the report may differ.'
              )}
            </p>
          )}
          {navigation('instance')}
        </div>
      )}

      {step === 'instance' && (
        <div role="group" aria-labelledby={`${ID}-step-instance`}>
          {heading(
            'instance',
            trans.__('Training instance and estimated cost')
          )}
          <div className="jp-LlamaNeuron-field">
            <label htmlFor={`${ID}-instance`}>
              {local
                ? trans.__('Training instance (on SageMaker)')
                : trans.__('Training instance')}
            </label>
            <HTMLSelect
              id={`${ID}-instance`}
              data-testid="llama-neuron-training-instance"
              value={instanceType}
              onChange={event => setInstanceType(event.currentTarget.value)}
              options={instances.map(item => ({
                value: item.instance_type,
                label:
                  item.price_per_hour === null
                    ? trans.__('%1 — price unknown', item.instance_type)
                    : trans.__(
                        '%1 — %2/h',
                        item.instance_type,
                        formatCost(item.price_per_hour)
                      )
              }))}
            />
            {instance?.price_note && (
              <span className="jp-LlamaNeuron-muted">
                {instance.price_note}
              </span>
            )}
          </div>
          <div
            className="jp-LlamaNeuron-price"
            data-testid="llama-neuron-training-cost"
          >
            {local ? (
              <p>
                {trans.__(
                  'Local mode: LoRA on this machine, no AWS charge (%1).',
                  describeAssumption(estimate, trans)
                )}
              </p>
            ) : (
              <p>
                {estimate.cost === null
                  ? trans.__(
                      'Estimated cost: unknown (no price for %1; %2).',
                      instanceType,
                      describeAssumption(estimate, trans)
                    )
                  : trans.__(
                      'Estimated cost: about %1 at %2/h (%3).',
                      formatCost(estimate.cost),
                      formatCost(estimate.pricePerHour),
                      describeAssumption(estimate, trans)
                    )}
              </p>
            )}
            {(local ? estimate.basis : estimate.basis || estimate.note) && (
              <p className="jp-LlamaNeuron-muted">
                {local
                  ? estimate.basis
                  : `${estimate.basis} ${estimate.note}`.trim()}
              </p>
            )}
            {!local && cardValue && (
              <p className="jp-LlamaNeuron-muted">
                {trans.__('Prices: %1', cardValue.price_label)}
              </p>
            )}
          </div>
          <div className="jp-LlamaNeuron-field">
            <label htmlFor={`${ID}-job-name`}>
              {trans.__('Job name (optional)')}
            </label>
            <InputGroup
              id={`${ID}-job-name`}
              data-testid="llama-neuron-training-job-name"
              value={jobName}
              maxLength={63}
              spellCheck={false}
              placeholder={trans.__('chosen by the server')}
              onChange={event => setJobName(event.currentTarget.value)}
            />
          </div>
          {launchError && (
            <ErrorBanner
              error={launchError}
              title={trans.__('The training job was not started')}
              onDismiss={() => setLaunchError(null)}
            />
          )}
          <div className="jp-LlamaNeuron-actions">
            <Button
              className="jp-mod-styled jp-mod-accept"
              disabled={
                launching !== null ||
                !STEPS.every(item => stepDone[item]) ||
                !cardValue?.allowed
              }
              onClick={() => void launch()}
              data-testid="llama-neuron-training-launch"
            >
              {launching === 'dataset'
                ? trans.__('Storing the dataset…')
                : launching === 'job'
                  ? trans.__('Starting the job…')
                  : local
                    ? trans.__('Launch (local)')
                    : trans.__('Launch training')}
            </Button>
          </div>
          {navigation(null)}
        </div>
      )}

      {eulaOpen && cardValue && (
        <EulaDialog
          card={cardValue}
          onAccepted={onEulaAccepted}
          onCancel={() => setEulaOpen(false)}
        />
      )}
    </section>
  );
}
