import React from 'react';

import { usePanelServices } from '../context';
import { ICompareLabels, ICompareRow } from '../models/compareExport';
import { CompareAnswerCell } from './CompareAnswerCell';

export interface ICompareTableProps {
  rows: readonly ICompareRow[];
  labels: ICompareLabels;
}

/** The comparison's results: one row per prompt, answers A and B side by side. */
export function CompareTable(props: ICompareTableProps): JSX.Element {
  const { trans } = usePanelServices();
  const { rows, labels } = props;
  return (
    <div className="jp-LlamaNeuron-table-scroll">
      <table
        className="jp-LlamaNeuron-table jp-LlamaNeuron-compare-table"
        data-testid="llama-neuron-compare-table"
      >
        <thead>
          <tr>
            <th scope="col">{trans.__('Prompt')}</th>
            <th scope="col">{trans.__('Answer A: %1', labels.a)}</th>
            <th scope="col">{trans.__('Answer B: %1', labels.b)}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr
              key={index}
              data-testid="llama-neuron-compare-row"
              data-index={index}
            >
              <th scope="row" className="jp-LlamaNeuron-compare-prompt">
                {row.prompt}
              </th>
              <CompareAnswerCell cell={row.a} side="a" />
              <CompareAnswerCell cell={row.b} side="b" />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
