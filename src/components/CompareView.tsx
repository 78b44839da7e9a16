import { Clipboard, Notification } from '@jupyterlab/apputils';
import { Button } from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';

import { toApiRequestError } from '../api/client';
import {
  IEndpoint,
  IInvocationParameters,
  IInvocationRequest,
  IModelSummary
} from '../api/types';
import { usePanelServices, useServerRules } from '../context';
import { useSignal } from '../hooks';
import { isChatEndpoint } from '../models/chatState';
import {
  exportFileName,
  formatPromptLines,
  ICompareCell,
  ICompareLabels,
  ICompareRow,
  newRows,
  parsePromptJsonLines,
  parsePromptLines,
  progress,
  toCsv,
  toMarkdown
} from '../models/compareExport';
import {
  defaultParameterValues,
  IParameterValues,
  validateParameters
} from '../models/inferenceParameters';
import { ICompareRequest, IEvaluateRequest } from '../models/panelNavigator';
import { CompareTable } from './CompareTable';
import { EndpointPicker } from './EndpointPicker';
import { OpenNotebookButton } from './OpenNotebookButton';
import { ParameterPanel } from './ParameterPanel';

export interface ICompareViewProps {
  /** The catalog (tells chat models apart); may be empty while loading. */
  models: readonly IModelSummary[];
  /**
   * Endpoints and prompts to fill in (from a training job's "Compare with base", via
   * `PanelNavigator.openCompare`); applied whenever a new request object arrives.
   */
  request?: ICompareRequest | null;
  /** Score the two endpoints on held-out rows (the Evaluate tab); absent: no button. */
  onEvaluate?: (request: IEvaluateRequest) => void;
}

type Side = 'a' | 'b';

const ID = 'jp-LlamaNeuron-compare';

/** Save text as a file through a temporary Blob link. */
function downloadText(content: string, fileName: string, type: string): void {
  const blob = new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function contextOf(endpoint: IEndpoint | null): number | null {
  return endpoint?.config?.n_positions ?? null;
}

/**
 * The same prompts sent to two endpoints (e.g. base and fine-tuned), one prompt at a time and both
 * endpoints at once, answers side by side with latency and tokens; export as Markdown or CSV.
 */
export function CompareView(props: ICompareViewProps): JSX.Element {
  const { api, endpoints, trans } = usePanelServices();
  const rules = useServerRules()?.inference_parameters ?? null;
  useSignal(endpoints.changed);
  const inService = endpoints.endpoints.filter(
    endpoint => endpoint.status === 'InService'
  );
  const [nameA, setNameA] = useState<string | null>(null);
  const [nameB, setNameB] = useState<string | null>(null);
  const [promptsText, setPromptsText] = useState('');
  const [fileNote, setFileNote] = useState<string | null>(null);
  // null: untouched, the server's defaults (known once the status answers).
  const [typedValues, setValues] = useState<IParameterValues | null>(null);
  const values = typedValues ?? defaultParameterValues(rules);
  const [rows, setRows] = useState<ICompareRow[]>([]);
  const [labels, setLabels] = useState<ICompareLabels>({ a: '', b: '' });
  const [running, setRunning] = useState(false);
  const [stopped, setStopped] = useState(false);
  const controller = useRef<AbortController | null>(null);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      controller.current?.abort();
    };
  }, []);

  const request = props.request ?? null;
  useEffect(() => {
    if (!request) {
      return;
    }
    if (request.endpointA) {
      setNameA(request.endpointA);
    }
    if (request.endpointB) {
      setNameB(request.endpointB);
    }
    if (request.prompts.length > 0) {
      setPromptsText(formatPromptLines(request.prompts));
      setFileNote(
        trans._n(
          'Filled in %1 held-out prompt from the training dataset.',
          'Filled in %1 held-out prompts from the training dataset.',
          request.prompts.length
        )
      );
    }
  }, [request, trans]);

  const endpointA = inService.find(item => item.name === nameA) ?? null;
  const endpointB = inService.find(item => item.name === nameB) ?? null;
  const limits = [contextOf(endpointA), contextOf(endpointB)].filter(
    (value): value is number => value !== null
  );
  const contextLength = limits.length > 0 ? Math.min(...limits) : null;
  const validation = validateParameters(values, contextLength, rules, trans);
  const prompts = parsePromptLines(promptsText);
  const canRun =
    !running &&
    !!endpointA &&
    !!endpointB &&
    prompts.length > 0 &&
    validation.parameters !== null;
  const { done, total } = progress(rows);

  const updateCell = (
    index: number,
    side: Side,
    update: (cell: ICompareCell) => ICompareCell
  ): void => {
    if (!mounted.current) {
      return;
    }
    setRows(current =>
      current.map((row, i) =>
        i === index ? { ...row, [side]: update(row[side]) } : row
      )
    );
  };

  const runCell = async (
    index: number,
    side: Side,
    endpoint: IEndpoint,
    prompt: string,
    parameters: IInvocationParameters,
    signal: AbortSignal
  ): Promise<void> => {
    const request: IInvocationRequest = isChatEndpoint(endpoint, props.models)
      ? { messages: [{ role: 'user', content: prompt }], parameters }
      : { inputs: prompt, parameters };
    updateCell(index, side, cell => ({ ...cell, status: 'running', text: '' }));
    try {
      const result = await api.streamInvocation(
        endpoint.name,
        request,
        {
          onToken: text =>
            updateCell(index, side, cell => ({
              ...cell,
              text: cell.text + text
            }))
        },
        signal
      );
      updateCell(index, side, () => ({
        status: 'done',
        text: result.generated_text ?? '',
        latency_s: result.latency_s ?? null,
        tokens_out: result.tokens_out ?? null
      }));
    } catch (reason) {
      const error = toApiRequestError(reason);
      if (error.code === 'Aborted' || signal.aborted) {
        updateCell(index, side, cell => ({ ...cell, status: 'stopped' }));
      } else {
        updateCell(index, side, cell => ({
          ...cell,
          status: 'error',
          error: error.message
        }));
      }
    }
  };

  const runAll = async (): Promise<void> => {
    if (!canRun || !endpointA || !endpointB || !validation.parameters) {
      return;
    }
    const parameters = validation.parameters;
    const own = new AbortController();
    controller.current = own;
    setRunning(true);
    setStopped(false);
    setRows(newRows(prompts));
    setLabels({ a: endpointA.name, b: endpointB.name });
    try {
      for (let index = 0; index < prompts.length; index++) {
        if (own.signal.aborted) {
          break;
        }
        await Promise.all([
          runCell(
            index,
            'a',
            endpointA,
            prompts[index],
            parameters,
            own.signal
          ),
          runCell(index, 'b', endpointB, prompts[index], parameters, own.signal)
        ]);
      }
    } finally {
      if (controller.current === own) {
        controller.current = null;
      }
      if (mounted.current) {
        setRunning(false);
        setStopped(own.signal.aborted);
      }
    }
  };

  const stop = (): void => {
    controller.current?.abort();
  };

  const loadFile = async (file: File): Promise<void> => {
    let text: string;
    try {
      text = await file.text();
    } catch (reason) {
      setFileNote(
        trans.__(
          'Could not read %1: %2',
          file.name,
          toApiRequestError(reason).message
        )
      );
      return;
    }
    if (/\.txt$/i.test(file.name)) {
      const lines = parsePromptLines(text);
      setPromptsText(formatPromptLines(lines));
      setFileNote(
        trans._n('Loaded %1 prompt.', 'Loaded %1 prompts.', lines.length)
      );
      return;
    }
    const parsed = parsePromptJsonLines(text);
    setPromptsText(formatPromptLines(parsed.prompts));
    const skipped = parsed.problems
      .slice(0, 5)
      .map(problem =>
        problem.reason === 'invalid-json'
          ? trans.__('line %1 is not JSON', problem.line)
          : trans.__(
              'line %1 has no prompt, inputs or instruction text',
              problem.line
            )
      );
    const more =
      parsed.problems.length > 5
        ? trans.__(' (and %1 more)', parsed.problems.length - 5)
        : '';
    setFileNote(
      parsed.problems.length === 0
        ? trans._n(
            'Loaded %1 prompt from %2.',
            'Loaded %1 prompts from %2.',
            parsed.prompts.length,
            file.name
          )
        : trans.__(
            'Loaded %1 prompts from %2; skipped: %3%4.',
            parsed.prompts.length,
            file.name,
            skipped.join('; '),
            more
          )
    );
  };

  const exportAs = (
    format: 'markdown' | 'csv',
    mode: 'download' | 'copy'
  ): void => {
    const content =
      format === 'markdown' ? toMarkdown(rows, labels) : toCsv(rows, labels);
    if (mode === 'copy') {
      Clipboard.copyToSystem(content);
      Notification.success(
        format === 'markdown'
          ? trans.__('Copied the comparison as Markdown.')
          : trans.__('Copied the comparison as CSV.'),
        { autoClose: 3000 }
      );
      return;
    }
    if (format === 'markdown') {
      downloadText(
        content,
        exportFileName(labels, 'md'),
        'text/markdown;charset=utf-8'
      );
    } else {
      // A byte-order mark lets spreadsheet programs detect UTF-8.
      downloadText(
        '\ufeff' + content,
        exportFileName(labels, 'csv'),
        'text/csv;charset=utf-8'
      );
    }
  };

  const chatNote = [endpointA, endpointB].some(
    endpoint => endpoint && isChatEndpoint(endpoint, props.models)
  );

  return (
    <section
      className="jp-LlamaNeuron-compare"
      aria-label={trans.__('Compare')}
      data-testid="llama-neuron-compare"
    >
      <div className="jp-LlamaNeuron-toolbar">
        <EndpointPicker
          id={`${ID}-endpoint-a`}
          label={trans.__('Endpoint A')}
          endpoints={inService}
          value={nameA}
          onChange={setNameA}
          disabled={running}
          testId="llama-neuron-compare-endpoint-a"
        />
        <EndpointPicker
          id={`${ID}-endpoint-b`}
          label={trans.__('Endpoint B')}
          endpoints={inService}
          value={nameB}
          onChange={setNameB}
          disabled={running}
          testId="llama-neuron-compare-endpoint-b"
        />
      </div>
      {inService.length === 0 && (
        <p className="jp-LlamaNeuron-empty">
          {trans.__(
            'No endpoint is in service. Deploy two models (for example a base model and its fine-tuned version) to compare them.'
          )}
        </p>
      )}
      {endpointA && endpointB && endpointA.name === endpointB.name && (
        <p className="jp-LlamaNeuron-muted">
          {trans.__(
            'A and B are the same endpoint: useful to see how much sampling varies.'
          )}
        </p>
      )}
      {chatNote && (
        <p className="jp-LlamaNeuron-muted">
          {trans.__(
            'Chat models get each prompt as one user message, with the Llama 2 chat template.'
          )}
        </p>
      )}

      <div className="jp-LlamaNeuron-compare-setup">
        <div className="jp-LlamaNeuron-compare-prompts">
          <div className="jp-LlamaNeuron-field">
            <label htmlFor={`${ID}-prompts`}>
              {trans.__('Prompts, one per line')}
            </label>
            <textarea
              id={`${ID}-prompts`}
              className="jp-LlamaNeuron-textarea"
              data-testid="llama-neuron-compare-prompts"
              rows={6}
              value={promptsText}
              disabled={running}
              aria-describedby={`${ID}-prompts-help`}
              placeholder={trans.__(
                'The capital of France is\nWrite a haiku about the sea:'
              )}
              onChange={event => setPromptsText(event.currentTarget.value)}
            />
            <span id={`${ID}-prompts-help`} className="jp-LlamaNeuron-muted">
              {trans._n(
                '%1 prompt. Type or paste one per line; write \\n for a line break inside a prompt.',
                '%1 prompts. Type or paste one per line; write \\n for a line break inside a prompt.',
                prompts.length
              )}
            </span>
          </div>
          <div className="jp-LlamaNeuron-field">
            <label htmlFor={`${ID}-file`}>
              {trans.__(
                'Or load a JSON Lines file (prompt, inputs or instruction field)'
              )}
            </label>
            <input
              id={`${ID}-file`}
              type="file"
              accept=".jsonl,.json,.txt,application/jsonl,application/x-ndjson,text/plain"
              data-testid="llama-neuron-compare-file"
              disabled={running}
              onChange={event => {
                const input = event.currentTarget;
                const file = input.files?.[0];
                if (file) {
                  void loadFile(file).finally(() => {
                    input.value = '';
                  });
                }
              }}
            />
            {fileNote && (
              <span
                className="jp-LlamaNeuron-muted"
                role="status"
                data-testid="llama-neuron-compare-file-note"
              >
                {fileNote}
              </span>
            )}
          </div>
        </div>
        <ParameterPanel
          idPrefix={ID}
          testIdPrefix="llama-neuron-compare"
          defaultOpen={false}
          values={values}
          errors={validation.errors}
          contextLength={contextLength}
          disabled={running}
          onChange={setValues}
        />
      </div>

      <div className="jp-LlamaNeuron-actions">
        <Button
          className="jp-mod-styled jp-mod-accept"
          disabled={!canRun}
          data-testid="llama-neuron-compare-run"
          onClick={() => void runAll()}
        >
          {running ? trans.__('Running…') : trans.__('Run all')}
        </Button>
        <Button
          className="jp-mod-styled jp-mod-warn"
          disabled={!running}
          data-testid="llama-neuron-compare-stop"
          aria-label={trans.__('Stop the comparison')}
          onClick={stop}
        >
          {trans.__('Stop')}
        </Button>
        {props.onEvaluate && (
          <Button
            className="jp-mod-styled"
            disabled={running || (!endpointA && !endpointB)}
            data-testid="llama-neuron-compare-evaluate"
            title={trans.__(
              'Score both endpoints against reference answers (exact match, token F1, ROUGE-L)'
            )}
            onClick={() =>
              props.onEvaluate?.({
                endpointA: endpointA?.name ?? null,
                endpointB: endpointB?.name ?? null,
                datasetUri: null,
                trainingJob: endpointB?.training_job ?? null
              })
            }
          >
            {trans.__('Evaluate on held-out rows')}
          </Button>
        )}
        <OpenNotebookButton
          testId="llama-neuron-compare-notebook"
          disabled={
            !endpointA ||
            !endpointB ||
            endpointA.name === endpointB.name ||
            !endpointA.model_id ||
            !endpointB.model_id ||
            prompts.length === 0 ||
            validation.parameters === null
          }
          request={() =>
            endpointA && endpointB && validation.parameters
              ? {
                  step: 'compare',
                  endpoints: [
                    { name: endpointA.name, model_id: endpointA.model_id },
                    { name: endpointB.name, model_id: endpointB.model_id }
                  ],
                  prompts: prompts.slice(0, 20),
                  parameters: validation.parameters
                }
              : null
          }
        />
        {rows.length > 0 && (
          <span
            className="jp-LlamaNeuron-muted"
            role="status"
            aria-live="polite"
            data-testid="llama-neuron-compare-progress"
          >
            {stopped
              ? trans.__('Stopped at %1/%2', done, total)
              : trans.__('%1/%2', done, total)}
          </span>
        )}
        <span className="jp-LlamaNeuron-actions-spacer" />
        <Button
          small
          className="jp-mod-styled"
          disabled={running || rows.length === 0}
          data-testid="llama-neuron-compare-export-markdown"
          aria-label={trans.__('Download the comparison as Markdown')}
          onClick={() => exportAs('markdown', 'download')}
        >
          {trans.__('Download Markdown')}
        </Button>
        <Button
          small
          minimal
          disabled={running || rows.length === 0}
          data-testid="llama-neuron-compare-copy-markdown"
          aria-label={trans.__('Copy the comparison as Markdown')}
          onClick={() => exportAs('markdown', 'copy')}
        >
          {trans.__('Copy Markdown')}
        </Button>
        <Button
          small
          className="jp-mod-styled"
          disabled={running || rows.length === 0}
          data-testid="llama-neuron-compare-export-csv"
          aria-label={trans.__('Download the comparison as CSV')}
          onClick={() => exportAs('csv', 'download')}
        >
          {trans.__('Download CSV')}
        </Button>
        <Button
          small
          minimal
          disabled={running || rows.length === 0}
          data-testid="llama-neuron-compare-copy-csv"
          aria-label={trans.__('Copy the comparison as CSV')}
          onClick={() => exportAs('csv', 'copy')}
        >
          {trans.__('Copy CSV')}
        </Button>
      </div>

      {rows.length > 0 && <CompareTable rows={rows} labels={labels} />}
    </section>
  );
}
