/**
 * Lets code outside React (commands, notifications) and sibling views switch the panel's tab, open
 * the Playground on a given endpoint, fill in the Compare tab (`openCompare`, used by "Compare with base"
 * of a training job) and show a training job in the Fine-tune tab (`openTrainingJob`).
 */
import { ISignal, Signal } from '@lumino/signaling';

import { IInvocationParameters } from '../api/types';

export type PanelTab =
  'catalog' | 'resources' | 'playground' | 'compare' | 'finetune' | 'evaluate';

export const PANEL_TABS: readonly PanelTab[] = [
  'catalog',
  'resources',
  'playground',
  'compare',
  'finetune',
  'evaluate'
];

/**
 * What "Compare with base" asks of the Compare tab: endpoint A (the base model, null when none is
 * running), endpoint B (the fine-tuned one) and the prompts (e.g. the dataset's held-out rows).
 */
export interface ICompareRequest {
  endpointA: string | null;
  endpointB: string | null;
  prompts: readonly string[];
}

/**
 * What "Evaluate on held-out rows" asks of the Evaluate tab: endpoint A (base, null when none runs),
 * endpoint B (fine-tuned), the stored dataset whose held-out rows to use and the training job (both null
 * when unknown, e.g. from Compare).
 */
export interface IEvaluateRequest {
  endpointA: string | null;
  endpointB: string | null;
  datasetUri: string | null;
  trainingJob: string | null;
}

/** A prompt to fill in and send in the Playground (an example prompt of a model card). */
export interface IPlaygroundPrompt {
  inputs: string;
  parameters?: IInvocationParameters;
}

/**
 * Open the Playground on `endpoint` with the focus in its message box, and send `prompt` when given.
 * `id` tells two requests with the same content apart.
 */
export interface IPlaygroundRequest {
  id: number;
  endpoint: string;
  prompt: IPlaygroundPrompt | null;
}

/** Whether a value (e.g. a command argument) names a tab. */
export function isPanelTab(value: unknown): value is PanelTab {
  return (
    typeof value === 'string' &&
    (PANEL_TABS as readonly string[]).includes(value)
  );
}

export class PanelNavigator {
  /** The tab most recently asked for. */
  get tab(): PanelTab {
    return this._tab;
  }

  /** The endpoint most recently asked for in the Playground (null when none). */
  get playgroundEndpoint(): string | null {
    return this._playgroundEndpoint;
  }

  get tabRequested(): ISignal<this, PanelTab> {
    return this._tabRequested;
  }

  /** Emits the endpoint name when the Playground is asked to show one. */
  get playgroundRequested(): ISignal<this, string> {
    return this._playgroundRequested;
  }

  requestTab(tab: PanelTab): void {
    this._tab = tab;
    this._tabRequested.emit(tab);
  }

  /** The last request to open the Playground (focus, optional prompt to send); null when none. */
  get playgroundRequest(): IPlaygroundRequest | null {
    return this._playgroundRequest;
  }

  /**
   * Switch to the Playground with `endpoint` selected and the focus in its message box. `prompt` is sent;
   * without one, a prompt waiting for this endpoint (see `sendWhenReady`) is sent instead.
   */
  openPlayground(endpoint: string, prompt?: IPlaygroundPrompt | null): void {
    const waiting = this._waitingPrompts.get(endpoint) ?? null;
    this._waitingPrompts.delete(endpoint);
    this._playgroundRequest = {
      id: ++this._requestCount,
      endpoint,
      prompt: prompt ?? waiting
    };
    this._playgroundEndpoint = endpoint;
    this._playgroundRequested.emit(endpoint);
    this.requestTab('playground');
  }

  /** Keep `prompt` for `endpoint` (still being created): the Playground sends it when opened on it. */
  sendWhenReady(endpoint: string, prompt: IPlaygroundPrompt): void {
    this._waitingPrompts.set(endpoint, prompt);
  }

  /** The last request to fill in the Compare tab (null when none). */
  get compareRequest(): ICompareRequest | null {
    return this._compareRequest;
  }

  /** Emits when the Compare tab is asked to show given endpoints and prompts. */
  get compareRequested(): ISignal<this, ICompareRequest> {
    return this._compareRequested;
  }

  /** Switch to the Compare tab with endpoints A and B selected and the prompts filled in. */
  openCompare(request: ICompareRequest): void {
    this._compareRequest = request;
    this._compareRequested.emit(request);
    this.requestTab('compare');
  }

  /** The last request to fill in the Evaluate tab (null when none). */
  get evaluateRequest(): IEvaluateRequest | null {
    return this._evaluateRequest;
  }

  /** Emits when the Evaluate tab is asked to evaluate given endpoints. */
  get evaluateRequested(): ISignal<this, IEvaluateRequest> {
    return this._evaluateRequested;
  }

  /** Switch to the Evaluate tab with the endpoints and the rows' source filled in. */
  openEvaluate(request: IEvaluateRequest): void {
    this._evaluateRequest = request;
    this._evaluateRequested.emit(request);
    this.requestTab('evaluate');
  }

  /** The training job most recently asked for in the Fine-tune tab (null when none). */
  get trainingJob(): string | null {
    return this._trainingJob;
  }

  /** Emits the job name when the Fine-tune tab is asked to show a training job. */
  get trainingJobRequested(): ISignal<this, string> {
    return this._trainingJobRequested;
  }

  /** Switch to the Fine-tune tab showing the training job `name`. */
  openTrainingJob(name: string): void {
    this._trainingJob = name;
    this._trainingJobRequested.emit(name);
    this.requestTab('finetune');
  }

  private _tab: PanelTab = 'catalog';
  private _compareRequest: ICompareRequest | null = null;
  private _compareRequested = new Signal<this, ICompareRequest>(this);
  private _evaluateRequest: IEvaluateRequest | null = null;
  private _evaluateRequested = new Signal<this, IEvaluateRequest>(this);
  private _trainingJob: string | null = null;
  private _trainingJobRequested = new Signal<this, string>(this);
  private _playgroundEndpoint: string | null = null;
  private _playgroundRequest: IPlaygroundRequest | null = null;
  private _requestCount = 0;
  private _waitingPrompts = new Map<string, IPlaygroundPrompt>();
  private _tabRequested = new Signal<this, PanelTab>(this);
  private _playgroundRequested = new Signal<this, string>(this);
}
