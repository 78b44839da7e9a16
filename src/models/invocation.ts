/**
 * Rules of the "Try it" box (pure functions); the limits of `max_new_tokens` are the server's
 * (`rules.inference_parameters`).
 */
import { IInferenceRules, IInvocationResult } from '../api/types';
import { contextLimit } from './inferenceParameters';

/** The server's default `max_new_tokens` as the field shows it ("" until the rules are known). */
export function defaultMaxNewTokens(rules: IInferenceRules | null): string {
  const spec = rules?.parameters.find(item => item.name === 'max_new_tokens');
  return typeof spec?.default === 'number' ? String(spec.default) : '';
}

/**
 * Whether the model produced nothing: it ended at once (`finish_reason` "eos_immediately") or the text is
 * empty. Happens with instruction models given a bare question without their chat template.
 */
export function endedImmediately(
  result: Pick<IInvocationResult, 'finish_reason' | 'generated_text'>
): boolean {
  return (
    result.finish_reason === 'eos_immediately' ||
    result.generated_text.trim().length === 0
  );
}

export type MaxNewTokensProblem = 'not-integer' | 'too-small' | 'too-large';

/**
 * Check `max_new_tokens`: a whole number from 1 to the context length of the deployment
 * (`n_positions`, which covers prompt and answer together).
 */
export function validateMaxNewTokens(
  value: string,
  contextLength: number | null | undefined,
  rules: IInferenceRules
): MaxNewTokensProblem | null {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed)) {
    return 'not-integer';
  }
  const n = Number(trimmed);
  const spec = rules.parameters.find(item => item.name === 'max_new_tokens');
  if (n < (spec?.min ?? 1)) {
    return 'too-small';
  }
  if (n > maxNewTokensLimit(contextLength, rules)) {
    return 'too-large';
  }
  return null;
}

/** Upper bound of `max_new_tokens` for a deployment (its context length, else the server's). */
export function maxNewTokensLimit(
  contextLength: number | null | undefined,
  rules: Pick<IInferenceRules, 'context_length'> | null
): number {
  return contextLimit(contextLength, rules);
}

/** Output tokens per second over the whole request (null when unknown). */
export function tokensPerSecond(
  result: Pick<IInvocationResult, 'tokens_out' | 'latency_s'>
): number | null {
  const { tokens_out: tokens, latency_s: latency } = result;
  if (
    typeof tokens !== 'number' ||
    typeof latency !== 'number' ||
    !(latency > 0) ||
    tokens < 0
  ) {
    return null;
  }
  return tokens / latency;
}

/** The numbers shown under an answer; `clientTtft` (seconds, measured in the browser) fills a missing ttft. */
export interface IAnswerStats {
  latency_s: number | null;
  ttft_s: number | null;
  tokens_out: number | null;
  tokens_per_s: number | null;
  finish_reason: string | null;
}

export function answerStats(
  result: IInvocationResult,
  clientTtft: number | null = null
): IAnswerStats {
  const num = (value: unknown): number | null =>
    typeof value === 'number' && Number.isFinite(value) ? value : null;
  return {
    latency_s: num(result.latency_s),
    ttft_s: num(result.ttft_s) ?? clientTtft,
    tokens_out: num(result.tokens_out),
    tokens_per_s: tokensPerSecond(result),
    finish_reason: result.finish_reason || null
  };
}

/** The fallback note is shown when the server said so, or when a done answer was not streamed. */
export function fallbackOf(
  reason: string | null | undefined,
  result: IInvocationResult | undefined
): string | null {
  if (reason !== null && reason !== undefined) {
    return reason;
  }
  return result && result.streamed === false ? '' : null;
}
