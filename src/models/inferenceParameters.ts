/**
 * The inference parameters of the Llama 2 Neuron endpoints (pure functions, no UI): their defaults, valid
 * ranges, a validator with one message per field naming the range, and a context-length check.
 *
 * Ranges follow the JumpStart notebook's "Supported Inference Parameters" (and the server's
 * `inference_parameters.py`); lengths are capped by the endpoint's `n_positions`. The server validates
 * again and exactly; this module only warns before anything is sent.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { IChatMessage, IInvocationParameters } from '../api/types';
import { MAX_CONTEXT_TOKENS } from './invocation';

export type ParameterName =
  | 'max_new_tokens'
  | 'max_length'
  | 'temperature'
  | 'top_p'
  | 'top_k'
  | 'do_sample'
  | 'num_beams'
  | 'no_repeat_ngram_size'
  | 'early_stopping'
  | 'stop'
  | 'return_full_text';

export type ParameterKind = 'int' | 'float' | 'bool' | 'stop';

export const MAX_STOP_SEQUENCES = 4;

/** Parameters that only apply when `do_sample` is on (not sent otherwise). */
export const SAMPLING_PARAMETERS: ReadonlySet<ParameterName> = new Set([
  'temperature',
  'top_p',
  'top_k'
]);

export interface IParameterSpec {
  name: ParameterName;
  kind: ParameterKind;
  /** The default shown in the form ("" = not sent). */
  defaultValue: string | boolean;
  min: number | null;
  max: number | null;
  exclusiveMin: boolean;
  exclusiveMax: boolean;
  /** Maximum is the endpoint's context length (`n_positions`). */
  cappedByContext: boolean;
  /** May be left empty (then not sent). */
  optional: boolean;
}

function spec(
  name: ParameterName,
  kind: ParameterKind,
  defaultValue: string | boolean,
  options: Partial<IParameterSpec> = {}
): IParameterSpec {
  return {
    name,
    kind,
    defaultValue,
    min: null,
    max: null,
    exclusiveMin: false,
    exclusiveMax: false,
    cappedByContext: false,
    optional: true,
    ...options
  };
}

/** Every supported parameter, in the order of the form. */
export const PARAMETER_SPECS: readonly IParameterSpec[] = [
  spec('max_new_tokens', 'int', '64', {
    min: 1,
    cappedByContext: true,
    optional: false
  }),
  spec('do_sample', 'bool', false),
  spec('temperature', 'float', '0.6', { min: 0, exclusiveMin: true }),
  spec('top_p', 'float', '0.9', {
    min: 0,
    max: 1,
    exclusiveMin: true,
    exclusiveMax: true
  }),
  spec('top_k', 'int', '', { min: 1 }),
  spec('num_beams', 'int', '', { min: 1 }),
  spec('early_stopping', 'bool', false),
  spec('no_repeat_ngram_size', 'int', '', { min: 2 }),
  spec('max_length', 'int', '', { min: 1, cappedByContext: true }),
  spec('stop', 'stop', ''),
  spec('return_full_text', 'bool', false)
];

export function parameterSpec(name: ParameterName): IParameterSpec {
  const found = PARAMETER_SPECS.find(item => item.name === name);
  if (!found) {
    throw new Error(`Unknown parameter ${name}`);
  }
  return found;
}

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

export function defaultParameterValues(): IParameterValues {
  const values: Record<string, string | boolean> = {};
  for (const item of PARAMETER_SPECS) {
    values[item.name] = item.defaultValue;
  }
  return values as unknown as IParameterValues;
}

/** The form values that reproduce a request's parameters (history re-use). */
export function valuesFromParameters(
  parameters: IInvocationParameters
): IParameterValues {
  const values = defaultParameterValues();
  const doSample = parameters.do_sample === true;
  values.do_sample = doSample;
  for (const item of PARAMETER_SPECS) {
    const raw = (parameters as Record<string, unknown>)[item.name];
    if (item.kind === 'bool') {
      (values as unknown as Record<string, unknown>)[item.name] = raw === true;
    } else if (item.kind === 'stop') {
      values.stop = Array.isArray(raw) ? raw.join('\n') : '';
    } else if (typeof raw === 'number') {
      (values as unknown as Record<string, unknown>)[item.name] = String(raw);
    } else if (!SAMPLING_PARAMETERS.has(item.name) || doSample) {
      // Not in the request: empty, except sampling values kept at their defaults while sampling is off.
      (values as unknown as Record<string, unknown>)[item.name] =
        item.name === 'max_new_tokens' ? item.defaultValue : '';
    }
  }
  return values;
}

/** Largest value of a parameter capped by the context length. */
export function contextLimit(contextLength: number | null | undefined): number {
  return typeof contextLength === 'number' && contextLength > 0
    ? contextLength
    : MAX_CONTEXT_TOKENS;
}

function formatNumber(value: number): string {
  return String(value);
}

/** The valid range of a parameter in words, e.g. "a whole number from 1 to 4096". */
export function rangeText(
  item: IParameterSpec,
  contextLength: number | null | undefined,
  trans: TranslationBundle
): string {
  if (item.kind === 'bool') {
    return trans.__('on or off');
  }
  if (item.kind === 'stop') {
    return trans.__(
      'up to %1 non-empty strings, one per line',
      MAX_STOP_SEQUENCES
    );
  }
  const max = item.cappedByContext ? contextLimit(contextLength) : item.max;
  const min = item.min;
  const integer = item.kind === 'int';
  let text: string;
  if (min !== null && max !== null) {
    if (item.exclusiveMin && item.exclusiveMax) {
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
    if (item.exclusiveMin) {
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
  name: ParameterName,
  values: Pick<IParameterValues, 'do_sample'>
): boolean {
  return !SAMPLING_PARAMETERS.has(name) || values.do_sample;
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
  item: IParameterSpec,
  raw: string,
  contextLength: number | null | undefined
): number | null | 'invalid' {
  const text = raw.trim();
  if (text === '') {
    return item.optional ? null : 'invalid';
  }
  const integer = item.kind === 'int';
  if (!(integer ? INTEGER_PATTERN : NUMBER_PATTERN).test(text)) {
    return 'invalid';
  }
  const value = Number(text);
  if (!Number.isFinite(value)) {
    return 'invalid';
  }
  const max = item.cappedByContext ? contextLimit(contextLength) : item.max;
  if (
    item.min !== null &&
    (value < item.min || (item.exclusiveMin && value === item.min))
  ) {
    return 'invalid';
  }
  if (max !== null && (value > max || (item.exclusiveMax && value === max))) {
    return 'invalid';
  }
  return value;
}

/**
 * Check the form and build the `parameters` of a request. Sampling values (temperature, top_p, top_k)
 * are checked and sent only when `do_sample` is on; booleans are sent only when on.
 */
export function validateParameters(
  values: IParameterValues,
  contextLength: number | null | undefined,
  trans: TranslationBundle
): IParameterValidation {
  const errors: ParameterErrors = {};
  const parameters: Record<string, unknown> = {};
  for (const item of PARAMETER_SPECS) {
    if (!isParameterActive(item.name, values)) {
      continue;
    }
    const raw = (values as unknown as Record<string, unknown>)[item.name];
    if (item.kind === 'bool') {
      if (raw === true) {
        parameters[item.name] = true;
      }
      continue;
    }
    if (item.kind === 'stop') {
      const stop = parseStopSequences(String(raw ?? ''));
      if (stop.length > MAX_STOP_SEQUENCES) {
        errors.stop = trans.__(
          'stop: at most %1 sequences (got %2).',
          MAX_STOP_SEQUENCES,
          stop.length
        );
      } else if (stop.length > 0) {
        parameters.stop = stop;
      }
      continue;
    }
    const checked = checkNumber(item, String(raw ?? ''), contextLength);
    if (checked === 'invalid') {
      errors[item.name] = trans.__(
        '%1 must be %2.',
        item.name,
        rangeText(item, contextLength, trans)
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
  contextLength: number | null | undefined
): IContextFit {
  const promptTokens = estimateTokens(input);
  const limit = contextLimit(contextLength);
  return {
    promptTokens,
    maxNewTokens,
    limit,
    fits: promptTokens + maxNewTokens <= limit
  };
}
