import React from 'react';

import { EvaluationMetric, IEvaluationOverview } from '../api/evaluations';
import { usePanelServices } from '../context';
import {
  formatDifference,
  formatInterval,
  METRIC_ORDER
} from '../models/evaluationModel';
import { formatSeconds } from '../models/format';

export interface IEvaluationSummaryProps {
  evaluation: IEvaluationOverview;
}

/**
 * Per endpoint each metric's mean with its bootstrap 95 % interval, latency and tokens per answer; with
 * two endpoints the paired difference (second minus first) and the ROUGE-L win / tie / loss count.
 */
export function EvaluationSummary(props: IEvaluationSummaryProps): JSX.Element {
  const { trans } = usePanelServices();
  const { evaluation } = props;
  const metrics = METRIC_ORDER.filter(m => evaluation.metrics.includes(m));
  const labels: Record<EvaluationMetric, string> = {
    exact_match: trans.__('Exact match'),
    token_f1: trans.__('Token F1'),
    rouge_l: trans.__('ROUGE-L')
  };
  const summary = evaluation.summary ?? {};
  const differences = evaluation.differences;
  const wins = evaluation.wins;
  const names = evaluation.endpoints.map(endpoint => endpoint.name);

  return (
    <div className="jp-LlamaNeuron-table-scroll">
      <table
        className="jp-LlamaNeuron-table jp-LlamaNeuron-evaluation-summary"
        data-testid="llama-neuron-evaluation-summary"
      >
        <caption className="jp-LlamaNeuron-muted">
          {trans.__(
            'Mean in %, bootstrap 95% interval in brackets, over %1 scored rows.',
            evaluation.scored_rows ?? 0
          )}
        </caption>
        <thead>
          <tr>
            <th scope="col">{trans.__('Endpoint')}</th>
            {metrics.map(metric => (
              <th scope="col" key={metric}>
                {labels[metric]}
              </th>
            ))}
            <th scope="col">{trans.__('Latency / answer')}</th>
            <th scope="col">{trans.__('Tokens / answer')}</th>
          </tr>
        </thead>
        <tbody>
          {names.map(name => {
            const usage = evaluation.latency?.[name];
            return (
              <tr key={name} data-endpoint={name}>
                <th scope="row">{name}</th>
                {metrics.map(metric => (
                  <td
                    key={metric}
                    data-testid={`llama-neuron-evaluation-${metric}`}
                    data-mean={summary[name]?.[metric]?.mean ?? ''}
                  >
                    {formatInterval(summary[name]?.[metric])}
                  </td>
                ))}
                <td>
                  {usage?.mean_latency_s !== null &&
                  usage?.mean_latency_s !== undefined
                    ? formatSeconds(usage.mean_latency_s, trans)
                    : '–'}
                </td>
                <td>{usage?.mean_tokens_out ?? '–'}</td>
              </tr>
            );
          })}
          {differences && names.length === 2 && (
            <tr data-testid="llama-neuron-evaluation-difference">
              <th scope="row">
                {trans.__('%1 − %2 (points)', names[1], names[0])}
              </th>
              {metrics.map(metric => (
                <td
                  key={metric}
                  data-excludes-zero={String(
                    differences[metric]?.excludes_zero ?? false
                  )}
                >
                  {formatDifference(differences[metric])}
                  {differences[metric]?.excludes_zero && (
                    <span className="jp-LlamaNeuron-muted">
                      {' '}
                      {trans.__('(excludes 0)')}
                    </span>
                  )}
                </td>
              ))}
              <td />
              <td />
            </tr>
          )}
        </tbody>
      </table>
      {wins && (
        <p data-testid="llama-neuron-evaluation-wins">
          {trans.__(
            '%1 against %2 on %3 per row: %4 wins, %5 ties, %6 losses.',
            wins.endpoint,
            wins.against,
            labels[wins.metric],
            wins.wins,
            wins.ties,
            wins.losses
          )}
        </p>
      )}
    </div>
  );
}
