import { Button } from '@jupyterlab/ui-components';
import React from 'react';

import {
  HyperparameterValue,
  IExamplePrompt,
  IHyperparameter,
  IModelCard,
  IStatus
} from '../api/types';
import { usePanelServices } from '../context';
import { formatCost } from '../models/deployForm';
import { formatDateTime } from '../models/format';
import { ExamplePrompts } from './ExamplePrompts';
import { OpenNotebookButton } from './OpenNotebookButton';

export interface IModelDetailProps {
  card: IModelCard;
  status: IStatus | null;
  /** A Quick deploy request is in flight. */
  deploying: boolean;
  onBack: () => void;
  onQuickDeploy: () => void;
  onCustomDeploy: () => void;
  /** An endpoint of this model is in service (example prompts then send at once). */
  hasEndpoint: boolean;
  /** "Try this" on an example prompt. */
  onTryExample: (example: IExamplePrompt) => void;
  /** Rendered under the action buttons (deploy error banner). */
  children?: React.ReactNode;
}

/**
 * The model card: the deploy buttons first (where the eye lands), then description, licence and its links,
 * default instance and price, example prompts with "Try this", the precompiled configurations, and
 * fine-tuning support with its hyperparameters.
 */
export function ModelDetail(props: IModelDetailProps): JSX.Element {
  const { trans } = usePanelServices();
  const { card, status } = props;
  const local = status?.backend === 'local';
  const canDeploy = card.allowed && card.precompiled_configs.length > 0;
  const headingId = `jp-LlamaNeuron-detail-title-${card.id}`;

  return (
    <article
      className="jp-LlamaNeuron-detail"
      aria-labelledby={headingId}
      data-testid="llama-neuron-model-detail"
      data-model-id={card.id}
    >
      <div className="jp-LlamaNeuron-detail-nav">
        <Button
          minimal
          small
          onClick={props.onBack}
          data-testid="llama-neuron-back-to-catalog"
        >
          {trans.__('← Back to catalog')}
        </Button>
      </div>
      <h3 id={headingId} className="jp-LlamaNeuron-detail-title">
        {card.display_name}
      </h3>
      <p className="jp-LlamaNeuron-tile-badges">
        <span className="jp-LlamaNeuron-badge">{card.params}</span>
        <span className="jp-LlamaNeuron-badge">
          {card.chat ? trans.__('Chat') : trans.__('Base')}
        </span>
        {card.fine_tunable && (
          <span className="jp-LlamaNeuron-badge jp-LlamaNeuron-badge-accent">
            {trans.__('Fine-tunable')}
          </span>
        )}
        <span className="jp-LlamaNeuron-muted">
          {trans.__('%1 · version %2', card.id, card.version)}
        </span>
      </p>
      <div
        className="jp-LlamaNeuron-actions jp-LlamaNeuron-detail-actions"
        role="group"
        aria-label={trans.__('Actions')}
      >
        <Button
          className="jp-mod-styled jp-mod-accept"
          disabled={!canDeploy || props.deploying}
          onClick={props.onQuickDeploy}
          title={trans.__(
            'Deploy with the default configuration: %1 · %2 per hour',
            card.default_instance_type,
            formatCost(card.price_per_hour)
          )}
          data-testid="llama-neuron-quick-deploy"
        >
          {props.deploying ? trans.__('Deploying…') : trans.__('Quick deploy')}
        </Button>
        <span
          className="jp-LlamaNeuron-muted"
          data-testid="llama-neuron-quick-deploy-summary"
        >
          {local
            ? trans.__('on this computer, no AWS charges')
            : trans.__(
                '%1 · %2 per hour',
                card.default_instance_type,
                formatCost(card.price_per_hour)
              )}
        </span>
        <Button
          className="jp-mod-styled"
          disabled={!canDeploy || props.deploying}
          onClick={props.onCustomDeploy}
          data-testid="llama-neuron-custom-deploy"
        >
          {trans.__('Custom deploy')}
        </Button>
        <OpenNotebookButton
          testId="llama-neuron-open-notebook"
          disabled={!canDeploy}
          request={() => ({ step: 'deploy', model_id: card.id })}
        />
      </div>
      {!card.allowed && (
        <p className="jp-LlamaNeuron-warning">
          {trans.__(
            'Your administrator has not allowed this model to be deployed here.'
          )}
        </p>
      )}
      {props.children}
      <p>{card.description}</p>
      {!card.chat && (
        <p className="jp-LlamaNeuron-muted">
          {trans.__(
            'Base model: give it text to continue (e.g. "The capital of France is"), not questions.'
          )}
        </p>
      )}

      {local && card.local_stand_in && (
        <p
          className="jp-LlamaNeuron-notice"
          data-testid="llama-neuron-local-stand-in"
        >
          {card.local_stand_in}
        </p>
      )}

      {card.example_prompts.length > 0 && (
        <ExamplePrompts
          examples={card.example_prompts}
          hasEndpoint={props.hasEndpoint}
          disabled={!canDeploy || props.deploying}
          onTry={props.onTryExample}
        />
      )}

      <section aria-label={trans.__('License')}>
        <h4>{trans.__('License')}</h4>
        <p>{card.license}</p>
        <ul className="jp-LlamaNeuron-links">
          <li>
            <a href={card.eula_url} target="_blank" rel="noopener noreferrer">
              {trans.__('Llama 2 Community License (EULA)')}
            </a>
          </li>
          <li>
            <a href={card.aup_url} target="_blank" rel="noopener noreferrer">
              {trans.__('Acceptable Use Policy')}
            </a>
          </li>
        </ul>
        <p data-testid="llama-neuron-eula-state">
          {card.eula
            ? trans.__(
                'Accepted by %1 on %2.',
                card.eula.user,
                formatDateTime(card.eula.accepted_at)
              )
            : trans.__(
                'Not accepted yet: you will be asked before the first deploy.'
              )}
        </p>
      </section>

      <section aria-label={trans.__('Deployment')}>
        <h4>{trans.__('Deployment')}</h4>
        <p
          data-testid="llama-neuron-default-instance"
          title={card.price_source || undefined}
        >
          {trans.__(
            'Default instance: %1 · %2 per hour (%3)',
            card.default_instance_type,
            formatCost(card.price_per_hour),
            card.price_label
          )}
        </p>
        {card.config_note && (
          <p className="jp-LlamaNeuron-muted">{card.config_note}</p>
        )}
        {card.precompiled_configs.length === 0 ? (
          <p className="jp-LlamaNeuron-warning">
            {trans.__(
              'No precompiled configuration is known for this model, so it cannot be deployed here.'
            )}
          </p>
        ) : (
          <table
            className="jp-LlamaNeuron-table"
            data-testid="llama-neuron-precompiled-table"
          >
            <caption>{trans.__('Precompiled Neuron configurations')}</caption>
            <thead>
              <tr>
                <th scope="col">{trans.__('Instance')}</th>
                <th scope="col">{trans.__('Context length')}</th>
                <th scope="col">{trans.__('Rolling batch')}</th>
                <th scope="col">{trans.__('Tensor parallel')}</th>
                <th scope="col">{trans.__('Data type')}</th>
                <th scope="col">{trans.__('Price per hour')}</th>
              </tr>
            </thead>
            <tbody>
              {card.precompiled_configs.map(config => (
                <tr
                  key={`${config.instance_type}/${config.n_positions}/${config.max_rolling_batch_size}/${config.tensor_parallel_degree}/${config.dtype}`}
                >
                  <td>
                    {config.instance_type}
                    {config.is_default && (
                      <span className="jp-LlamaNeuron-badge jp-LlamaNeuron-badge-accent">
                        {trans.__('default')}
                      </span>
                    )}
                  </td>
                  <td>{config.n_positions}</td>
                  <td>{config.max_rolling_batch_size}</td>
                  <td>{config.tensor_parallel_degree}</td>
                  <td>{config.dtype}</td>
                  <td>{formatCost(config.price_per_hour)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-label={trans.__('Fine-tuning')}>
        <h4>{trans.__('Fine-tuning')}</h4>
        {card.training.supported ? (
          <>
            <p>
              {card.training.default_instance_type
                ? trans.__(
                    'Supported on AWS Trainium. Default training instance: %1.',
                    card.training.default_instance_type
                  )
                : trans.__('Supported on AWS Trainium.')}
            </p>
            {card.training.instance_types.length > 0 && (
              <p className="jp-LlamaNeuron-muted">
                {card.training.instance_types
                  .map(item =>
                    trans.__(
                      '%1: %2/h',
                      item.instance_type,
                      formatCost(item.price_per_hour)
                    )
                  )
                  .join(' · ')}
              </p>
            )}
          </>
        ) : (
          <p>{trans.__('Fine-tuning is not offered for this model.')}</p>
        )}
        {card.training.note && (
          <p className="jp-LlamaNeuron-muted">{card.training.note}</p>
        )}
        {card.training.supported &&
          card.training.hyperparameters.length > 0 && (
            <table
              className="jp-LlamaNeuron-table"
              data-testid="llama-neuron-hyperparameters-table"
            >
              <caption>{trans.__('Hyperparameters')}</caption>
              <thead>
                <tr>
                  <th scope="col">{trans.__('Name')}</th>
                  <th scope="col">{trans.__('Type')}</th>
                  <th scope="col">{trans.__('Default')}</th>
                  <th scope="col">{trans.__('Valid values')}</th>
                  <th scope="col">{trans.__('Description')}</th>
                </tr>
              </thead>
              <tbody>
                {card.training.hyperparameters.map(hp => (
                  <tr key={hp.name}>
                    <td>
                      <code>{hp.name}</code>
                    </td>
                    <td>{hp.type}</td>
                    <td>{formatValue(hp.default)}</td>
                    <td>{formatRange(hp, trans.__('any'))}</td>
                    <td>{hp.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>
    </article>
  );
}

function formatValue(value: HyperparameterValue): string {
  if (value === null || value === undefined) {
    return '—';
  }
  return String(value);
}

function formatRange(hp: IHyperparameter, any: string): string {
  if (hp.options && hp.options.length > 0) {
    return hp.options.join(', ');
  }
  const hasMin = typeof hp.min === 'number';
  const hasMax = typeof hp.max === 'number';
  if (hasMin && hasMax) {
    return `${hp.min} – ${hp.max}`;
  }
  if (hasMin) {
    return `≥ ${hp.min}`;
  }
  if (hasMax) {
    return `≤ ${hp.max}`;
  }
  return any;
}
