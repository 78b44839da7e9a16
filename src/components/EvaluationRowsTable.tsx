import React from 'react';

import { IEvaluation, IEvaluationAnswer } from '../api/evaluations';
import { usePanelServices } from '../context';
import { formatScore, rowsByDifference } from '../models/evaluationModel';
import { formatSeconds } from '../models/format';

export interface IEvaluationRowsTableProps {
  evaluation: IEvaluation;
}

/**
 * Every row: prompt, reference, each endpoint's answer with its scores, latency and tokens; the rows
 * where the two endpoints differ most come first.
 */
export function EvaluationRowsTable(
  props: IEvaluationRowsTableProps
): JSX.Element {
  const { trans } = usePanelServices();
  const { evaluation } = props;
  const rows = rowsByDifference(evaluation.rows);

  const answerCell = (answer: IEvaluationAnswer): JSX.Element => {
    if (answer.error) {
      return (
        <td className="jp-LlamaNeuron-compare-cell jp-LlamaNeuron-evaluation-error">
          {answer.error}
        </td>
      );
    }
    const scores = answer.scores ?? {};
    return (
      <td className="jp-LlamaNeuron-compare-cell">
        <span className="jp-LlamaNeuron-compare-text">{answer.text}</span>
        <span className="jp-LlamaNeuron-compare-stats jp-LlamaNeuron-muted">
          {[
            trans.__('EM %1', formatScore(scores.exact_match)),
            trans.__('F1 %1', formatScore(scores.token_f1)),
            trans.__('ROUGE-L %1', formatScore(scores.rouge_l)),
            answer.latency_s !== null
              ? formatSeconds(answer.latency_s, trans)
              : null,
            answer.tokens_out !== null
              ? trans._n('%1 token', '%1 tokens', answer.tokens_out)
              : null
          ]
            .filter(Boolean)
            .join(' · ')}
        </span>
      </td>
    );
  };

  return (
    <div className="jp-LlamaNeuron-table-scroll">
      <table
        className="jp-LlamaNeuron-table jp-LlamaNeuron-compare-table"
        data-testid="llama-neuron-evaluation-rows"
      >
        <caption className="jp-LlamaNeuron-muted">
          {evaluation.endpoints.length === 2
            ? trans.__(
                'Rows where the two endpoints differ most first (by ROUGE-L, then token F1).'
              )
            : trans.__('Rows in order.')}
        </caption>
        <thead>
          <tr>
            <th scope="col" className="jp-LlamaNeuron-evaluation-index">
              #
            </th>
            <th scope="col">{trans.__('Prompt')}</th>
            <th scope="col">{trans.__('Reference')}</th>
            {evaluation.endpoints.map(endpoint => (
              <th scope="col" key={endpoint.name}>
                {endpoint.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(row => (
            <tr
              key={row.index}
              data-testid="llama-neuron-evaluation-row"
              data-index={row.index}
            >
              <td>{row.index + 1}</td>
              <th scope="row" className="jp-LlamaNeuron-compare-prompt">
                {row.prompt}
              </th>
              <td className="jp-LlamaNeuron-compare-cell">{row.reference}</td>
              {row.answers.map(answer => (
                <React.Fragment key={answer.endpoint}>
                  {answerCell(answer)}
                </React.Fragment>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
