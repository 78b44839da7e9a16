/**
 * One licence acceptance may cover several models (`covers`, "accept for all Llama 2 models"): which
 * model cards and catalog entries it marks accepted, each with a record naming that model.
 */
import { IEulaRecord, IModelCard, IModelSummary } from '../api/types';
import { Loadable, ready } from './loadable';

/** The ids an acceptance covers: `covers` when the server sent it, else the one model. */
export function coveredModels(record: IEulaRecord): Set<string> {
  return new Set(record.covers ?? [record.model_id]);
}

/** The record of one covered model (the server keeps one per model, naming it). */
export function recordFor(record: IEulaRecord, modelId: string): IEulaRecord {
  const single: IEulaRecord = { ...record, model_id: modelId };
  delete single.covers;
  return single;
}

/** Loaded model cards with the covered ones marked accepted. */
export function acceptCards(
  cards: Record<string, Loadable<IModelCard>>,
  record: IEulaRecord
): Record<string, Loadable<IModelCard>> {
  const covered = coveredModels(record);
  const next = { ...cards };
  for (const [modelId, card] of Object.entries(cards)) {
    if (covered.has(modelId) && card.kind === 'ready') {
      next[modelId] = ready({
        ...card.value,
        eula: recordFor(record, modelId),
        eula_accepted: true
      });
    }
  }
  return next;
}

/** The catalog with the covered models marked accepted. */
export function acceptSummaries(
  models: readonly IModelSummary[],
  record: IEulaRecord
): IModelSummary[] {
  const covered = coveredModels(record);
  return models.map(model =>
    covered.has(model.id) ? { ...model, eula_accepted: true } : model
  );
}
