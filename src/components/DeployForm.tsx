import { Button, HTMLSelect, InputGroup } from '@jupyterlab/ui-components';
import React, { useMemo, useRef, useState } from 'react';

import { ApiRequestError, toApiRequestError } from '../api/client';
import {
  IEndpoint,
  IModelCard,
  IPrecompiledConfig,
  IStatus
} from '../api/types';
import { usePanelServices, useServerRules } from '../context';
import { useCostGuard } from '../hooks';
import {
  autoDeleteOptions,
  parseAutoDeleteValue,
  SERVER_DEFAULT
} from '../models/costGuard';
import {
  availableInstanceTypes,
  buildCreateRequest,
  buildPreview,
  ClientTokenBook,
  configKey,
  configsForInstance,
  costPerDay,
  defaultConfigForInstance,
  defaultSelection,
  formatCost,
  priceForInstance,
  priceRatio,
  suggestEndpointName,
  validateEndpointName
} from '../models/deployForm';
import { ErrorBanner } from './ErrorBanner';
import { OpenNotebookButton } from './OpenNotebookButton';

export interface IDeployFormProps {
  card: IModelCard;
  status: IStatus | null;
  onCancel: () => void;
  onDeployed: (endpoint: IEndpoint) => void;
  /** The server refused because the licence is not accepted (403 EulaNotAccepted). */
  onEulaRequired: () => void;
  /** Deploy the model this completed training job produced (fine-tuned) instead of the base model. */
  trainingJob?: string | null;
}

/**
 * Custom deploy: the instance type first, then only the precompiled tuples valid for it; price, GPU
 * comparison and a preview of what will be created. One client token per form opening and request
 * content, so a double click creates one endpoint.
 */
export function DeployForm(props: IDeployFormProps): JSX.Element {
  const { api, trans, settings, costGuard } = usePanelServices();
  const nameRule = useServerRules()?.resource_name ?? null;
  const guard = useCostGuard(costGuard);
  const { card, status } = props;
  const backend = status?.backend ?? 'sagemaker';
  const local = backend === 'local';

  const instances = useMemo(() => availableInstanceTypes(card), [card]);
  const initial = useMemo(() => defaultSelection(card), [card]);
  const [instanceType, setInstanceType] = useState(
    initial?.instance_type ?? ''
  );
  const [selectedKey, setSelectedKey] = useState(
    initial ? configKey(initial) : ''
  );
  // Empty: the server names it (a fine-tuned model after its training job); the placeholder says how.
  const [endpointName, setEndpointName] = useState('');
  const suggestedName = useMemo(
    () =>
      props.trainingJob || suggestEndpointName(card.id, nameRule?.max_length),
    [props.trainingJob, card.id, nameRule?.max_length]
  );
  const [autoDelete, setAutoDelete] = useState(() => {
    const preferred = settings.values.autoDeleteIdleMinutes;
    return preferred === null ? SERVER_DEFAULT : String(preferred);
  });
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<ApiRequestError | null>(null);
  const tokens = useRef(new ClientTokenBook());
  const inFlight = useRef(false);

  const configs = configsForInstance(card, instanceType);
  const selected: IPrecompiledConfig | null =
    configs.find(config => configKey(config) === selectedKey) ?? null;
  const trimmedName = endpointName.trim();
  const nameProblem = trimmedName
    ? validateEndpointName(trimmedName, nameRule)
    : null;
  const price = selected
    ? priceForInstance(card, selected.instance_type)
    : null;
  const preview = selected
    ? buildPreview({
        card,
        config: selected,
        endpointName: trimmedName,
        backend
      })
    : null;
  const idBase = `jp-LlamaNeuron-deploy-${card.id}`;

  const chooseInstance = (value: string): void => {
    setInstanceType(value);
    const config = defaultConfigForInstance(card, value);
    setSelectedKey(config ? configKey(config) : '');
  };

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    if (!selected || nameProblem || inFlight.current) {
      return;
    }
    const request = buildCreateRequest({
      modelId: card.id,
      config: selected,
      endpointName: trimmedName,
      clientToken: '',
      trainingJob: props.trainingJob
    });
    const idleMinutes = parseAutoDeleteValue(autoDelete);
    if (idleMinutes !== null) {
      request.auto_delete_idle_minutes = idleMinutes;
    }
    request.client_token = tokens.current.tokenFor(request);
    inFlight.current = true;
    setSubmitting(true);
    setError(null);
    try {
      const endpoint = await api.createEndpoint(request);
      props.onDeployed(endpoint);
    } catch (reason) {
      const apiError = toApiRequestError(reason);
      if (apiError.status === 403 && apiError.code === 'EulaNotAccepted') {
        props.onEulaRequired();
      }
      setError(apiError);
    } finally {
      inFlight.current = false;
      setSubmitting(false);
    }
  };

  if (instances.length === 0) {
    return (
      <section
        className="jp-LlamaNeuron-deploy"
        data-testid="llama-neuron-deploy-form"
      >
        <p className="jp-LlamaNeuron-warning">
          {trans.__(
            'No precompiled configuration is available for this model.'
          )}
        </p>
        <Button onClick={props.onCancel}>{trans.__('Back')}</Button>
      </section>
    );
  }

  const perDay = costPerDay(price);

  return (
    <form
      className="jp-LlamaNeuron-deploy"
      aria-labelledby={`${idBase}-title`}
      data-testid="llama-neuron-deploy-form"
      onSubmit={event => void submit(event)}
    >
      <h3 id={`${idBase}-title`}>
        {props.trainingJob
          ? trans.__(
              'Deploy fine-tuned model: %1 (%2)',
              props.trainingJob,
              card.display_name
            )
          : trans.__('Custom deploy: %1', card.display_name)}
      </h3>
      <p
        className="jp-LlamaNeuron-muted"
        data-testid="llama-neuron-deploy-note"
      >
        {props.trainingJob && card.training.deploy_note
          ? card.training.deploy_note
          : trans.__(
              'Only precompiled Neuron configurations can be chosen, so the endpoint starts without compiling the model.'
            )}
      </p>

      <div className="jp-LlamaNeuron-field">
        <label htmlFor={`${idBase}-instance`}>
          {trans.__('Instance type')}
        </label>
        <HTMLSelect
          id={`${idBase}-instance`}
          data-testid="llama-neuron-deploy-instance"
          value={instanceType}
          onChange={event => chooseInstance(event.currentTarget.value)}
          options={instances.map(instance => ({
            value: instance,
            label: trans.__(
              '%1 — %2/h',
              instance,
              formatCost(priceForInstance(card, instance))
            )
          }))}
        />
      </div>

      <fieldset className="jp-LlamaNeuron-fieldset">
        <legend>{trans.__('Precompiled configuration')}</legend>
        {configs.length === 0 ? (
          <p className="jp-LlamaNeuron-warning">
            {trans.__('No precompiled configuration for this instance type.')}
          </p>
        ) : (
          <table className="jp-LlamaNeuron-table jp-LlamaNeuron-config-table">
            <thead>
              <tr>
                <th scope="col">
                  <span className="jp-LlamaNeuron-sr-only">
                    {trans.__('Choose')}
                  </span>
                </th>
                <th scope="col">{trans.__('Context length (tokens)')}</th>
                <th scope="col">{trans.__('Rolling batch size')}</th>
                <th scope="col">{trans.__('Tensor parallel degree')}</th>
                <th scope="col">{trans.__('Data type')}</th>
              </tr>
            </thead>
            <tbody>
              {configs.map(config => {
                const key = configKey(config);
                const radioId = `${idBase}-config-${key.replace(/[^a-zA-Z0-9]+/g, '-')}`;
                return (
                  <tr
                    key={key}
                    className={key === selectedKey ? 'jp-mod-selected' : ''}
                    onClick={() => setSelectedKey(key)}
                  >
                    <td>
                      <input
                        type="radio"
                        id={radioId}
                        name={`${idBase}-config`}
                        value={key}
                        checked={key === selectedKey}
                        onChange={() => setSelectedKey(key)}
                        aria-label={trans.__(
                          'Context %1 tokens, batch %2, tensor parallel %3, %4',
                          config.n_positions,
                          config.max_rolling_batch_size,
                          config.tensor_parallel_degree,
                          config.dtype
                        )}
                        data-testid={`llama-neuron-config-${config.n_positions}-${config.max_rolling_batch_size}-${config.tensor_parallel_degree}-${config.dtype}`}
                      />
                    </td>
                    <td>{config.n_positions}</td>
                    <td>{config.max_rolling_batch_size}</td>
                    <td>{config.tensor_parallel_degree}</td>
                    <td>
                      {config.dtype}
                      {config.is_default && (
                        <span className="jp-LlamaNeuron-badge jp-LlamaNeuron-badge-accent">
                          {trans.__('default')}
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {local && (
          <p className="jp-LlamaNeuron-muted">
            {trans.__(
              'Local mode: the context length caps the tokens and the rolling batch size is the number of concurrent requests; tensor parallelism has no local meaning.'
            )}
          </p>
        )}
      </fieldset>

      <p
        className="jp-LlamaNeuron-price"
        data-testid="llama-neuron-deploy-price"
      >
        {local
          ? trans.__(
              'On AWS this would cost %1 per hour (%2 per day). Local mode runs on this machine at no AWS charge.',
              formatCost(price),
              formatCost(perDay)
            )
          : trans.__(
              '%1 per hour, about %2 per day, billed until you delete the endpoint.',
              formatCost(price),
              formatCost(perDay)
            )}{' '}
        <span className="jp-LlamaNeuron-muted">
          {trans.__('Prices: %1', card.price_label)}
        </span>
      </p>

      {card.gpu_comparison.length > 0 && (
        <table
          className="jp-LlamaNeuron-table"
          data-testid="llama-neuron-gpu-comparison"
        >
          <caption>{trans.__('Compared with GPU instances')}</caption>
          <thead>
            <tr>
              <th scope="col">{trans.__('Instance')}</th>
              <th scope="col">{trans.__('Price per hour')}</th>
              <th scope="col">{trans.__('vs. this choice')}</th>
              <th scope="col">{trans.__('Note')}</th>
            </tr>
          </thead>
          <tbody>
            {card.gpu_comparison.map(gpu => {
              const ratio = priceRatio(gpu.price_per_hour, price);
              return (
                <tr key={gpu.instance_type}>
                  <td>{gpu.instance_type}</td>
                  <td>{formatCost(gpu.price_per_hour)}</td>
                  <td>
                    {ratio === null ? '—' : trans.__('%1×', ratio.toFixed(1))}
                  </td>
                  <td>{gpu.note}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      <div className="jp-LlamaNeuron-field">
        <label htmlFor={`${idBase}-name`}>
          {trans.__('Endpoint name (optional)')}
        </label>
        <InputGroup
          id={`${idBase}-name`}
          data-testid="llama-neuron-deploy-name"
          value={endpointName}
          placeholder={suggestedName}
          maxLength={80}
          spellCheck={false}
          aria-invalid={nameProblem !== null}
          aria-describedby={`${idBase}-name-help`}
          onChange={event => setEndpointName(event.currentTarget.value)}
        />
        <span
          id={`${idBase}-name-help`}
          className={
            nameProblem ? 'jp-LlamaNeuron-field-error' : 'jp-LlamaNeuron-muted'
          }
          role={nameProblem ? 'alert' : undefined}
        >
          {nameProblem === 'too-long'
            ? trans.__('At most %1 characters.', nameRule?.max_length ?? '')
            : nameProblem === 'invalid'
              ? nameRule?.message
              : props.trainingJob
                ? trans.__(
                    'Leave empty to name it after the training job (%1).',
                    props.trainingJob
                  )
                : trans.__(
                    'Leave empty to let the server choose a name (like %1).',
                    suggestedName
                  )}
        </span>
      </div>

      <div className="jp-LlamaNeuron-field">
        <label htmlFor={`${idBase}-auto-delete`}>
          {trans.__('Auto-delete when idle')}
        </label>
        <HTMLSelect
          id={`${idBase}-auto-delete`}
          data-testid="llama-neuron-deploy-auto-delete"
          value={autoDelete}
          aria-describedby={`${idBase}-auto-delete-help`}
          onChange={event => setAutoDelete(event.currentTarget.value)}
          options={autoDeleteOptions(trans, {
            defaultMinutes: guard ? guard.default_idle_minutes : null,
            current: parseAutoDeleteValue(autoDelete)
          })}
        />
        <span
          id={`${idBase}-auto-delete-help`}
          className="jp-LlamaNeuron-muted"
        >
          {trans.__(
            'Deletes the endpoint after this long without invocations; a notification with a Keep button comes first. Changeable later in Resources.'
          )}
        </span>
      </div>

      {preview && (
        <section
          className="jp-LlamaNeuron-preview"
          aria-label={trans.__('What will be created')}
          data-testid="llama-neuron-deploy-preview"
        >
          <h4>{trans.__('What will be created')}</h4>
          <dl>
            {preview.backend === 'local' ? (
              <>
                <dt>{trans.__('Local endpoint')}</dt>
                <dd>
                  {preview.endpointName ??
                    trans.__('(name chosen by the server)')}
                </dd>
                <dt>{trans.__('Served by')}</dt>
                <dd>
                  {preview.servedBy ?? trans.__('the local stand-in model')}
                </dd>
                <dt>{trans.__('Runs as')}</dt>
                <dd>{trans.__('a worker process on this machine')}</dd>
              </>
            ) : (
              <>
                <dt>{trans.__('SageMaker endpoint')}</dt>
                <dd>
                  {preview.endpointName ??
                    trans.__('(name chosen by the server)')}
                </dd>
                <dt>{trans.__('Endpoint configuration')}</dt>
                <dd>
                  {preview.endpointConfigName ??
                    trans.__('(same name as the endpoint)')}
                </dd>
                <dt>{trans.__('SageMaker model')}</dt>
                <dd>
                  {trans.__(
                    'JumpStart %1, version %2 (name assigned by SageMaker)',
                    preview.modelId,
                    preview.modelVersion
                  )}
                </dd>
              </>
            )}
            <dt>
              {preview.backend === 'local'
                ? trans.__('Rules of instance')
                : trans.__('Instance')}
            </dt>
            <dd>
              {trans.__('%1 × %2', preview.instanceCount, preview.instanceType)}
            </dd>
            <dt>{trans.__('Environment')}</dt>
            <dd>
              <ul className="jp-LlamaNeuron-env">
                {preview.env.map(([name, value]) => (
                  <li key={name}>
                    <code>
                      {name}={value}
                    </code>
                  </li>
                ))}
              </ul>
            </dd>
          </dl>
        </section>
      )}

      {error && (
        <ErrorBanner
          error={error}
          title={trans.__('The endpoint was not created')}
          onDismiss={() => setError(null)}
        />
      )}

      <div className="jp-LlamaNeuron-actions">
        <Button
          type="submit"
          className="jp-mod-styled jp-mod-accept"
          disabled={
            !selected || nameProblem !== null || submitting || !card.allowed
          }
          data-testid="llama-neuron-deploy-submit"
        >
          {submitting ? trans.__('Deploying…') : trans.__('Deploy')}
        </Button>
        <Button
          type="button"
          className="jp-mod-styled jp-mod-reject"
          onClick={props.onCancel}
          data-testid="llama-neuron-deploy-cancel"
        >
          {trans.__('Cancel')}
        </Button>
        <OpenNotebookButton
          testId="llama-neuron-deploy-notebook"
          disabled={!selected || nameProblem !== null || !card.allowed}
          request={() => {
            if (!selected || nameProblem) {
              return null;
            }
            const create = buildCreateRequest({
              modelId: card.id,
              config: selected,
              endpointName: trimmedName,
              clientToken: '',
              trainingJob: props.trainingJob
            });
            return {
              step: 'deploy',
              model_id: create.model_id,
              config: create.config ?? null,
              endpoint_name: create.endpoint_name ?? null,
              training_job: create.training_job ?? null
            };
          }}
        />
      </div>
    </form>
  );
}
