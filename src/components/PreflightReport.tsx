import React from 'react';

import { IPreflightReport } from '../api/types';
import { usePanelServices } from '../context';
import { TokenHistogram } from './TokenHistogram';

export interface IPreflightReportProps {
  report: IPreflightReport;
  /** Apply the server's held-out suggestion (sets the held-out rows and re-runs). */
  onUseHoldoutSuggestion?: (count: number) => void;
}

/**
 * The preflight report, before any money is spent: record counts, errors with line numbers and what to
 * fix, three rendered samples, the token-length histogram against max_input_length, held-out prompts.
 */
export function PreflightReport(props: IPreflightReportProps): JSX.Element {
  const { trans } = usePanelServices();
  const { report } = props;
  const stats = report.token_stats;
  const suggestion = report.heldout_suggestion;
  const methodLabel =
    report.token_count_method === 'exact'
      ? trans.__('exact Llama 2 token counts')
      : trans.__('estimate');

  return (
    <section
      className="jp-LlamaNeuron-preflight"
      aria-label={trans.__('Preflight report')}
      data-testid="llama-neuron-preflight-report"
      data-ok={report.ok}
    >
      <p
        className={
          report.ok ? 'jp-LlamaNeuron-notice' : 'jp-LlamaNeuron-warning'
        }
        role="status"
      >
        {report.ok
          ? trans.__(
              'Ready to train: %1 valid records (%2 for training, %3 held out).',
              report.records,
              report.train_records,
              report.holdout
            )
          : report.error_count > 0
            ? trans._n(
                'The dataset has %1 error; fix it before training.',
                'The dataset has %1 errors; fix them before training.',
                report.error_count
              )
            : trans.__('The dataset holds no records.')}
      </p>

      <dl
        className="jp-LlamaNeuron-facts"
        data-testid="llama-neuron-preflight-counts"
      >
        <dt>{trans.__('Lines read')}</dt>
        <dd>{report.lines}</dd>
        <dt>{trans.__('Valid records')}</dt>
        <dd data-testid="llama-neuron-preflight-records">{report.records}</dd>
        <dt>{trans.__('Training records')}</dt>
        <dd>{report.train_records}</dd>
        <dt>{trans.__('Held out')}</dt>
        <dd>{report.holdout}</dd>
        {report.skipped_blank_lines > 0 && (
          <>
            <dt>{trans.__('Blank lines skipped')}</dt>
            <dd>{report.skipped_blank_lines}</dd>
          </>
        )}
        <dt>{trans.__('Errors')}</dt>
        <dd>{report.error_count}</dd>
        <dt>{trans.__('Token counts')}</dt>
        <dd data-testid="llama-neuron-token-method">{methodLabel}</dd>
        {stats.total > 0 && (
          <>
            <dt>{trans.__('Tokens per record')}</dt>
            <dd>
              {trans.__(
                'min %1 · median %2 · p95 %3 · max %4',
                stats.min ?? '—',
                stats.p50 ?? '—',
                stats.p95 ?? '—',
                stats.max ?? '—'
              )}
            </dd>
          </>
        )}
      </dl>
      {report.token_count_note && (
        <p className="jp-LlamaNeuron-muted">{report.token_count_note}</p>
      )}

      {report.errors.length > 0 && (
        <div className="jp-LlamaNeuron-table-scroll">
          <table
            className="jp-LlamaNeuron-table jp-LlamaNeuron-preflight-errors"
            data-testid="llama-neuron-preflight-errors"
          >
            <caption>
              {report.errors_truncated
                ? trans.__(
                    'Errors (the first %1 of %2)',
                    report.errors.length,
                    report.error_count
                  )
                : trans.__('Errors')}
            </caption>
            <thead>
              <tr>
                <th scope="col">{trans.__('Line')}</th>
                <th scope="col">{trans.__('Problem')}</th>
                <th scope="col">{trans.__('How to fix it')}</th>
              </tr>
            </thead>
            <tbody>
              {report.errors.map((error, index) => (
                <tr
                  key={`${error.line ?? 'file'}-${index}`}
                  data-line={error.line ?? ''}
                  data-code={error.code}
                >
                  <td>{error.line ?? trans.__('file')}</td>
                  <td>
                    {error.message}{' '}
                    <code className="jp-LlamaNeuron-muted">{error.code}</code>
                  </td>
                  <td>{error.hint}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {report.records > 0 && (
        <TokenHistogram
          bins={report.histogram}
          maxInputLength={report.max_input_length}
          truncatedShare={report.truncated_share}
          truncatedRecords={report.truncated_records}
          method={report.token_count_method}
        />
      )}

      {report.samples.length > 0 && (
        <section aria-label={trans.__('Rendered samples')}>
          <h4>{trans.__('Rendered samples (what the model is trained on)')}</h4>
          {report.samples.map(sample => (
            <div
              key={sample.line}
              className="jp-LlamaNeuron-sample"
              data-testid="llama-neuron-preflight-sample"
            >
              <p className="jp-LlamaNeuron-muted">
                {trans.__('Line %1 · %2 tokens', sample.line, sample.tokens)}
              </p>
              <pre className="jp-LlamaNeuron-pre">{sample.text}</pre>
            </div>
          ))}
        </section>
      )}

      {suggestion && suggestion.note && (
        <p
          className="jp-LlamaNeuron-muted"
          data-testid="llama-neuron-holdout-note"
        >
          {suggestion.note}{' '}
          {report.holdout === 0 &&
            suggestion.count > 0 &&
            props.onUseHoldoutSuggestion && (
              <button
                type="button"
                className="jp-LlamaNeuron-link-button"
                onClick={() => props.onUseHoldoutSuggestion?.(suggestion.count)}
              >
                {trans.__('Hold out %1 rows', suggestion.count)}
              </button>
            )}
        </p>
      )}
    </section>
  );
}
