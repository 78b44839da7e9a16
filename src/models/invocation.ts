/**
 * Rules of the "Try it" box (pure functions).
 */
import { IInvocationResult } from '../api/types';

/** Llama 2's largest context; used when the endpoint's configuration is unknown. */
export const MAX_CONTEXT_TOKENS = 4096;
export const DEFAULT_MAX_NEW_TOKENS = 64;

/**
 * Whether the model produced nothing: it ended at once (`finish_reason` "eos_immediately") or the text is
 * empty. Happens with instruction models given a bare question without their chat template.
 */
export function endedImmediately(result: IInvocationResult): boolean {
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
  contextLength: number | null | undefined
): MaxNewTokensProblem | null {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed)) {
    return 'not-integer';
  }
  const n = Number(trimmed);
  if (n < 1) {
    return 'too-small';
  }
  if (n > maxNewTokensLimit(contextLength)) {
    return 'too-large';
  }
  return null;
}

/** Upper bound of `max_new_tokens` for a deployment. */
export function maxNewTokensLimit(
  contextLength: number | null | undefined
): number {
  return typeof contextLength === 'number' && contextLength > 0
    ? contextLength
    : MAX_CONTEXT_TOKENS;
}
