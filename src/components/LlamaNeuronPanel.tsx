import { Notification } from '@jupyterlab/apputils';
import React, {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState
} from 'react';

import { ApiRequestError, toApiRequestError } from '../api/client';
import {
  IEndpoint,
  IEulaRecord,
  IExamplePrompt,
  IModelCard,
  IModelSummary,
  IStatus
} from '../api/types';
import { PanelContext, usePanelServices } from '../context';
import { useSignal } from '../hooks';
import {
  DEFAULT_CATALOG_FILTER,
  ICatalogFilter
} from '../models/catalogFilter';
import { ClientTokenBook } from '../models/deployForm';
import { acceptCards, acceptSummaries, recordFor } from '../models/eulaRecords';
import { failed, Loadable, LOADING, ready } from '../models/loadable';
import {
  ICompareRequest,
  IEvaluateRequest,
  IPlaygroundPrompt,
  IPlaygroundRequest,
  PanelNavigator,
  PanelTab
} from '../models/panelNavigator';
import { BackendHeader } from './BackendHeader';
import { CatalogView } from './CatalogView';
import { CompareView } from './CompareView';
import { DeployForm } from './DeployForm';
import { ErrorBanner } from './ErrorBanner';
import { EvaluateView } from './EvaluateView';
import { EulaDialog } from './EulaDialog';
import { FineTuneView } from './FineTuneView';
import { ModelDetail } from './ModelDetail';
import { PanelTabBar } from './PanelTabBar';
import { PanelTabPanel } from './PanelTabPanel';
import { PlaygroundView } from './PlaygroundView';
import { ResourcesView } from './ResourcesView';

export interface ILlamaNeuronPanelProps {
  navigator: PanelNavigator;
}

type CatalogPage =
  | { kind: 'list' }
  | { kind: 'detail'; modelId: string }
  | { kind: 'deploy'; modelId: string };

type PendingAction = 'quick' | 'custom';

interface IEulaRequest {
  modelId: string;
  then: PendingAction;
  /** "Try this": the example prompt to send once the endpoint is ready. */
  prompt?: IPlaygroundPrompt | null;
}

/** The endpoint the user just deployed, and the tab they were shown while it starts. */
interface IAwaitedEndpoint {
  name: string;
  tab: PanelTab;
}

/** While the local model converts, re-read the status this often (ms). */
const CONVERTING_STATUS_INTERVAL = 2000;

/** No catalog yet (loading or failed): chat models are then recognised by their id. */
const NO_MODELS: IModelSummary[] = [];

/**
 * The main panel: backend header, and four tabs — Catalog (search, model card, EULA, deploy), Resources
 * (endpoints with status, cost, delete, try it), Playground (prompt or chat one endpoint, streamed) and
 * Compare (the same prompts on two endpoints, side by side); and Fine-tune (dataset preflight,
 * hyperparameters, training jobs with their loss curve, deploy and compare the fine-tuned model).
 */
export function LlamaNeuronPanel(props: ILlamaNeuronPanelProps): JSX.Element {
  const services = usePanelServices();
  const { api, endpoints, notifier, trans } = services;
  const { navigator } = props;
  useSignal(endpoints.changed);

  const [tab, setTab] = useState<PanelTab>(navigator.tab);
  const [status, setStatus] = useState<Loadable<IStatus>>(LOADING);
  const [models, setModels] = useState<Loadable<IModelSummary[]>>(LOADING);
  const [filter, setFilter] = useState<ICatalogFilter>(DEFAULT_CATALOG_FILTER);
  const [page, setPage] = useState<CatalogPage>({ kind: 'list' });
  const [cards, setCards] = useState<Record<string, Loadable<IModelCard>>>({});
  const [eulaRequest, setEulaRequest] = useState<IEulaRequest | null>(null);
  const [quickDeploying, setQuickDeploying] = useState<string | null>(null);
  const [quickError, setQuickError] = useState<ApiRequestError | null>(null);
  const quickTokens = useRef(new ClientTokenBook());
  const mounted = useRef(true);
  const [playgroundEndpoint, setPlaygroundEndpoint] = useState<string | null>(
    navigator.playgroundEndpoint
  );
  const [playgroundRequest, setPlaygroundRequest] =
    useState<IPlaygroundRequest | null>(navigator.playgroundRequest);
  // Read from signal handlers, which outlive a render.
  const tabNow = useRef<PanelTab>(tab);
  tabNow.current = tab;
  const rootRef = useRef<HTMLDivElement>(null);
  const awaited = useRef<IAwaitedEndpoint | null>(null);
  // "Compare with base" of a training job fills in the Compare tab.
  const [compareRequest, setCompareRequest] = useState<ICompareRequest | null>(
    navigator.compareRequest
  );
  useEffect(() => {
    const onCompare = (_: PanelNavigator, request: ICompareRequest): void =>
      setCompareRequest(request);
    navigator.compareRequested.connect(onCompare);
    return () => {
      navigator.compareRequested.disconnect(onCompare);
    };
  }, [navigator]);

  // "Evaluate on held-out rows" of a training job or Compare fills in the Evaluate tab.
  const [evaluateRequest, setEvaluateRequest] =
    useState<IEvaluateRequest | null>(navigator.evaluateRequest);
  useEffect(() => {
    const onEvaluate = (_: PanelNavigator, request: IEvaluateRequest): void =>
      setEvaluateRequest(request);
    navigator.evaluateRequested.connect(onEvaluate);
    return () => {
      navigator.evaluateRequested.disconnect(onEvaluate);
    };
  }, [navigator]);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  // Commands and notifications can switch tabs.
  useEffect(() => {
    const onRequest = (_: PanelNavigator, requested: PanelTab): void =>
      setTab(requested);
    const onPlayground = (_: PanelNavigator, name: string): void => {
      setPlaygroundEndpoint(name);
      setPlaygroundRequest(navigator.playgroundRequest);
    };
    navigator.tabRequested.connect(onRequest);
    navigator.playgroundRequested.connect(onPlayground);
    return () => {
      navigator.tabRequested.disconnect(onRequest);
      navigator.playgroundRequested.disconnect(onPlayground);
    };
  }, [navigator]);

  // The endpoint just deployed is in service: open the Playground on it, but only if the user still
  // looks at the view they were sent to; otherwise the notification's "Open in playground" offers it.
  useEffect(() => {
    const onState = (
      _: unknown,
      { endpoint }: { endpoint: IEndpoint }
    ): void => {
      const waiting = awaited.current;
      if (!waiting || waiting.name !== endpoint.name) {
        return;
      }
      awaited.current = null;
      const root = rootRef.current;
      const visible = !!root && root.getClientRects().length > 0;
      if (
        endpoint.status === 'InService' &&
        visible &&
        tabNow.current === waiting.tab
      ) {
        navigator.openPlayground(endpoint.name);
      }
    };
    endpoints.stateChanged.connect(onState);
    return () => {
      endpoints.stateChanged.disconnect(onState);
    };
  }, [endpoints, navigator]);

  const loadStatus = useCallback(async (): Promise<void> => {
    try {
      const value = await api.getStatus();
      if (mounted.current) {
        setStatus(ready(value));
      }
    } catch (error) {
      if (mounted.current) {
        setStatus(failed(error));
      }
    }
  }, [api]);

  const loadModels = useCallback(async (): Promise<void> => {
    setModels(LOADING);
    try {
      const value = await api.listModels();
      if (mounted.current) {
        setModels(ready(value.models));
      }
    } catch (error) {
      if (mounted.current) {
        setModels(failed(error));
      }
    }
  }, [api]);

  const loadCard = useCallback(
    async (modelId: string): Promise<void> => {
      setCards(current => ({ ...current, [modelId]: LOADING }));
      try {
        const card = await api.getModel(modelId);
        if (mounted.current) {
          setCards(current => ({ ...current, [modelId]: ready(card) }));
        }
      } catch (error) {
        if (mounted.current) {
          setCards(current => ({ ...current, [modelId]: failed(error) }));
        }
      }
    },
    [api]
  );

  // First load: status, catalog and the endpoint list, in parallel.
  useEffect(() => {
    void loadStatus();
    void loadModels();
    void endpoints.refresh();
  }, [loadStatus, loadModels, endpoints]);

  // Follow the local model's conversion.
  const converting =
    status.kind === 'ready' && status.value.local_model?.state === 'converting';
  useEffect(() => {
    if (!converting) {
      return;
    }
    const handle = window.setTimeout(
      () => void loadStatus(),
      CONVERTING_STATUS_INTERVAL
    );
    return () => window.clearTimeout(handle);
  }, [converting, status, loadStatus]);

  const statusValue = status.kind === 'ready' ? status.value : null;
  const local = statusValue?.backend === 'local';

  const openModel = (modelId: string): void => {
    quickTokens.current = new ClientTokenBook();
    setQuickError(null);
    setPage({ kind: 'detail', modelId });
    const current = cards[modelId];
    if (!current || current.kind === 'error') {
      void loadCard(modelId);
    }
  };

  /** Show the endpoint starting on Resources; when it is in service, the Playground takes over. */
  const awaitEndpoint = (
    name: string,
    prompt: IPlaygroundPrompt | null
  ): void => {
    if (prompt) {
      navigator.sendWhenReady(name, prompt);
    }
    awaited.current = { name, tab: 'resources' };
    setTab('resources');
    navigator.requestTab('resources');
  };

  const onDeployed = (
    endpoint: IEndpoint,
    modelId: string,
    prompt: IPlaygroundPrompt | null = null
  ): void => {
    endpoints.upsert(endpoint);
    notifier?.deployStarted(endpoint);
    setPage({ kind: 'detail', modelId });
    awaitEndpoint(endpoint.name, prompt);
  };

  const quickDeploy = async (
    card: IModelCard,
    prompt: IPlaygroundPrompt | null = null
  ): Promise<void> => {
    if (quickDeploying) {
      return;
    }
    setQuickDeploying(card.id);
    setQuickError(null);
    const request = { model_id: card.id };
    try {
      const endpoint = await api.createEndpoint({
        ...request,
        client_token: quickTokens.current.tokenFor(request)
      });
      if (mounted.current) {
        onDeployed(endpoint, card.id, prompt);
      } else {
        endpoints.upsert(endpoint);
        notifier?.deployStarted(endpoint);
      }
    } catch (reason) {
      const error = toApiRequestError(reason);
      if (!mounted.current) {
        Notification.error(error.message, { autoClose: false });
        return;
      }
      setQuickError(error);
      if (error.status === 403 && error.code === 'EulaNotAccepted') {
        setEulaRequest({ modelId: card.id, then: 'quick', prompt });
      }
    } finally {
      if (mounted.current) {
        setQuickDeploying(null);
      }
    }
  };

  const runAction = (
    card: IModelCard,
    action: PendingAction,
    prompt: IPlaygroundPrompt | null = null
  ): void => {
    if (action === 'quick') {
      void quickDeploy(card, prompt);
    } else {
      setPage({ kind: 'deploy', modelId: card.id });
    }
  };

  /** Quick/Custom deploy: ask for the licence first when it was never accepted. */
  const startAction = (
    card: IModelCard,
    action: PendingAction,
    prompt: IPlaygroundPrompt | null = null
  ): void => {
    if (!card.eula) {
      setEulaRequest({ modelId: card.id, then: action, prompt });
      return;
    }
    runAction(card, action, prompt);
  };

  /** This model's own (not fine-tuned) endpoints, in service first. */
  const endpointsOf = (modelId: string): IEndpoint[] =>
    endpoints.endpoints.filter(
      item => item.model_id === modelId && !item.training_job
    );

  /** "Try this": send at once to an endpoint in service, else wait for one starting, else deploy one. */
  const tryExample = (card: IModelCard, example: IExamplePrompt): void => {
    const prompt: IPlaygroundPrompt = {
      inputs: example.inputs,
      parameters: example.parameters
    };
    const own = endpointsOf(card.id);
    const serving = own.find(item => item.status === 'InService');
    if (serving) {
      navigator.openPlayground(serving.name, prompt);
      return;
    }
    const starting = own.find(
      item => item.status === 'Creating' || item.status === 'Updating'
    );
    if (starting) {
      awaitEndpoint(starting.name, prompt);
      return;
    }
    startAction(card, 'quick', prompt);
  };

  const onEulaAccepted = (record: IEulaRecord): void => {
    const request = eulaRequest;
    setEulaRequest(null);
    setQuickError(null);
    // One acceptance may cover every model under the same licence; each has its own record.
    const current = request ? cards[request.modelId] : undefined;
    const updated =
      request && current && current.kind === 'ready'
        ? {
            ...current.value,
            eula: recordFor(record, request.modelId),
            eula_accepted: true
          }
        : null;
    setCards(all => acceptCards(all, record));
    setModels(all =>
      all.kind === 'ready' ? ready(acceptSummaries(all.value, record)) : all
    );
    if (request && updated) {
      runAction(updated, request.then, request.prompt ?? null);
    }
  };

  const catalogModels = models.kind === 'ready' ? models.value : NO_MODELS;

  // The views below read the server's rules from the context once the status has answered.
  const rules = status.kind === 'ready' ? status.value.rules : null;
  const withRules = useMemo(() => ({ ...services, rules }), [services, rules]);

  const pageCard =
    page.kind === 'list' ? null : (cards[page.modelId] ?? LOADING);
  const eulaCard =
    eulaRequest && cards[eulaRequest.modelId]?.kind === 'ready'
      ? (cards[eulaRequest.modelId] as { kind: 'ready'; value: IModelCard })
          .value
      : null;

  return (
    <PanelContext.Provider value={withRules}>
      <div
        ref={rootRef}
        className="jp-LlamaNeuron-panel-body"
        data-testid="llama-neuron-panel"
      >
        <BackendHeader status={status} onRetry={() => void loadStatus()} />
        <PanelTabBar tab={tab} onChange={setTab} />

        <PanelTabPanel name="catalog" selected={tab}>
          {page.kind === 'list' && (
            <CatalogView
              models={models}
              filter={filter}
              local={local}
              onFilterChange={setFilter}
              onOpenModel={openModel}
              onRetry={() => void loadModels()}
            />
          )}
          {pageCard && pageCard.kind === 'loading' && (
            <p className="jp-LlamaNeuron-muted" role="status">
              {trans.__('Loading the model card…')}
            </p>
          )}
          {pageCard && pageCard.kind === 'error' && page.kind !== 'list' && (
            <>
              <ErrorBanner
                error={pageCard.error}
                title={trans.__('Could not load the model card')}
                onRetry={() => void loadCard(page.modelId)}
              />
              <button
                type="button"
                className="jp-LlamaNeuron-link-button"
                onClick={() => setPage({ kind: 'list' })}
              >
                {trans.__('← Back to catalog')}
              </button>
            </>
          )}
          {pageCard && pageCard.kind === 'ready' && page.kind === 'detail' && (
            <ModelDetail
              card={pageCard.value}
              status={statusValue}
              deploying={quickDeploying === pageCard.value.id}
              onBack={() => setPage({ kind: 'list' })}
              onQuickDeploy={() => startAction(pageCard.value, 'quick')}
              onCustomDeploy={() => startAction(pageCard.value, 'custom')}
              hasEndpoint={endpointsOf(pageCard.value.id).some(
                item => item.status === 'InService'
              )}
              onTryExample={example => tryExample(pageCard.value, example)}
            >
              {quickError && (
                <ErrorBanner
                  error={quickError}
                  title={trans.__('The endpoint was not created')}
                  onDismiss={() => setQuickError(null)}
                />
              )}
            </ModelDetail>
          )}
          {pageCard && pageCard.kind === 'ready' && page.kind === 'deploy' && (
            <DeployForm
              card={pageCard.value}
              status={statusValue}
              onCancel={() =>
                setPage({ kind: 'detail', modelId: page.modelId })
              }
              onDeployed={endpoint => onDeployed(endpoint, page.modelId)}
              onEulaRequired={() =>
                setEulaRequest({ modelId: page.modelId, then: 'custom' })
              }
            />
          )}
        </PanelTabPanel>

        <PanelTabPanel name="resources" selected={tab}>
          {tab === 'resources' && (
            <ResourcesView
              local={local}
              onBrowseCatalog={() => setTab('catalog')}
              onOpenPlayground={endpoint =>
                navigator.openPlayground(endpoint.name)
              }
              onOpenTrainingJob={job => navigator.openTrainingJob(job.name)}
            />
          )}
        </PanelTabPanel>

        <PanelTabPanel name="playground" selected={tab}>
          {/* Kept mounted while hidden, so an answer keeps streaming and the thread survives tab switches. */}
          <PlaygroundView
            models={catalogModels}
            status={statusValue}
            selected={playgroundEndpoint}
            onSelect={setPlaygroundEndpoint}
            request={playgroundRequest}
          />
        </PanelTabPanel>

        <PanelTabPanel name="compare" selected={tab}>
          <CompareView
            models={catalogModels}
            request={compareRequest}
            onEvaluate={request => navigator.openEvaluate(request)}
          />
        </PanelTabPanel>

        <PanelTabPanel name="finetune" selected={tab}>
          {/* Kept mounted while hidden, so a wizard in progress (and an upload) survives tab switches. */}
          <FineTuneView
            models={models}
            status={statusValue}
            navigator={navigator}
          />
        </PanelTabPanel>

        <PanelTabPanel name="evaluate" selected={tab}>
          {/* Kept mounted while hidden, so a running evaluation keeps its progress. */}
          <EvaluateView request={evaluateRequest} />
        </PanelTabPanel>

        {eulaCard && (
          <EulaDialog
            card={eulaCard}
            onAccepted={onEulaAccepted}
            onCancel={() => setEulaRequest(null)}
          />
        )}
      </div>
    </PanelContext.Provider>
  );
}
