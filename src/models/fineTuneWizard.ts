/**
 * The fine-tune wizard's state (pure, no React): what the user chose in each of the five steps, the
 * server's answers (model card, upload, preflight report, launch), a reducer that is the only way to
 * change it, and `deriveWizard`, which computes everything the steps show (validation, requests, the
 * cost estimate, which steps are done) from the state alone.
 *
 * `FineTuneWizard.tsx` holds it with `useReducer`, runs the requests and renders one component per step.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { ApiRequestError } from '../api/client';
import {
  DatasetFormat,
  IDatasetRequest,
  IEulaRecord,
  IHyperparameter,
  IModelCard,
  IPreflightReport,
  IServerRules,
  ITrainingInstance,
  ITrainingSpec,
  IUploadResult
} from '../api/types';
import { failed, Loadable, LOADING, ready } from './loadable';
import {
  buildDatasetRequest,
  DatasetSource,
  defaultHyperparameterValues,
  defaultTrainingInstance,
  estimateTrainingCost,
  HyperparameterValues,
  ICostEstimate,
  IDatasetFieldErrors,
  IDatasetFields,
  IHyperparameterValidation,
  maxInputLengthSpec,
  stableKey,
  trainingInstances,
  validateDatasetFields,
  validateHyperparameters
} from './trainingForm';

export type WizardStep =
  'model' | 'dataset' | 'report' | 'hyperparameters' | 'instance';

export const WIZARD_STEPS: readonly WizardStep[] = [
  'model',
  'dataset',
  'report',
  'hyperparameters',
  'instance'
];

export type UploadState =
  | { kind: 'idle' }
  | { kind: 'uploading'; filename: string; loaded: number; total: number }
  | { kind: 'done'; result: IUploadResult }
  | { kind: 'error'; filename: string; error: ApiRequestError };

export type SourceKind = 'upload' | 's3';

/** Which request Launch is waiting for. */
export type LaunchPhase = 'dataset' | 'job';

export interface IWizardState {
  step: WizardStep;
  modelId: string | null;
  card: Loadable<IModelCard> | null;
  sourceKind: SourceKind;
  upload: UploadState;
  s3Uri: string;
  format: DatasetFormat;
  template: string;
  /** The server's default instruction template, once known. */
  defaultTemplate: string | null;
  holdout: string;
  /** The hyperparameter fields' text (max_input_length is edited in the dataset step). */
  values: HyperparameterValues;
  instanceType: string;
  jobName: string;
  report: Loadable<IPreflightReport> | null;
  /** The dataset request the report was run for (stableKey). */
  reportKey: string | null;
  launching: LaunchPhase | null;
  launchError: ApiRequestError | null;
  eulaOpen: boolean;
}

export function initialWizardState(
  initialModelId: string | null = null
): IWizardState {
  return {
    step: 'model',
    modelId: initialModelId,
    card: null,
    sourceKind: 'upload',
    upload: { kind: 'idle' },
    s3Uri: '',
    format: 'instruction',
    template: '',
    defaultTemplate: null,
    holdout: '0',
    values: {},
    instanceType: '',
    jobName: '',
    report: null,
    reportKey: null,
    launching: null,
    launchError: null,
    eulaOpen: false
  };
}

export type WizardAction =
  | { type: 'goTo'; step: WizardStep }
  | { type: 'chooseModel'; modelId: string }
  | { type: 'cardLoading' }
  | { type: 'cardLoaded'; card: IModelCard }
  | { type: 'cardFailed'; error: unknown }
  | { type: 'setSourceKind'; kind: SourceKind }
  | { type: 'uploadCleared' }
  | {
      type: 'uploadProgress';
      filename: string;
      loaded: number;
      total: number;
    }
  | { type: 'uploadDone'; result: IUploadResult }
  | { type: 'uploadFailed'; filename: string; error: ApiRequestError }
  | { type: 'setS3Uri'; uri: string }
  | { type: 'setFormat'; format: DatasetFormat }
  | { type: 'setTemplate'; template: string }
  | { type: 'defaultTemplateKnown'; template: string }
  | { type: 'setHoldout'; holdout: string }
  | { type: 'setValue'; name: string; value: string }
  | { type: 'resetValues' }
  | { type: 'setInstanceType'; instanceType: string }
  | { type: 'setJobName'; jobName: string }
  | { type: 'preflightStarted'; key: string }
  | {
      type: 'preflightDone';
      report: IPreflightReport;
      request: IDatasetRequest;
    }
  | { type: 'preflightFailed'; error: unknown }
  | { type: 'useHoldout'; count: number }
  | { type: 'launching'; phase: LaunchPhase }
  | { type: 'launchFailed'; error: ApiRequestError }
  | { type: 'launchEnded' }
  | { type: 'dismissLaunchError' }
  | { type: 'askEula' }
  | { type: 'closeEula' }
  | { type: 'eulaAccepted'; record: IEulaRecord };

function hyperparameterSpecs(state: IWizardState): readonly IHyperparameter[] {
  return state.card?.kind === 'ready'
    ? state.card.value.training.hyperparameters
    : [];
}

export function wizardReducer(
  state: IWizardState,
  action: WizardAction
): IWizardState {
  switch (action.type) {
    case 'goTo':
      return { ...state, step: action.step };
    case 'chooseModel':
      return { ...state, modelId: action.modelId, report: null };
    case 'cardLoading':
      return { ...state, card: LOADING };
    case 'cardLoaded':
      return {
        ...state,
        card: ready(action.card),
        values: defaultHyperparameterValues(
          action.card.training.hyperparameters
        ),
        instanceType: defaultTrainingInstance(action.card.training)
      };
    case 'cardFailed':
      return { ...state, card: failed(action.error) };
    case 'setSourceKind':
      return { ...state, sourceKind: action.kind };
    case 'uploadCleared':
      return { ...state, upload: { kind: 'idle' }, report: null };
    case 'uploadProgress':
      return {
        ...state,
        upload: {
          kind: 'uploading',
          filename: action.filename,
          loaded: action.loaded,
          total: action.total
        },
        report: null
      };
    case 'uploadDone':
      return { ...state, upload: { kind: 'done', result: action.result } };
    case 'uploadFailed':
      return {
        ...state,
        upload: {
          kind: 'error',
          filename: action.filename,
          error: action.error
        }
      };
    case 'setS3Uri':
      return { ...state, s3Uri: action.uri, report: null };
    case 'setFormat':
      return { ...state, format: action.format };
    case 'setTemplate':
      return { ...state, template: action.template };
    case 'defaultTemplateKnown':
      return {
        ...state,
        defaultTemplate: state.defaultTemplate ?? action.template,
        template: state.template || action.template
      };
    case 'setHoldout':
      return { ...state, holdout: action.holdout };
    case 'setValue':
      return {
        ...state,
        values: { ...state.values, [action.name]: action.value }
      };
    case 'resetValues':
      return {
        ...state,
        values: defaultHyperparameterValues(hyperparameterSpecs(state))
      };
    case 'setInstanceType':
      return { ...state, instanceType: action.instanceType };
    case 'setJobName':
      return { ...state, jobName: action.jobName };
    case 'preflightStarted':
      return { ...state, report: LOADING, reportKey: action.key };
    case 'preflightDone': {
      const next: IWizardState = {
        ...state,
        report: ready(action.report),
        step: 'report'
      };
      const template = action.report.template;
      if (template && !state.template.trim()) {
        // The server's default template is now explicit: the same request, so the report stays fresh.
        next.template = template;
        next.defaultTemplate = state.defaultTemplate ?? template;
        next.reportKey = stableKey({ ...action.request, template });
      }
      return next;
    }
    case 'preflightFailed':
      return { ...state, report: failed(action.error) };
    case 'useHoldout':
      return {
        ...state,
        holdout: String(action.count),
        report: null,
        step: 'dataset'
      };
    case 'launching':
      return { ...state, launching: action.phase, launchError: null };
    case 'launchFailed':
      return {
        ...state,
        launchError: action.error,
        eulaOpen:
          state.eulaOpen ||
          (action.error.status === 403 &&
            action.error.code === 'EulaNotAccepted')
      };
    case 'launchEnded':
      return { ...state, launching: null };
    case 'dismissLaunchError':
      return { ...state, launchError: null };
    case 'askEula':
      return { ...state, eulaOpen: true };
    case 'closeEula':
      return { ...state, eulaOpen: false };
    case 'eulaAccepted':
      return {
        ...state,
        eulaOpen: false,
        launchError: null,
        card:
          state.card?.kind === 'ready'
            ? ready({
                ...state.card.value,
                eula: action.record,
                eula_accepted: true
              })
            : state.card
      };
    default:
      return state;
  }
}

/** Everything the steps show, computed from the state. */
export interface IWizardView {
  card: IModelCard | null;
  training: ITrainingSpec | null;
  specs: readonly IHyperparameter[];
  lengthSpec: IHyperparameter | null;
  /** The max_input_length field's text (edited in the dataset step, sent as a hyperparameter). */
  maxInputLength: string;
  source: DatasetSource | null;
  datasetErrors: IDatasetFieldErrors;
  /** The preflight / store body, when the dataset step is valid. */
  datasetRequest: IDatasetRequest | null;
  datasetKey: string | null;
  report: IPreflightReport | null;
  /** The report was run for the current dataset settings. */
  reportFresh: boolean;
  validation: IHyperparameterValidation;
  instances: ITrainingInstance[];
  instance: ITrainingInstance | null;
  /** null until a duration assumption is known (the card's, else the server's rules). */
  estimate: ICostEstimate | null;
  stepDone: Record<WizardStep, boolean>;
  /** Every step is done: Launch may be pressed. */
  complete: boolean;
  uploadPercent: number;
}

function datasetSource(state: IWizardState): DatasetSource | null {
  if (state.sourceKind === 's3') {
    const uri = state.s3Uri.trim();
    return uri ? { kind: 's3', uri } : null;
  }
  if (state.upload.kind !== 'done') {
    return null;
  }
  const { uri, filename, bytes } = state.upload.result;
  return { kind: 'upload', uri, filename, bytes };
}

export function deriveWizard(
  state: IWizardState,
  options: {
    local: boolean;
    /** The server's rules (`GET /status`); null until it answers. */
    rules: IServerRules | null;
    trans: TranslationBundle;
  }
): IWizardView {
  const card = state.card?.kind === 'ready' ? state.card.value : null;
  const training = card?.training ?? null;
  const specs = training?.hyperparameters ?? [];
  const lengthSpec = maxInputLengthSpec(training);
  const maxInputLength =
    state.values['max_input_length'] ?? String(lengthSpec?.default ?? 2048);
  const source = datasetSource(state);
  const fields: IDatasetFields = {
    format: state.format,
    template: state.template,
    maxInputLength,
    holdout: state.holdout
  };
  const datasetErrors = validateDatasetFields(
    fields,
    source,
    lengthSpec,
    options.rules?.dataset_uri ?? null,
    options.trans
  );
  const datasetRequest =
    source && Object.keys(datasetErrors).length === 0
      ? buildDatasetRequest(source, fields)
      : null;
  const datasetKey = datasetRequest ? stableKey(datasetRequest) : null;
  const report = state.report?.kind === 'ready' ? state.report.value : null;
  const reportFresh =
    state.reportKey !== null && state.reportKey === datasetKey;
  const validation = validateHyperparameters(
    specs,
    state.values,
    options.trans
  );
  const instances = training ? trainingInstances(training) : [];
  const instance =
    instances.find(item => item.instance_type === state.instanceType) ?? null;
  const maxStepsSpec = specs.find(spec => spec.name === 'max_steps');
  const maxSteps = Number(state.values['max_steps']);
  const estimate = estimateTrainingCost({
    pricePerHour: instance?.price_per_hour ?? null,
    maxSteps: Number.isInteger(maxSteps) ? maxSteps : null,
    defaultMaxSteps:
      typeof maxStepsSpec?.default === 'number' ? maxStepsSpec.default : null,
    assumption:
      training?.duration_assumption ??
      options.rules?.training.duration_assumption ??
      null,
    local: options.local
  });
  const stepDone: Record<WizardStep, boolean> = {
    model: !!card && card.training.supported,
    dataset: datasetRequest !== null,
    report: !!report && report.ok && reportFresh,
    hyperparameters: validation.hyperparameters !== null,
    instance: !!instance
  };
  const upload = state.upload;
  return {
    card,
    training,
    specs,
    lengthSpec,
    maxInputLength,
    source,
    datasetErrors,
    datasetRequest,
    datasetKey,
    report,
    reportFresh,
    validation,
    instances,
    instance,
    estimate,
    stepDone,
    complete: WIZARD_STEPS.every(step => stepDone[step]),
    uploadPercent:
      upload.kind === 'uploading' && upload.total > 0
        ? Math.round((upload.loaded / upload.total) * 100)
        : 0
  };
}

/** A step can be opened when every step before it is done. */
export function stepReachable(
  view: Pick<IWizardView, 'stepDone'>,
  target: WizardStep
): boolean {
  return WIZARD_STEPS.slice(0, WIZARD_STEPS.indexOf(target)).every(
    step => view.stepDone[step]
  );
}
