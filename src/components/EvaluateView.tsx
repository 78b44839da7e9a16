import { Signal } from '@lumino/signaling';
import React, { useEffect, useMemo } from 'react';

import { usePanelServices } from '../context';
import { useSignal } from '../hooks';
import {
  EvaluationModel,
  isEvaluationRunning
} from '../models/evaluationModel';
import { IEvaluateRequest } from '../models/panelNavigator';
import { ErrorBanner } from './ErrorBanner';
import { EvaluationList } from './EvaluationList';
import { EvaluationReport } from './EvaluationReport';
import { EvaluationSetup } from './EvaluationSetup';

export interface IEvaluateViewProps {
  /** From "Evaluate on held-out rows" of a training job or Compare (`PanelNavigator.openEvaluate`). */
  request: IEvaluateRequest | null;
}

/**
 * Did fine-tuning help? The same rows sent to the base and the fine-tuned endpoints, scored against the
 * references (exact match, token F1, ROUGE-L with bootstrap intervals), with the saved reports below.
 */
export function EvaluateView(props: IEvaluateViewProps): JSX.Element {
  const services = usePanelServices();
  const { trans } = services;
  const evaluations = services.evaluations ?? null;
  const model = useMemo(
    () => (evaluations ? new EvaluationModel({ api: evaluations }) : null),
    [evaluations]
  );
  useEffect(() => {
    void model?.refresh();
    return () => model?.dispose();
  }, [model]);
  const idle = useMemo(() => new Signal<object, void>({}), []);
  useSignal(model?.changed ?? idle);

  if (!model || !evaluations) {
    return (
      <p className="jp-LlamaNeuron-muted">
        {trans.__('Evaluations are not available in this view.')}
      </p>
    );
  }
  const current = model.current;
  return (
    <section
      className="jp-LlamaNeuron-evaluate"
      aria-labelledby="jp-LlamaNeuron-evaluate-title"
      data-testid="llama-neuron-evaluate"
    >
      <h2 id="jp-LlamaNeuron-evaluate-title">
        {trans.__('Evaluate on held-out rows')}
      </h2>
      <p className="jp-LlamaNeuron-muted">
        {trans.__(
          'Sends the same rows to both endpoints with the same parameters and scores each answer against its reference.'
        )}
      </p>
      <EvaluationSetup
        request={props.request}
        busy={isEvaluationRunning(current)}
        onStart={async body => {
          await model.start(body);
        }}
      />
      {model.error && (
        <ErrorBanner
          error={model.error}
          title={trans.__('Evaluation')}
          onRetry={() => void model.refresh()}
        />
      )}
      {current && (
        <EvaluationReport
          evaluation={current}
          api={evaluations}
          onStop={() => void model.stop()}
        />
      )}
      <h3>{trans.__('Saved evaluations')}</h3>
      <EvaluationList
        list={model.list}
        currentId={current?.id ?? null}
        onOpen={id => void model.open(id)}
        onDelete={id => void model.remove(id)}
        onRetry={() => void model.refresh()}
      />
    </section>
  );
}
