/**
 * Typed client for `/evaluations` (`openapi/paths/evaluations.yaml`): start, list, describe, stop and delete
 * evaluations, download a report's export, write its notebook.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  ApiRequestError,
  API_PREFIX,
  errorFromResponse,
  requestApi
} from './client';
import { IInvocationParameters, INotebookCreated } from './types';

export type EvaluationMetric = 'exact_match' | 'token_f1' | 'rouge_l';
export type EvaluationStatus = 'running' | 'completed' | 'stopped' | 'failed';
export type EvaluationExportFormat = 'markdown' | 'csv' | 'bedrock';

export interface IEvaluationRowInput {
  prompt: string;
  reference: string;
}

/** `POST /evaluations`: exactly one of `rows` and `dataset_uri`. */
export interface ICreateEvaluationRequest {
  endpoints: string[];
  rows?: IEvaluationRowInput[];
  dataset_uri?: string;
  parameters?: IInvocationParameters;
  metrics?: EvaluationMetric[];
  training_job?: string | null;
}

/** A mean with its bootstrap 95% interval (null when no row was scored). */
export interface IMetricInterval {
  mean: number | null;
  low: number | null;
  high: number | null;
  n: number;
  /** Paired differences only. */
  excludes_zero?: boolean;
}

export interface IEvaluationAnswer {
  endpoint: string;
  text: string | null;
  error: string | null;
  scores: Partial<Record<EvaluationMetric, number>> | null;
  latency_s: number | null;
  tokens_out: number | null;
  finish_reason: string | null;
}

export interface IEvaluationRow {
  index: number;
  prompt: string;
  reference: string;
  answers: IEvaluationAnswer[];
  /** Second endpoint's score minus the first's, per metric (null with one endpoint or a failed answer). */
  difference: Partial<Record<EvaluationMetric, number>> | null;
}

export interface IEvaluationEndpoint {
  name: string;
  model_id: string;
  model_display_name?: string;
  training_job?: string | null;
  backend?: string;
}

export interface IEvaluationWins {
  metric: EvaluationMetric;
  endpoint: string;
  against: string;
  wins: number;
  ties: number;
  losses: number;
}

export interface IEvaluationUsage {
  answers: number;
  mean_latency_s: number | null;
  mean_tokens_out: number | null;
  total_tokens_out: number;
}

/** An evaluation without its rows (`GET /evaluations` items). */
export interface IEvaluationOverview {
  id: string;
  status: EvaluationStatus;
  reason: string | null;
  created_at: string;
  finished_at: string | null;
  user?: string;
  training_job: string | null;
  endpoints: IEvaluationEndpoint[];
  parameters: IInvocationParameters;
  metrics: EvaluationMetric[];
  seed?: number;
  source: {
    kind: 'rows' | 'heldout' | 'upload';
    uri: string | null;
    count: number;
  };
  progress: { done: number; total: number };
  errors: number;
  scored_rows?: number;
  summary: Record<
    string,
    Partial<Record<EvaluationMetric, IMetricInterval>>
  > | null;
  differences: Partial<Record<EvaluationMetric, IMetricInterval>> | null;
  wins: IEvaluationWins | null;
  latency: Record<string, IEvaluationUsage> | null;
}

export interface IEvaluation extends IEvaluationOverview {
  rows: IEvaluationRow[];
}

export interface IEvaluationList {
  evaluations: IEvaluationOverview[];
}

export interface IEvaluationDeleted {
  id: string;
  deleted: true;
}

/** A downloaded export: the file name the server proposes, its type and text. */
export interface IEvaluationExport {
  fileName: string;
  contentType: string;
  text: string;
}

function path(id: string, ...rest: string[]): string {
  return ['/evaluations', encodeURIComponent(id), ...rest].join('/');
}

function post(body?: unknown): RequestInit {
  return body === undefined
    ? { method: 'POST' }
    : {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json' }
      };
}

/** The file name in a `Content-Disposition: attachment; filename="..."` header. */
export function attachmentName(
  header: string | null,
  fallback: string
): string {
  const match = header ? /filename="([^"]+)"/.exec(header) : null;
  return match ? match[1] : fallback;
}

/** The evaluation calls bound to one server (what the Evaluate view and its model use; tests replace it). */
export interface IEvaluationsApi {
  createEvaluation(body: ICreateEvaluationRequest): Promise<IEvaluation>;
  listEvaluations(): Promise<IEvaluationList>;
  getEvaluation(id: string): Promise<IEvaluation>;
  stopEvaluation(id: string): Promise<IEvaluation>;
  deleteEvaluation(id: string): Promise<IEvaluationDeleted>;
  exportEvaluation(
    id: string,
    format: EvaluationExportFormat,
    endpoint?: string
  ): Promise<IEvaluationExport>;
  createEvaluationNotebook(id: string): Promise<INotebookCreated>;
}

/** Bind every evaluation call to `settings`. */
export function createEvaluationsApi(
  settings: ServerConnection.ISettings
): IEvaluationsApi {
  return {
    createEvaluation: body =>
      requestApi<IEvaluation>(settings, '/evaluations', post(body)),
    listEvaluations: () =>
      requestApi<IEvaluationList>(settings, '/evaluations'),
    getEvaluation: id => requestApi<IEvaluation>(settings, path(id)),
    stopEvaluation: id =>
      requestApi<IEvaluation>(settings, path(id, 'stop'), post()),
    deleteEvaluation: id =>
      requestApi<IEvaluationDeleted>(settings, path(id), {
        method: 'DELETE'
      }),
    exportEvaluation: async (id, format, endpoint) => {
      const query = URLExt.objectToQueryString(
        endpoint ? { format, endpoint } : { format }
      );
      const url = URLExt.join(settings.baseUrl, API_PREFIX, path(id, 'export'));
      let response: Response;
      try {
        response = await ServerConnection.makeRequest(
          url + query,
          {},
          settings
        );
      } catch (error) {
        throw new ApiRequestError({
          status: 0,
          code: 'NetworkError',
          message: `Could not reach the Jupyter server: ${String(error)}`
        });
      }
      if (!response.ok) {
        throw await errorFromResponse(response);
      }
      return {
        fileName: attachmentName(
          response.headers.get('Content-Disposition'),
          `${id}.txt`
        ),
        contentType: response.headers.get('Content-Type') ?? 'text/plain',
        text: await response.text()
      };
    },
    createEvaluationNotebook: id =>
      requestApi<INotebookCreated>(settings, path(id, 'notebook'), post())
  };
}
