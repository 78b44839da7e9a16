import React from 'react';

import { IInvocationResult } from '../api/types';
import { usePanelServices } from '../context';
import { formatSeconds } from '../models/format';
import { answerStats, endedImmediately } from '../models/invocation';
import { emptyAnswerText, finishReasonText } from '../models/plainWords';

export interface IAnswerStatsProps {
  result: IInvocationResult;
  /** Seconds to the first token measured in the browser (used when the server sent none). */
  clientTtft?: number | null;
  /** The server could not stream and sent one response; its reason. */
  fallbackReason?: string | null;
  /** data-testid of the stats line. */
  testId: string;
}

/**
 * Under an answer: a note when it came in one piece instead of streaming, the explanation of an empty
 * answer, and latency, time to first token, tokens out and tokens per second.
 */
export function AnswerStats(props: IAnswerStatsProps): JSX.Element {
  const { trans } = usePanelServices();
  const { result } = props;
  const stats = answerStats(result, props.clientTtft ?? null);
  const fellBack =
    props.fallbackReason !== undefined && props.fallbackReason !== null;
  const pieces = [
    stats.latency_s !== null
      ? trans.__('Latency %1', formatSeconds(stats.latency_s, trans))
      : null,
    stats.ttft_s !== null
      ? trans.__('first token after %1', formatSeconds(stats.ttft_s, trans))
      : null,
    stats.tokens_out !== null
      ? trans._n('%1 token out', '%1 tokens out', stats.tokens_out)
      : null,
    stats.tokens_per_s !== null
      ? trans.__('%1 tokens/s', stats.tokens_per_s.toFixed(1))
      : null
  ].filter((piece): piece is string => piece !== null);

  return (
    <div className="jp-LlamaNeuron-answer-footer">
      {fellBack && (
        <p
          className="jp-LlamaNeuron-muted jp-LlamaNeuron-fallback-note"
          data-testid="llama-neuron-playground-fallback"
        >
          {props.fallbackReason
            ? trans.__(
                'This endpoint cannot stream; the answer came as one response (%1).',
                props.fallbackReason
              )
            : trans.__(
                'This endpoint cannot stream; the answer came as one response.'
              )}
        </p>
      )}
      {endedImmediately(result) && (
        <p
          className="jp-LlamaNeuron-notice"
          data-testid="llama-neuron-playground-empty"
        >
          {emptyAnswerText(trans)}
        </p>
      )}
      <p className="jp-LlamaNeuron-muted" data-testid={props.testId}>
        {pieces.join(' · ')}
        {stats.finish_reason && (
          <>
            {pieces.length > 0 ? ' · ' : ''}
            <span
              title={trans.__('finish_reason: %1', stats.finish_reason)}
              data-finish-reason={stats.finish_reason}
            >
              {finishReasonText(stats.finish_reason, trans)}
            </span>
          </>
        )}
      </p>
    </div>
  );
}
