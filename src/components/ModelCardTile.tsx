import React from 'react';

import { IModelSummary } from '../api/types';
import { usePanelServices } from '../context';
import { formatCost } from '../models/deployForm';

export interface IModelCardTileProps {
  model: IModelSummary;
  /** Local mode: prices are only what the same choice would cost on AWS. */
  local: boolean;
  onOpen: (modelId: string) => void;
}

/**
 * One model of the catalog: size, base or chat, default instance and its price, fine-tunable badge.
 * The whole tile is a button (Enter / Space open the model card).
 */
export function ModelCardTile(props: IModelCardTileProps): JSX.Element {
  const { trans } = usePanelServices();
  const { model } = props;
  const kind = model.chat ? trans.__('Chat') : trans.__('Base');
  return (
    <button
      type="button"
      className="jp-LlamaNeuron-tile"
      data-testid={`llama-neuron-model-card-${model.id}`}
      data-model-id={model.id}
      aria-label={trans.__('Open %1', model.display_name)}
      aria-describedby={`jp-LlamaNeuron-tile-desc-${model.id}`}
      onClick={() => props.onOpen(model.id)}
    >
      <span className="jp-LlamaNeuron-tile-title">{model.display_name}</span>
      <span className="jp-LlamaNeuron-tile-badges">
        <span className="jp-LlamaNeuron-badge">{model.params}</span>
        <span
          className={`jp-LlamaNeuron-badge ${model.chat ? 'jp-LlamaNeuron-badge-chat' : ''}`}
        >
          {kind}
        </span>
        {model.fine_tunable && (
          <span className="jp-LlamaNeuron-badge jp-LlamaNeuron-badge-accent">
            {trans.__('Fine-tunable')}
          </span>
        )}
        {model.eula_accepted && (
          <span className="jp-LlamaNeuron-badge">
            {trans.__('License accepted')}
          </span>
        )}
        {!model.allowed && (
          <span className="jp-LlamaNeuron-badge jp-LlamaNeuron-badge-warn">
            {trans.__('Not allowed here')}
          </span>
        )}
      </span>
      <span
        className="jp-LlamaNeuron-tile-desc"
        id={`jp-LlamaNeuron-tile-desc-${model.id}`}
      >
        {model.description}
      </span>
      <span className="jp-LlamaNeuron-tile-price">
        {trans.__(
          'Default: %1 · %2/h',
          model.default_instance_type,
          formatCost(model.price_per_hour)
        )}
        {props.local && (
          <span className="jp-LlamaNeuron-muted">
            {' '}
            {trans.__('(on AWS; local mode is free)')}
          </span>
        )}
      </span>
      <span className="jp-LlamaNeuron-tile-id jp-LlamaNeuron-muted">
        {model.id}
      </span>
    </button>
  );
}
