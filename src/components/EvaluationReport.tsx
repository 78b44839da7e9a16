import { Button } from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import { ApiRequestError, toApiRequestError } from '../api/client';
import {
  EvaluationExportFormat,
  IEvaluation,
  IEvaluationsApi
} from '../api/evaluations';
import { usePanelServices } from '../context';
import {
  isEvaluationRunning,
  progressFraction
} from '../models/evaluationModel';
import { formatDateTime } from '../models/format';
import { ErrorBanner } from './ErrorBanner';
import { EvaluationBarChart } from './EvaluationBarChart';
import { EvaluationRowsTable } from './EvaluationRowsTable';
import { EvaluationSummary } from './EvaluationSummary';
import { OPEN_DOCUMENT_COMMAND } from './OpenNotebookButton';

export interface IEvaluationReportProps {
  evaluation: IEvaluation;
  api: IEvaluationsApi;
  onStop: () => void;
}

/** Save text as a file through a temporary Blob link. */
function download(text: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * One evaluation: status and progress (rows done / total) with Stop while it runs; once finished the
 * summary table, the bar chart, exports (Markdown, CSV, Bedrock JSON Lines per endpoint) and "Open
 * notebook"; and the rows answered so far.
 */
export function EvaluationReport(props: IEvaluationReportProps): JSX.Element {
  const { commands, trans } = usePanelServices();
  const { evaluation, api } = props;
  const [error, setError] = useState<ApiRequestError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const running = isEvaluationRunning(evaluation);
  const { done, total } = evaluation.progress;
  const percent = Math.round(progressFraction(evaluation.progress) * 100);

  const act = async (
    key: string,
    action: () => Promise<void>
  ): Promise<void> => {
    setBusy(key);
    setError(null);
    try {
      await action();
    } catch (reason) {
      setError(toApiRequestError(reason));
    } finally {
      setBusy(null);
    }
  };
  const exportAs = (format: EvaluationExportFormat, endpoint?: string): void =>
    void act(`${format}-${endpoint ?? ''}`, async () => {
      const file = await api.exportEvaluation(evaluation.id, format, endpoint);
      download(file.text, file.fileName, file.contentType);
    });
  const openNotebook = (): void =>
    void act('notebook', async () => {
      const { path } = await api.createEvaluationNotebook(evaluation.id);
      await commands?.execute(OPEN_DOCUMENT_COMMAND, { path });
    });

  return (
    <section
      className="jp-LlamaNeuron-evaluation-report"
      aria-labelledby="jp-LlamaNeuron-evaluation-title"
      data-testid="llama-neuron-evaluation-report"
      data-status={evaluation.status}
      data-evaluation={evaluation.id}
    >
      <h3 id="jp-LlamaNeuron-evaluation-title">
        {trans.__('Evaluation %1', evaluation.id)}
      </h3>
      <p className="jp-LlamaNeuron-muted">
        {[
          evaluation.endpoints.map(endpoint => endpoint.name).join(' vs '),
          evaluation.training_job
            ? trans.__('training job %1', evaluation.training_job)
            : null,
          trans.__('started %1', formatDateTime(evaluation.created_at))
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      <div className="jp-LlamaNeuron-status-line">
        <span
          className="jp-LlamaNeuron-status"
          data-status={evaluation.status}
          data-testid="llama-neuron-evaluation-status"
        >
          {evaluation.status}
        </span>
        <progress
          className="jp-LlamaNeuron-evaluation-progress"
          max={Math.max(1, total)}
          value={done}
          aria-label={trans.__('Rows answered')}
        />
        <span data-testid="llama-neuron-evaluation-progress">
          {trans.__('%1 / %2 rows (%3%)', done, total, percent)}
        </span>
        {running && (
          <Button
            className="jp-mod-styled jp-mod-warn"
            onClick={props.onStop}
            data-testid="llama-neuron-evaluation-stop"
          >
            {trans.__('Stop')}
          </Button>
        )}
      </div>
      {evaluation.reason && (
        <p
          className="jp-LlamaNeuron-muted"
          data-testid="llama-neuron-evaluation-reason"
        >
          {evaluation.reason}
        </p>
      )}
      {evaluation.errors > 0 && (
        <p className="jp-LlamaNeuron-muted">
          {trans._n(
            '%1 row got an error instead of an answer and is left out of the scores.',
            '%1 rows got an error instead of an answer and are left out of the scores.',
            evaluation.errors
          )}
        </p>
      )}
      {!running && evaluation.summary && (
        <>
          <EvaluationSummary evaluation={evaluation} />
          <EvaluationBarChart evaluation={evaluation} />
          <div
            className="jp-LlamaNeuron-actions"
            role="group"
            aria-label={trans.__('Export the report')}
          >
            <Button
              className="jp-mod-styled"
              disabled={busy !== null}
              onClick={() => exportAs('markdown')}
              data-testid="llama-neuron-evaluation-export-markdown"
            >
              {trans.__('Markdown')}
            </Button>
            <Button
              className="jp-mod-styled"
              disabled={busy !== null}
              onClick={() => exportAs('csv')}
              data-testid="llama-neuron-evaluation-export-csv"
            >
              {trans.__('CSV')}
            </Button>
            {evaluation.endpoints.map(endpoint => (
              <Button
                key={endpoint.name}
                className="jp-mod-styled"
                disabled={busy !== null}
                title={trans.__(
                  'JSON Lines for an Amazon Bedrock model evaluation job with your own inference responses (modelIdentifier %1)',
                  endpoint.name
                )}
                onClick={() => exportAs('bedrock', endpoint.name)}
                data-testid="llama-neuron-evaluation-export-bedrock"
              >
                {trans.__('Bedrock JSONL: %1', endpoint.name)}
              </Button>
            ))}
            <Button
              className="jp-mod-styled"
              disabled={busy !== null}
              onClick={openNotebook}
              data-testid="llama-neuron-evaluation-notebook"
            >
              {busy === 'notebook'
                ? trans.__('Writing notebook…')
                : trans.__('Open notebook')}
            </Button>
          </div>
        </>
      )}
      {error && (
        <ErrorBanner
          error={error}
          title={trans.__('That did not work')}
          onDismiss={() => setError(null)}
        />
      )}
      {evaluation.rows.length > 0 && (
        <EvaluationRowsTable evaluation={evaluation} />
      )}
    </section>
  );
}
