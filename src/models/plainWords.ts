/**
 * What the server says in technical terms, said in an analyst's words. The technical value stays one
 * click (or hover) away in the views; these helpers give the sentence shown first.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { IInvocationParameters, IStatus } from '../api/types';

/** "Up to 64 new tokens · temperature 0.6 · top_p 0.9" for an example prompt's parameters. */
export function exampleParametersText(
  parameters: IInvocationParameters | null | undefined,
  trans: TranslationBundle
): string {
  if (!parameters) {
    return '';
  }
  const pieces: string[] = [];
  if (typeof parameters.max_new_tokens === 'number') {
    pieces.push(
      trans._n(
        'Up to %1 new token',
        'Up to %1 new tokens',
        parameters.max_new_tokens
      )
    );
  }
  for (const [name, value] of Object.entries(parameters)) {
    if (name === 'max_new_tokens' || value === undefined || value === null) {
      continue;
    }
    if (typeof value === 'boolean') {
      pieces.push(value ? name : trans.__('no %1', name));
    } else if (Array.isArray(value)) {
      pieces.push(trans.__('%1: %2', name, value.join(', ')));
    } else {
      pieces.push(`${name} ${value}`);
    }
  }
  return pieces.join(' · ');
}

/** Why an answer ended, in words; unknown reasons are shown as they are. */
export function finishReasonText(
  reason: string,
  trans: TranslationBundle
): string {
  switch (reason) {
    case 'length':
      return trans.__('stopped at the token limit (max_new_tokens)');
    case 'eos':
    case 'eos_token':
      return trans.__('the model finished its answer');
    case 'eos_immediately':
      return trans.__('the model ended at once, without text');
    case 'stop':
    case 'stop_sequence':
      return trans.__('stopped at one of your stop strings');
    case 'cancelled':
      return trans.__('stopped by you');
    default:
      return reason;
  }
}

/** The header's one-line explanation of why this backend was chosen (the raw reason is a click away). */
export function backendReasonSummary(
  status: Pick<IStatus, 'backend' | 'backend_choice' | 'reason'>,
  trans: TranslationBundle
): string | null {
  if (!status.reason) {
    return null;
  }
  if (status.backend === 'local') {
    return status.backend_choice === 'local'
      ? trans.__(
          'Local mode was chosen in the settings: models run on this computer and nothing is charged.'
        )
      : trans.__(
          'No AWS account could be reached from this computer, so models run here (local mode) and nothing is charged.'
        );
  }
  return status.backend_choice === 'sagemaker'
    ? trans.__(
        'SageMaker was chosen in the settings: endpoints are created in your AWS account and cost money while they run.'
      )
    : trans.__(
        'AWS credentials were found: endpoints are created in your AWS account and cost money while they run.'
      );
}

/**
 * A training job's second status, when it says more than the first ("Completed Completed" says nothing);
 * null otherwise.
 */
export function secondaryStatusText(
  status: string,
  secondary: string | null | undefined
): string | null {
  if (!secondary || secondary.trim().toLowerCase() === status.toLowerCase()) {
    return null;
  }
  return secondary;
}

/** Why an answer can be empty, and what to try instead (Playground and Compare say the same). */
export function emptyAnswerText(trans: TranslationBundle): string {
  return trans.__(
    "The model ended immediately without text. Try a completion-style prompt such as 'The capital of France is', or use a chat model."
  );
}
