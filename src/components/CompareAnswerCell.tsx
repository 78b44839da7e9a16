import React from 'react';

import { usePanelServices } from '../context';
import { cellText, ICompareCell } from '../models/compareExport';
import { formatSeconds } from '../models/format';
import { emptyAnswerText } from '../models/plainWords';

export interface ICompareAnswerCellProps {
  cell: ICompareCell;
  side: 'a' | 'b';
}

/** One answer of the comparison table: the text (or error), its state, latency and tokens. */
export function CompareAnswerCell(props: ICompareAnswerCellProps): JSX.Element {
  const { trans } = usePanelServices();
  const { cell, side } = props;
  return (
    <td
      className="jp-LlamaNeuron-compare-cell"
      data-testid={`llama-neuron-compare-answer-${side}`}
      data-status={cell.status}
    >
      {cell.status === 'error' ? (
        <span className="jp-LlamaNeuron-field-error">{cellText(cell)}</span>
      ) : (
        <span className="jp-LlamaNeuron-compare-text">{cell.text}</span>
      )}
      {cell.status === 'running' && (
        <span
          className="jp-LlamaNeuron-spinner"
          aria-label={trans.__('Answering…')}
        />
      )}
      {cell.status === 'pending' && (
        <span className="jp-LlamaNeuron-muted">{trans.__('waiting')}</span>
      )}
      {cell.status === 'stopped' && (
        <span className="jp-LlamaNeuron-muted"> {trans.__('(stopped)')}</span>
      )}
      {cell.status === 'done' && !cell.text.trim() && (
        <span
          className="jp-LlamaNeuron-notice jp-LlamaNeuron-compare-empty"
          data-testid={`llama-neuron-compare-empty-${side}`}
        >
          {emptyAnswerText(trans)}
        </span>
      )}
      {cell.status === 'done' && (
        <span
          className="jp-LlamaNeuron-muted jp-LlamaNeuron-compare-stats"
          data-testid={`llama-neuron-compare-stats-${side}`}
        >
          {[
            cell.latency_s !== null
              ? formatSeconds(cell.latency_s, trans)
              : null,
            cell.tokens_out !== null
              ? trans._n('%1 token', '%1 tokens', cell.tokens_out)
              : null
          ]
            .filter(Boolean)
            .join(' · ')}
        </span>
      )}
    </td>
  );
}
