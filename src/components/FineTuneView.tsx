import { Button } from '@jupyterlab/ui-components';
import React, { useCallback, useEffect, useRef, useState } from 'react';

import { IEulaRecord, IModelCard, IModelSummary, IStatus } from '../api/types';
import { usePanelServices } from '../context';
import { failed, Loadable, LOADING, ready } from '../models/loadable';
import { PanelNavigator } from '../models/panelNavigator';
import { DeployForm } from './DeployForm';
import { ErrorBanner } from './ErrorBanner';
import { EulaDialog } from './EulaDialog';
import { FineTuneWizard } from './FineTuneWizard';
import { TrainingJobList } from './TrainingJobList';
import { TrainingJobView } from './TrainingJobView';

export interface IFineTuneViewProps {
  models: Loadable<readonly IModelSummary[]>;
  status: IStatus | null;
  navigator: PanelNavigator;
}

type Page =
  | { kind: 'home' }
  | { kind: 'wizard' }
  | { kind: 'job'; name: string }
  | { kind: 'deploy'; name: string; modelId: string };

/**
 * The Fine-tune tab: the training jobs and "New fine-tuning job" (the wizard); a job's page (status, loss,
 * log, Stop, Deploy, Compare); deploying a fine-tuned model through the precompiled-config form.
 */
export function FineTuneView(props: IFineTuneViewProps): JSX.Element {
  const { api, endpoints, notifier, trans } = usePanelServices();
  const { navigator } = props;
  const [page, setPage] = useState<Page>(() =>
    navigator.trainingJob
      ? { kind: 'job', name: navigator.trainingJob }
      : { kind: 'home' }
  );
  const [deployCard, setDeployCard] = useState<Loadable<IModelCard> | null>(
    null
  );
  const [eulaOpen, setEulaOpen] = useState(false);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    const onJob = (_: PanelNavigator, name: string): void =>
      setPage({ kind: 'job', name });
    navigator.trainingJobRequested.connect(onJob);
    return () => {
      navigator.trainingJobRequested.disconnect(onJob);
    };
  }, [navigator]);

  const loadDeployCard = useCallback(
    async (modelId: string): Promise<void> => {
      setDeployCard(LOADING);
      try {
        const card = await api.getModel(modelId);
        if (mounted.current) {
          setDeployCard(ready(card));
        }
      } catch (error) {
        if (mounted.current) {
          setDeployCard(failed(error));
        }
      }
    },
    [api]
  );

  const deployModelId = page.kind === 'deploy' ? page.modelId : null;
  useEffect(() => {
    if (deployModelId) {
      void loadDeployCard(deployModelId);
    }
  }, [deployModelId, loadDeployCard]);

  const newJobButton = (
    <Button
      className="jp-mod-styled jp-mod-accept"
      onClick={() => setPage({ kind: 'wizard' })}
      data-testid="llama-neuron-finetune-new"
    >
      {trans.__('New fine-tuning job')}
    </Button>
  );

  const onEulaAccepted = (record: IEulaRecord): void => {
    setEulaOpen(false);
    setDeployCard(current =>
      current?.kind === 'ready'
        ? ready({ ...current.value, eula: record, eula_accepted: true })
        : current
    );
  };

  return (
    <div
      className="jp-LlamaNeuron-finetune"
      data-testid="llama-neuron-finetune"
    >
      {page.kind === 'home' && (
        <>
          <div className="jp-LlamaNeuron-toolbar">
            <p className="jp-LlamaNeuron-muted">
              {props.status?.backend === 'local'
                ? trans.__(
                    'Local mode fine-tunes the small stand-in model with LoRA on this machine, so you can rehearse a dataset for free.'
                  )
                : trans.__(
                    'Fine-tune Llama 2 on AWS Trainium (ml.trn1) with your own data; a preflight checks the data before anything is billed.'
                  )}
            </p>
            <span className="jp-LlamaNeuron-actions-spacer" />
            {newJobButton}
          </div>
          <TrainingJobList
            onOpen={job => setPage({ kind: 'job', name: job.name })}
            emptyAction={newJobButton}
          />
        </>
      )}
      {page.kind === 'wizard' && (
        <FineTuneWizard
          models={props.models}
          status={props.status}
          onCancel={() => setPage({ kind: 'home' })}
          onLaunched={job => setPage({ kind: 'job', name: job.name })}
        />
      )}
      {page.kind === 'job' && (
        <TrainingJobView
          key={page.name}
          name={page.name}
          onBack={() => setPage({ kind: 'home' })}
          onDeploy={job =>
            setPage({ kind: 'deploy', name: job.name, modelId: job.model_id })
          }
          onCompare={request => navigator.openCompare(request)}
          onEvaluate={request => navigator.openEvaluate(request)}
        />
      )}
      {page.kind === 'deploy' && (
        <>
          {deployCard?.kind === 'loading' && (
            <p className="jp-LlamaNeuron-muted" role="status">
              {trans.__('Loading the model card…')}
            </p>
          )}
          {deployCard?.kind === 'error' && (
            <ErrorBanner
              error={deployCard.error}
              title={trans.__('Could not load the model card')}
              onRetry={() => void loadDeployCard(page.modelId)}
            />
          )}
          {deployCard?.kind === 'ready' && (
            <DeployForm
              card={deployCard.value}
              status={props.status}
              trainingJob={page.name}
              onCancel={() => setPage({ kind: 'job', name: page.name })}
              onDeployed={endpoint => {
                endpoints.upsert(endpoint);
                notifier?.deployStarted(endpoint);
                setPage({ kind: 'job', name: page.name });
              }}
              onEulaRequired={() => setEulaOpen(true)}
            />
          )}
          {eulaOpen && deployCard?.kind === 'ready' && (
            <EulaDialog
              card={deployCard.value}
              onAccepted={onEulaAccepted}
              onCancel={() => setEulaOpen(false)}
            />
          )}
        </>
      )}
    </div>
  );
}
