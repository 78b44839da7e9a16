/**
 * Rules of the fine-tuning wizard (pure functions, no UI): which models can be fine-tuned, the dataset
 * request, hyperparameter defaults and validation (naming the allowed range or options, as the server's
 * 400 does), the training instances with their price, the cost estimate and its stated assumption, and
 * the `POST /training-jobs` body.
 *
 * The rules themselves are the server's: the model card (hyperparameter specs, instances, the duration
 * assumption) and `GET /status` `rules` (S3 URI pattern, local hyperparameters, the duration assumption).
 * The server validates again and exactly; this module only warns before anything is sent or billed.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import {
  DatasetFormat,
  ICreateTrainingJobRequest,
  IDatasetRequest,
  IDatasetUriRule,
  IDurationAssumption,
  IHyperparameter,
  ILocalHyperparameterRules,
  IModelSummary,
  ITrainingInstance,
  ITrainingSpec
} from '../api/types';
import { newClientToken } from './deployForm';

/* ---- Models ---- */

/** Why a catalog model cannot be picked in the wizard (null: it can). */
export type FineTuneBlock = 'not-fine-tunable' | 'not-allowed' | null;

export interface IFineTuneChoice {
  model: IModelSummary;
  block: FineTuneBlock;
}

/** Every catalog model, fine-tunable and allowed ones first (catalog order kept within each group). */
export function fineTuneChoices(
  models: readonly IModelSummary[]
): IFineTuneChoice[] {
  const choices = models.map(model => ({
    model,
    block: (!model.fine_tunable
      ? 'not-fine-tunable'
      : !model.allowed
        ? 'not-allowed'
        : null) as FineTuneBlock
  }));
  return [
    ...choices.filter(choice => choice.block === null),
    ...choices.filter(choice => choice.block !== null)
  ];
}

/* ---- Dataset ---- */

/** The dataset as the wizard knows it: an uploaded file or an S3 URI (SageMaker mode only). */
export type DatasetSource =
  | { kind: 'upload'; uri: string; filename: string; bytes: number }
  | { kind: 's3'; uri: string };

export const MAX_HOLDOUT = 1000;

/** Whether `uri` is an `s3://bucket/key-or-prefix` URI the server accepts (`rules.dataset_uri`). */
export function isS3Uri(
  uri: string,
  rule: Pick<IDatasetUriRule, 's3_pattern'>
): boolean {
  return new RegExp(rule.s3_pattern).test(uri.trim());
}

/** The `max_input_length` hyperparameter of a training spec, if it has one. */
export function maxInputLengthSpec(
  training: Pick<ITrainingSpec, 'hyperparameters'> | null | undefined
): IHyperparameter | null {
  return (
    training?.hyperparameters.find(spec => spec.name === 'max_input_length') ??
    null
  );
}

export interface IDatasetFields {
  format: DatasetFormat;
  /** Instruction format only; empty: the server's default template. */
  template: string;
  maxInputLength: string;
  holdout: string;
}

export interface IDatasetFieldErrors {
  source?: string;
  template?: string;
  maxInputLength?: string;
  holdout?: string;
}

function integerIn(raw: string, low: number, high: number | null): boolean {
  const text = raw.trim();
  if (!/^[+-]?\d+$/.test(text)) {
    return false;
  }
  const value = Number(text);
  return value >= low && (high === null || value <= high);
}

/** Problems with the dataset step's fields (empty object: none). */
export function validateDatasetFields(
  fields: IDatasetFields,
  source: DatasetSource | null,
  maxInputLength: IHyperparameter | null,
  uriRule: Pick<IDatasetUriRule, 's3_pattern'> | null,
  trans: TranslationBundle
): IDatasetFieldErrors {
  const errors: IDatasetFieldErrors = {};
  if (!source) {
    errors.source = trans.__('Choose a dataset file or give an s3:// URI.');
  } else if (
    source.kind === 's3' &&
    (!uriRule || !isS3Uri(source.uri, uriRule))
  ) {
    errors.source = trans.__(
      'Give an S3 URI like s3://my-bucket/datasets/train.jsonl (lower-case bucket name).'
    );
  }
  // The card's spec gives the range; without one, any positive length (the server checks it).
  const low = maxInputLength?.min ?? 1;
  const high = maxInputLength?.max ?? null;
  if (!integerIn(fields.maxInputLength, low, high)) {
    errors.maxInputLength =
      high === null
        ? trans.__('max_input_length must be an integer of at least %1.', low)
        : trans.__(
            'max_input_length must be an integer between %1 and %2.',
            low,
            high
          );
  }
  if (!integerIn(fields.holdout, 0, MAX_HOLDOUT)) {
    errors.holdout = trans.__(
      'Held-out rows must be an integer between 0 and %1.',
      MAX_HOLDOUT
    );
  }
  if (fields.format === 'instruction' && fields.template.trim()) {
    const template = fields.template;
    if (
      !template.includes('{instruction}') ||
      !template.includes('{response}')
    ) {
      errors.template = trans.__(
        'The template needs the {instruction} and {response} placeholders ({context} is optional).'
      );
    } else if (
      template.lastIndexOf('{response}') <
      Math.max(
        template.lastIndexOf('{instruction}'),
        template.lastIndexOf('{context}')
      )
    ) {
      errors.template = trans.__(
        '{response} must be the last placeholder of the template.'
      );
    }
  }
  return errors;
}

/** The `POST /datasets/preflight` (and `POST /datasets`) body. */
export function buildDatasetRequest(
  source: DatasetSource,
  fields: IDatasetFields
): IDatasetRequest {
  const request: IDatasetRequest = {
    dataset_format: fields.format,
    uri: source.uri.trim(),
    max_input_length: Number(fields.maxInputLength.trim()),
    holdout: Number(fields.holdout.trim())
  };
  if (fields.format === 'instruction' && fields.template.trim()) {
    request.template = fields.template;
  }
  return request;
}

/**
 * A preflight that only reads the server's default instruction template (`report.template`): an empty
 * pasted file, which the server reports as having no records.
 */
export const TEMPLATE_PROBE_REQUEST: IDatasetRequest = {
  dataset_format: 'instruction',
  filename: 'template-probe.jsonl',
  content: ''
};

/* ---- Hyperparameters ---- */

/** The form's text per hyperparameter name. */
export type HyperparameterValues = Record<string, string>;

/** What a hyperparameter means in local mode (LoRA on the stand-in); null when it means nothing there. */
export function localMeaning(
  name: string,
  rules: Pick<ILocalHyperparameterRules, 'settings'>
): string | null {
  return rules.settings.find(item => item.name === name)?.meaning ?? null;
}

/** A default as the form shows it ("6e-06" stays readable; numbers never print as "6.000000000000001e-6"). */
export function formatDefault(spec: IHyperparameter): string {
  const value = spec.default;
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'number') {
    if (spec.type === 'float' && value !== 0 && Math.abs(value) < 1e-4) {
      return value.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
    }
    return String(value);
  }
  return String(value);
}

/** The form's initial values: the card's defaults. */
export function defaultHyperparameterValues(
  specs: readonly IHyperparameter[]
): HyperparameterValues {
  const values: HyperparameterValues = {};
  for (const spec of specs) {
    values[spec.name] = formatDefault(spec);
  }
  return values;
}

function formatBound(value: number): string {
  return String(value);
}

/** "between 2 and 4096", "at least 2", "one of: True, False", "any text". */
export function rangeText(
  spec: IHyperparameter,
  trans: TranslationBundle
): string {
  if (spec.type === 'text') {
    if (spec.options && spec.options.length > 0) {
      return trans.__('one of: %1', spec.options.join(', '));
    }
    return trans.__('any text');
  }
  const kind =
    spec.type === 'int' ? trans.__('an integer') : trans.__('a number');
  if (spec.min !== null && spec.max !== null) {
    return trans.__(
      '%1 between %2 and %3',
      kind,
      formatBound(spec.min),
      formatBound(spec.max)
    );
  }
  if (spec.min !== null) {
    return trans.__('%1 of at least %2', kind, formatBound(spec.min));
  }
  if (spec.max !== null) {
    return trans.__('%1 of at most %2', kind, formatBound(spec.max));
  }
  return kind;
}

/** The value to send (number for int/float, text otherwise), or `undefined` when invalid. */
export function parseHyperparameter(
  spec: IHyperparameter,
  raw: string
): string | number | undefined {
  const text = raw.trim();
  if (spec.type === 'text') {
    if (spec.options && spec.options.length > 0) {
      return spec.options.includes(text) ? text : undefined;
    }
    return text.length > 0 ? text : undefined;
  }
  if (spec.type === 'int' && !/^[+-]?\d+$/.test(text)) {
    return undefined;
  }
  if (
    spec.type !== 'int' &&
    !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)
  ) {
    return undefined;
  }
  const value = Number(text);
  if (!Number.isFinite(value)) {
    return undefined;
  }
  if (
    (spec.min !== null && value < spec.min) ||
    (spec.max !== null && value > spec.max)
  ) {
    return undefined;
  }
  return value;
}

export interface IHyperparameterValidation {
  errors: Record<string, string>;
  /** The body's `hyperparameters` when every field is valid, else null. */
  hyperparameters: Record<string, string | number> | null;
}

export function validateHyperparameters(
  specs: readonly IHyperparameter[],
  values: HyperparameterValues,
  trans: TranslationBundle
): IHyperparameterValidation {
  const errors: Record<string, string> = {};
  const hyperparameters: Record<string, string | number> = {};
  for (const spec of specs) {
    const raw = values[spec.name] ?? formatDefault(spec);
    const parsed = parseHyperparameter(spec, raw);
    if (parsed === undefined) {
      errors[spec.name] = trans.__(
        '%1 must be %2.',
        spec.name,
        rangeText(spec, trans)
      );
    } else {
      hyperparameters[spec.name] = parsed;
    }
  }
  return {
    errors,
    hyperparameters: Object.keys(errors).length === 0 ? hyperparameters : null
  };
}

/* ---- Instance and cost ---- */

/** The training instances of a card, the default first. */
export function trainingInstances(
  training: Pick<ITrainingSpec, 'instance_types' | 'default_instance_type'>
): ITrainingInstance[] {
  const list = [...training.instance_types];
  const index = list.findIndex(
    item => item.instance_type === training.default_instance_type
  );
  if (index > 0) {
    list.unshift(...list.splice(index, 1));
  }
  return list;
}

export function defaultTrainingInstance(
  training: Pick<ITrainingSpec, 'instance_types' | 'default_instance_type'>
): string {
  return trainingInstances(training)[0]?.instance_type ?? '';
}

export interface ICostEstimate {
  /** Seconds per optimizer step assumed. */
  secondsPerStep: number;
  maxSteps: number;
  /** Estimated training minutes. */
  minutes: number;
  /** price/h × minutes / 60; 0 in local mode; null when the price is unknown. */
  cost: number | null;
  pricePerHour: number | null;
  /** Where the assumption comes from (the server's words). */
  basis: string;
  note: string;
}

/**
 * Estimated cost = price/h × an assumed duration. The duration scales the card's "full default run"
 * (`duration_assumption.minutes` for the default `max_steps`) linearly with `max_steps`: seconds per step =
 * minutes × 60 / default max_steps. In local mode the stand-in's measured seconds per step is used and
 * nothing is billed.
 */
export function estimateTrainingCost(options: {
  pricePerHour: number | null;
  maxSteps: number | null;
  defaultMaxSteps: number | null;
  /** The card's, else the server's (`rules.training.duration_assumption`); null: no estimate. */
  assumption: IDurationAssumption | null;
  local: boolean;
}): ICostEstimate | null {
  const assumption = options.assumption;
  if (!assumption) {
    return null;
  }
  const maxSteps =
    options.maxSteps !== null && options.maxSteps > 0
      ? options.maxSteps
      : options.defaultMaxSteps;
  // The full run the assumption describes is the default max_steps; without one, the steps asked for.
  const defaultSteps =
    options.defaultMaxSteps && options.defaultMaxSteps > 0
      ? options.defaultMaxSteps
      : maxSteps;
  if (!maxSteps || !defaultSteps) {
    return null;
  }
  if (options.local) {
    if (assumption.local_seconds_per_step === undefined) {
      return null;
    }
    const secondsPerStep = assumption.local_seconds_per_step;
    return {
      secondsPerStep,
      maxSteps,
      minutes: (secondsPerStep * maxSteps) / 60,
      cost: 0,
      pricePerHour: null,
      basis: assumption.local_basis ?? '',
      note: ''
    };
  }
  const fullRunMinutes = assumption.minutes;
  const secondsPerStep = (fullRunMinutes * 60) / defaultSteps;
  const minutes = (secondsPerStep * maxSteps) / 60;
  const price = options.pricePerHour;
  return {
    secondsPerStep,
    maxSteps,
    minutes,
    cost: typeof price === 'number' ? (price * minutes) / 60 : null,
    pricePerHour: typeof price === 'number' ? price : null,
    basis: assumption.basis,
    note: assumption.note
  };
}

/** "assumption: 540 s per step × 20 steps ≈ 3 h 0 min" (the words shown next to the estimate). */
export function describeAssumption(
  estimate: ICostEstimate,
  trans: TranslationBundle
): string {
  const minutes = Math.round(estimate.minutes);
  const duration =
    minutes >= 60
      ? trans.__('%1 h %2 min', Math.floor(minutes / 60), minutes % 60)
      : trans.__('%1 min', Math.max(1, minutes));
  return trans.__(
    'assumption: %1 s per step × %2 steps ≈ %3',
    Number(estimate.secondsPerStep.toFixed(1)),
    estimate.maxSteps,
    duration
  );
}

/* ---- Launch ---- */

export function buildTrainingJobRequest(options: {
  modelId: string;
  datasetUri: string;
  datasetFormat: DatasetFormat;
  template: string | null;
  hyperparameters: Record<string, string | number>;
  instanceType: string;
  clientToken: string;
  jobName?: string;
}): ICreateTrainingJobRequest {
  const request: ICreateTrainingJobRequest = {
    model_id: options.modelId,
    dataset_uri: options.datasetUri,
    dataset_format: options.datasetFormat,
    hyperparameters: { ...options.hyperparameters },
    instance_type: options.instanceType || null,
    client_token: options.clientToken
  };
  if (options.datasetFormat === 'instruction' && options.template) {
    request.template = options.template;
  }
  const name = options.jobName?.trim();
  if (name) {
    request.job_name = name;
  }
  return request;
}

/**
 * Client tokens for one wizard: the same content (everything but the token) always gets the same token,
 * so a double click or a retry starts one job; a changed request gets a fresh one.
 */
export class TrainingTokenBook {
  constructor(private readonly _generate: () => string = newClientToken) {}

  tokenFor(request: Omit<ICreateTrainingJobRequest, 'client_token'>): string {
    const { client_token: _ignored, ...content } =
      request as ICreateTrainingJobRequest;
    void _ignored;
    const key = stableKey(content);
    let token = this._tokens.get(key);
    if (!token) {
      token = this._generate();
      this._tokens.set(key, token);
    }
    return token;
  }

  private _tokens = new Map<string, string>();
}

/** JSON with sorted keys, so equal requests give equal keys. */
export function stableKey(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(stableKey).join(',')}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableKey(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
