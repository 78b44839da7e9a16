import React, { useEffect, useReducer, useRef } from 'react';

import { isAbortError, toApiRequestError } from '../api/client';
import {
  IEulaRecord,
  IModelSummary,
  IStatus,
  IStoredDataset,
  ITrainingJob
} from '../api/types';
import { usePanelServices, useServerRules } from '../context';
import {
  deriveWizard,
  initialWizardState,
  stepReachable,
  WIZARD_STEPS,
  wizardReducer,
  WizardStep
} from '../models/fineTuneWizard';
import { Loadable } from '../models/loadable';
import {
  buildTrainingJobRequest,
  TEMPLATE_PROBE_REQUEST,
  TrainingTokenBook
} from '../models/trainingForm';
import { EulaDialog } from './EulaDialog';
import { FineTuneDatasetStep } from './FineTuneDatasetStep';
import { FineTuneHyperparametersStep } from './FineTuneHyperparametersStep';
import { FineTuneInstanceStep } from './FineTuneInstanceStep';
import { FineTuneModelStep } from './FineTuneModelStep';
import { FineTuneReportStep } from './FineTuneReportStep';
import { IWizardStepProps, WIZARD_ID } from './FineTuneStepFrame';

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

/**
 * Fine-tuning in five steps: a fine-tunable model → the dataset (upload or s3:// URI, format, template,
 * max_input_length, held-out rows) → the preflight report → hyperparameters → instance and estimated
 * cost, then Launch (licence first if needed): the dataset is stored (`POST /datasets`) and the job
 * started (`POST /training-jobs`, with a client token so a retry starts one job).
 *
 * The state lives in `models/fineTuneWizard.ts`; this component runs the requests and shows the steps.
 */
export function FineTuneWizard(props: IFineTuneWizardProps): JSX.Element {
  const services = usePanelServices();
  const { api, trans } = services;
  const local = props.status?.backend === 'local';
  const [state, dispatch] = useReducer(
    wizardReducer,
    props.initialModelId ?? null,
    initialWizardState
  );
  const rules = useServerRules();
  const view = deriveWizard(state, { local, rules, trans });
  const mounted = useRef(true);
  const uploadAbort = useRef<AbortController | null>(null);
  const tokens = useRef(new TrainingTokenBook());
  const stored = useRef(new Map<string, IStoredDataset>());
  const inFlight = useRef(false);
  const headings = useRef<IWizardStepProps['headings']>({});

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      uploadAbort.current?.abort();
    };
  }, []);

  // Local mode reads uploads only.
  useEffect(() => {
    if (local && state.sourceKind === 's3') {
      dispatch({ type: 'setSourceKind', kind: 'upload' });
    }
  }, [local, state.sourceKind]);

  // Load the card of the chosen model: hyperparameters, training instances, licence.
  const modelId = state.modelId;
  useEffect(() => {
    if (!modelId) {
      return;
    }
    let cancelled = false;
    dispatch({ type: 'cardLoading' });
    api.getModel(modelId).then(
      card => {
        if (!cancelled && mounted.current) {
          dispatch({ type: 'cardLoaded', card });
        }
      },
      error => {
        if (!cancelled && mounted.current) {
          dispatch({ type: 'cardFailed', error });
        }
      }
    );
    return () => {
      cancelled = true;
    };
  }, [api, modelId]);

  // The instruction format's default template comes from the server (a preflight of an empty file).
  const probeTemplate =
    state.format === 'instruction' && state.defaultTemplate === null;
  useEffect(() => {
    if (!probeTemplate) {
      return;
    }
    let cancelled = false;
    api.preflightDataset(TEMPLATE_PROBE_REQUEST).then(
      probe => {
        if (!cancelled && mounted.current && probe.template) {
          dispatch({ type: 'defaultTemplateKnown', template: probe.template });
        }
      },
      () => undefined // the server then applies its default; the field stays empty
    );
    return () => {
      cancelled = true;
    };
  }, [api, probeTemplate]);

  const focusStep = (step: WizardStep): void => {
    window.setTimeout(() => headings.current[step]?.focus(), 0);
  };
  const goTo = (step: WizardStep): void => {
    dispatch({ type: 'goTo', step });
    focusStep(step);
  };

  const chooseFile = (file: File | null): void => {
    uploadAbort.current?.abort();
    if (!file) {
      dispatch({ type: 'uploadCleared' });
      return;
    }
    const controller = new AbortController();
    uploadAbort.current = controller;
    const current = (): boolean =>
      mounted.current && uploadAbort.current === controller;
    dispatch({
      type: 'uploadProgress',
      filename: file.name,
      loaded: 0,
      total: file.size
    });
    api
      .uploadDataset(
        file,
        (loaded, total) => {
          if (current()) {
            dispatch({
              type: 'uploadProgress',
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
          if (current()) {
            dispatch({ type: 'uploadDone', result });
          }
        },
        reason => {
          if (current() && !isAbortError(reason)) {
            dispatch({
              type: 'uploadFailed',
              filename: file.name,
              error: toApiRequestError(reason)
            });
          }
        }
      );
  };

  const runPreflight = async (): Promise<void> => {
    const request = view.datasetRequest;
    if (!request || !view.datasetKey) {
      return;
    }
    dispatch({ type: 'preflightStarted', key: view.datasetKey });
    try {
      const report = await api.preflightDataset(request);
      if (mounted.current) {
        dispatch({ type: 'preflightDone', report, request });
        focusStep('report');
      }
    } catch (error) {
      if (mounted.current) {
        dispatch({ type: 'preflightFailed', error });
      }
    }
  };

  const launch = async (accepted?: IEulaRecord): Promise<void> => {
    const { card, datasetRequest, datasetKey, instance } = view;
    const hyperparameters = view.validation.hyperparameters;
    if (
      inFlight.current ||
      !card ||
      !datasetRequest ||
      !datasetKey ||
      !hyperparameters ||
      !instance
    ) {
      return;
    }
    if (!card.eula && !accepted) {
      dispatch({ type: 'askEula' });
      return;
    }
    inFlight.current = true;
    try {
      let dataset = stored.current.get(datasetKey);
      if (!dataset) {
        dispatch({ type: 'launching', phase: 'dataset' });
        dataset = await api.storeDataset(datasetRequest);
        stored.current.set(datasetKey, dataset);
      }
      dispatch({ type: 'launching', phase: 'job' });
      const request = buildTrainingJobRequest({
        modelId: card.id,
        datasetUri: dataset.uri,
        datasetFormat: state.format,
        template: datasetRequest.template ?? null,
        hyperparameters,
        instanceType: instance.instance_type,
        clientToken: '',
        jobName: state.jobName
      });
      request.client_token = tokens.current.tokenFor(request);
      const job = await api.createTrainingJob(request);
      services.trainingJobs.upsert(job);
      services.trainingJobs.rememberHeldoutPrompts(
        job.name,
        dataset.heldout_prompts.map(item => item.prompt)
      );
      if (mounted.current) {
        props.onLaunched(job);
      }
    } catch (reason) {
      if (mounted.current) {
        dispatch({ type: 'launchFailed', error: toApiRequestError(reason) });
      }
    } finally {
      inFlight.current = false;
      if (mounted.current) {
        dispatch({ type: 'launchEnded' });
      }
    }
  };

  const onEulaAccepted = (record: IEulaRecord): void => {
    dispatch({ type: 'eulaAccepted', record });
    // The licence was asked for by Launch: carry on.
    void launch(record);
  };

  const stepLabels: Record<WizardStep, string> = {
    model: trans.__('Model'),
    dataset: trans.__('Dataset'),
    report: trans.__('Preflight report'),
    hyperparameters: trans.__('Hyperparameters'),
    instance: trans.__('Instance and cost')
  };
  const stepProps: IWizardStepProps = {
    state,
    view,
    dispatch,
    local,
    rules,
    onGoTo: goTo,
    onCancel: props.onCancel,
    headings: headings.current
  };
  const preflight = (): void => void runPreflight();

  return (
    <section
      className="jp-LlamaNeuron-wizard"
      aria-labelledby={`${WIZARD_ID}-title`}
      data-testid="llama-neuron-finetune-wizard"
    >
      <h3 id={`${WIZARD_ID}-title`}>{trans.__('Fine-tune a model')}</h3>
      <ol
        className="jp-LlamaNeuron-steps"
        aria-label={trans.__('Fine-tuning steps')}
      >
        {WIZARD_STEPS.map((value, index) => (
          <li key={value}>
            <button
              type="button"
              className={`jp-LlamaNeuron-step${value === state.step ? ' jp-mod-active' : ''}${view.stepDone[value] ? ' jp-mod-done' : ''}`}
              aria-current={value === state.step ? 'step' : undefined}
              disabled={value !== state.step && !stepReachable(view, value)}
              onClick={() => goTo(value)}
              data-testid={`llama-neuron-finetune-step-${value}`}
            >
              {trans.__('%1. %2', index + 1, stepLabels[value])}
            </button>
          </li>
        ))}
      </ol>

      {state.step === 'model' && (
        <FineTuneModelStep {...stepProps} models={props.models} />
      )}
      {state.step === 'dataset' && (
        <FineTuneDatasetStep
          {...stepProps}
          onChooseFile={chooseFile}
          onRunPreflight={preflight}
        />
      )}
      {state.step === 'report' && (
        <FineTuneReportStep {...stepProps} onRunPreflight={preflight} />
      )}
      {state.step === 'hyperparameters' && (
        <FineTuneHyperparametersStep {...stepProps} />
      )}
      {state.step === 'instance' && (
        <FineTuneInstanceStep {...stepProps} onLaunch={() => void launch()} />
      )}

      {state.eulaOpen && view.card && (
        <EulaDialog
          card={view.card}
          onAccepted={onEulaAccepted}
          onCancel={() => dispatch({ type: 'closeEula' })}
        />
      )}
    </section>
  );
}
