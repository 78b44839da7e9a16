import React from 'react';

import { ApiRequestError } from '../api/client';
import { IInvocationResult } from '../api/types';
import { usePanelServices } from '../context';
import { AnswerStats } from './AnswerStats';
import { ErrorBanner } from './ErrorBanner';

/** The state of a prompt-mode answer in the Playground. */
export type PromptRun =
  | { kind: 'idle' }
  | { kind: 'running'; text: string; fallback: string | null }
  | {
      kind: 'done';
      result: IInvocationResult;
      fallback: string | null;
    }
  | { kind: 'stopped'; text: string }
  | { kind: 'error'; text: string; error: ApiRequestError };

export interface IPromptResultProps {
  run: PromptRun;
}

/** A prompt-mode answer: streamed text, the fallback note, Stopped, the error, or the stats. */
export function PromptResult(props: IPromptResultProps): JSX.Element {
  const { trans } = usePanelServices();
  const { run } = props;
  return (
    <div className="jp-LlamaNeuron-playground-result" aria-live="polite">
      {run.kind !== 'idle' && (
        <pre
          className="jp-LlamaNeuron-pre jp-LlamaNeuron-answer"
          data-testid="llama-neuron-playground-output"
          data-state={run.kind}
        >
          {run.kind === 'done' ? run.result.generated_text : run.text}
          {run.kind === 'running' && (
            <span
              className="jp-LlamaNeuron-spinner"
              aria-label={trans.__('Answering…')}
            />
          )}
        </pre>
      )}
      {run.kind === 'running' && run.fallback !== null && (
        <p
          className="jp-LlamaNeuron-muted"
          data-testid="llama-neuron-playground-fallback"
        >
          {trans.__(
            'This endpoint cannot stream; waiting for the whole answer…'
          )}
        </p>
      )}
      {run.kind === 'stopped' && (
        <p className="jp-LlamaNeuron-muted">{trans.__('Stopped.')}</p>
      )}
      {run.kind === 'error' && (
        <ErrorBanner
          error={run.error}
          title={trans.__('The endpoint did not answer')}
        />
      )}
      {run.kind === 'done' && (
        <AnswerStats
          result={run.result}
          fallbackReason={run.fallback}
          testId="llama-neuron-playground-stats"
        />
      )}
    </div>
  );
}
