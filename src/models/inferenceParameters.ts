/**
 * The inference parameters of the Llama 2 Neuron endpoints (pure functions, no UI): form defaults, a
 * validator with one message per field naming the range, warnings for valid but unwise values, and a
 * context-length check.
 *
 * Every rule comes from the server (`GET /status` `rules.inference_parameters`, built from
 * `inference_parameters.py`): the parameters, their defaults, ranges and warnings. A `capped_by_context`
 * maximum is the endpoint's `n_positions`. The server validates again and exactly; this module only warns
 * before anything is sent.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import {
  IChatMessage,
  IInferenceParameterSpec,
  IInferenceRules,
  IInvocationParameters
} from '../api/types';

export type ParameterName = IInferenceParameterSpec['name'];

/**
 * The form's values: numbers as typed text ("" = not sent), booleans, and stop sequences one per line.
 */
export interface IParameterValues {
  max_new_tokens: string;
  max_length: string;
  temperature: string;
  top_p: string;
  top_k: string;
  do_sample: boolean;
  num_beams: string;
  no_repeat_ngram_size: string;
  early_stopping: boolean;
  stop: string;
  return_full_text: boolean;
}

/** What a form starts with: the server's defaults ("" = not sent, booleans off unless the default is on). */
export function defaultParameterValues(
  rules: IInferenceRules | null
): IParameterValues {
  const values: Record<string, string | boolean> = { ...EMPTY_VALUES };
  for (const item of rules?.parameters ?? []) {
    values[item.name] =
      item.type === 'bool'
        ? item.default === true
        : item.default === null || typeof item.default === 'boolean'
          ? ''
          : String(item.default);
  }
  return values as unknown as IParameterValues;
}

/** The values before the server's rules are known: nothing filled in, so nothing can be sent. */
const EMPTY_VALUES: IParameterValues = {
  max_new_tokens: '',
  max_length: '',
  temperature: '',
  top_p: '',
  top_k: '',
  do_sample: false,
  num_beams: '',
  no_repeat_ngram_size: '',
  early_stopping: false,
  stop: '',
  return_full_text: false
};

/** The form values that reproduce a request's parameters (history re-use). */
export function valuesFromParameters(
  parameters: IInvocationParameters,
  rules: IInferenceRules | null
): IParameterValues {
  const defaults = defaultParameterValues(rules);
  const values = defaults as unknown as Record<string, unknown>;
  const doSample = parameters.do_sample === true;
  values.do_sample = doSample;
  for (const item of rules?.parameters ?? []) {
    const raw = (parameters as Record<string, unknown>)[item.name];
    if (item.type === 'bool') {
      values[item.name] = raw === true;
    } else if (item.type === 'stop') {
      values.stop = Array.isArray(raw) ? raw.join('\n') : '';
    } else if (typeof raw === 'number') {
      values[item.name] = String(raw);
    } else if (!item.sampling_only || doSample) {
      // Not in the request: empty, except sampling values kept at their defaults while sampling is off,
      // and a required value, which keeps its default.
      values[item.name] = item.optional ? '' : defaults[item.name];
    }
  }
  return defaults;
}

/** Largest value of a parameter capped by the context length (the server's context length if unknown). */
export function contextLimit(
  contextLength: number | null | undefined,
  rules: Pick<IInferenceRules, 'context_length'> | null
): number {
  return typeof contextLength === 'number' && contextLength > 0
    ? contextLength
    : (rules?.context_length ?? 0);
}

function formatNumber(value: number): string {
  return String(value);
}

/** The largest valid value of a numeric parameter for this endpoint (null: no maximum). */
function maximumOf(
  item: IInferenceParameterSpec,
  contextLength: number | null | undefined,
  rules: IInferenceRules
): number | null {
  return item.capped_by_context ? contextLimit(contextLength, rules) : item.max;
}

/** The valid range of a parameter in words, e.g. "a whole number from 1 to 4096". */
export function rangeText(
  item: IInferenceParameterSpec,
  contextLength: number | null | undefined,
  rules: IInferenceRules,
  trans: TranslationBundle
): string {
  if (item.type === 'bool') {
    return trans.__('on or off');
  }
  if (item.type === 'stop') {
    return trans.__(
      'up to %1 non-empty strings, one per line',
      rules.max_stop_sequences
    );
  }
  const max = maximumOf(item, contextLength, rules);
  const min = item.min;
  const integer = item.type === 'int';
  let text: string;
  if (min !== null && max !== null) {
    if (item.exclusive_min && item.exclusive_max) {
      text = integer
        ? trans.__(
            'a whole number between %1 and %2 (exclusive)',
            formatNumber(min),
            formatNumber(max)
          )
        : trans.__(
            'a number between %1 and %2 (exclusive)',
            formatNumber(min),
            formatNumber(max)
          );
    } else {
      text = integer
        ? trans.__(
            'a whole number from %1 to %2',
            formatNumber(min),
            formatNumber(max)
          )
        : trans.__(
            'a number from %1 to %2',
            formatNumber(min),
            formatNumber(max)
          );
    }
  } else if (min !== null) {
    if (item.exclusive_min) {
      text = integer
        ? trans.__('a whole number greater than %1', formatNumber(min))
        : trans.__('a number greater than %1', formatNumber(min));
    } else {
      text = integer
        ? trans.__('a whole number ≥ %1', formatNumber(min))
        : trans.__('a number ≥ %1', formatNumber(min));
    }
  } else {
    text = integer ? trans.__('a whole number') : trans.__('a number');
  }
  return item.optional ? trans.__('%1, or empty', text) : text;
}

/** Stop sequences typed one per line (blank lines ignored, text kept as typed). */
export function parseStopSequences(text: string): string[] {
  return text.split(/\r\n|\n|\r/).filter(line => line.trim().length > 0);
}

/** Whether a parameter is sent with the current values (sampling values only when sampling). */
export function isParameterActive(
  item: Pick<IInferenceParameterSpec, 'sampling_only'>,
  values: Pick<IParameterValues, 'do_sample'>
): boolean {
  return !item.sampling_only || values.do_sample;
}

export type ParameterErrors = Partial<Record<ParameterName, string>>;

export interface IParameterValidation {
  /** One message per invalid field, naming its range. */
  errors: ParameterErrors;
  /** The `parameters` to send, or null when a field is invalid. */
  parameters: IInvocationParameters | null;
}

const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER_PATTERN = /^[+]?\d+$/;

function checkNumber(
  item: IInferenceParameterSpec,
  raw: string,
  contextLength: number | null | undefined,
  rules: IInferenceRules
): number | null | 'invalid' {
  const text = raw.trim();
  if (text === '') {
    return item.optional ? null : 'invalid';
  }
  const integer = item.type === 'int';
  if (!(integer ? INTEGER_PATTERN : NUMBER_PATTERN).test(text)) {
    return 'invalid';
  }
  const value = Number(text);
  if (!Number.isFinite(value)) {
    return 'invalid';
  }
  const max = maximumOf(item, contextLength, rules);
  if (
    item.min !== null &&
    (value < item.min || (item.exclusive_min && value === item.min))
  ) {
    return 'invalid';
  }
  if (max !== null && (value > max || (item.exclusive_max && value === max))) {
    return 'invalid';
  }
  return value;
}

/**
 * Check the form and build the `parameters` of a request. Sampling values (temperature, top_p, top_k)
 * are checked and sent only when `do_sample` is on; booleans are sent only when on. Without the server's
 * rules nothing can be sent (`parameters` null).
 */
export function validateParameters(
  values: IParameterValues,
  contextLength: number | null | undefined,
  rules: IInferenceRules | null,
  trans: TranslationBundle
): IParameterValidation {
  const errors: ParameterErrors = {};
  if (!rules) {
    return { errors, parameters: null };
  }
  const parameters: Record<string, unknown> = {};
  for (const item of rules.parameters) {
    if (!isParameterActive(item, values)) {
      continue;
    }
    const raw = (values as unknown as Record<string, unknown>)[item.name];
    if (item.type === 'bool') {
      if (raw === true) {
        parameters[item.name] = true;
      }
      continue;
    }
    if (item.type === 'stop') {
      const stop = parseStopSequences(String(raw ?? ''));
      if (stop.length > rules.max_stop_sequences) {
        errors.stop = trans.__(
          'stop: at most %1 sequences (got %2).',
          rules.max_stop_sequences,
          stop.length
        );
      } else if (stop.length > 0) {
        parameters.stop = stop;
      }
      continue;
    }
    const checked = checkNumber(item, String(raw ?? ''), contextLength, rules);
    if (checked === 'invalid') {
      errors[item.name] = trans.__(
        '%1 must be %2.',
        item.name,
        rangeText(item, contextLength, rules, trans)
      );
    } else if (checked !== null) {
      parameters[item.name] = checked;
    }
  }
  const hasErrors = Object.keys(errors).length > 0;
  return {
    errors,
    parameters: hasErrors ? null : (parameters as IInvocationParameters)
  };
}

/**
 * Valid values the server warns about (`warn_above`), with its reason: e.g. a temperature of 5 is accepted
 * but Llama 2 then produces gibberish. Only parameters that are sent count.
 */
export function parameterWarnings(
  values: IParameterValues,
  rules: IInferenceRules | null,
  trans: TranslationBundle
): ParameterErrors {
  const warnings: ParameterErrors = {};
  for (const item of rules?.parameters ?? []) {
    const limit = item.warn_above;
    if (!limit || !isParameterActive(item, values)) {
      continue;
    }
    const raw = (values as unknown as Record<string, unknown>)[item.name];
    const text = typeof raw === 'string' ? raw.trim() : '';
    const value = Number(text);
    if (text !== '' && Number.isFinite(value) && value > limit.value) {
      warnings[item.name] = trans.__(
        '%1 above %2: %3',
        item.name,
        limit.value,
        limit.reason
      );
    }
  }
  return warnings;
}

/** Characters per token assumed by the estimate (Llama's tokenizer averages about 4 on English text). */
export const CHARS_PER_TOKEN = 3.5;
/** Tokens added per chat message by the template ([INST], <<SYS>>, <s>…). */
export const CHAT_TOKENS_PER_MESSAGE = 8;

/** A rough, deliberately generous estimate of a prompt's tokens. */
export function estimateTokens(
  input: string | readonly IChatMessage[]
): number {
  if (typeof input === 'string') {
    return input.length === 0
      ? 0
      : Math.ceil(input.length / CHARS_PER_TOKEN) + 1;
  }
  let total = 1;
  for (const message of input) {
    total +=
      Math.ceil(message.content.length / CHARS_PER_TOKEN) +
      CHAT_TOKENS_PER_MESSAGE;
  }
  return total;
}

export interface IContextFit {
  promptTokens: number;
  maxNewTokens: number;
  limit: number;
  fits: boolean;
}

/** Whether the estimated prompt plus `max_new_tokens` fits the endpoint's context (`n_positions`). */
export function checkContextFit(
  input: string | readonly IChatMessage[],
  maxNewTokens: number,
  contextLength: number | null | undefined,
  rules: Pick<IInferenceRules, 'context_length'> | null
): IContextFit {
  const promptTokens = estimateTokens(input);
  const limit = contextLimit(contextLength, rules);
  return {
    promptTokens,
    maxNewTokens,
    limit,
    fits: promptTokens + maxNewTokens <= limit
  };
}
