import { HTMLSelect, InputGroup } from '@jupyterlab/ui-components';
import React from 'react';

import { IModelSummary } from '../api/types';
import { usePanelServices } from '../context';
import {
  availableSizes,
  filterCatalog,
  ICatalogFilter,
  KindFilter
} from '../models/catalogFilter';
import { Loadable } from '../models/loadable';
import { ErrorBanner } from './ErrorBanner';
import { ModelCardTile } from './ModelCardTile';

export interface ICatalogViewProps {
  models: Loadable<IModelSummary[]>;
  filter: ICatalogFilter;
  local: boolean;
  onFilterChange: (filter: ICatalogFilter) => void;
  onOpenModel: (modelId: string) => void;
  onRetry: () => void;
}

/**
 * The catalog: a search box, filters (size, chat/base, fine-tunable) and a grid of model tiles.
 */
export function CatalogView(props: ICatalogViewProps): JSX.Element {
  const { trans } = usePanelServices();
  const { filter, models } = props;
  const all = models.kind === 'ready' ? models.value : [];
  const shown = filterCatalog(all, filter);
  const sizes = availableSizes(all);
  const update = (patch: Partial<ICatalogFilter>): void =>
    props.onFilterChange({ ...filter, ...patch });

  return (
    <section
      className="jp-LlamaNeuron-catalog"
      aria-label={trans.__('Model catalog')}
      data-testid="llama-neuron-catalog"
    >
      <div className="jp-LlamaNeuron-toolbar" role="search">
        <div className="jp-LlamaNeuron-search">
          <InputGroup
            type="search"
            aria-label={trans.__('Search models')}
            placeholder={trans.__('Search models, e.g. "13b chat"')}
            data-testid="llama-neuron-search"
            value={filter.query}
            onChange={event => update({ query: event.currentTarget.value })}
            rightIcon="ui-components:search"
          />
        </div>
        <label className="jp-LlamaNeuron-field-inline">
          <span>{trans.__('Size')}</span>
          <HTMLSelect
            aria-label={trans.__('Filter by size')}
            data-testid="llama-neuron-filter-size"
            value={filter.size}
            onChange={event => update({ size: event.currentTarget.value })}
            options={[
              { value: 'all', label: trans.__('All sizes') },
              ...sizes.map(size => ({ value: size, label: size }))
            ]}
          />
        </label>
        <label className="jp-LlamaNeuron-field-inline">
          <span>{trans.__('Type')}</span>
          <HTMLSelect
            aria-label={trans.__('Filter by type')}
            data-testid="llama-neuron-filter-kind"
            value={filter.kind}
            onChange={event =>
              update({ kind: event.currentTarget.value as KindFilter })
            }
            options={[
              { value: 'all', label: trans.__('Chat and base') },
              { value: 'chat', label: trans.__('Chat') },
              { value: 'base', label: trans.__('Base') }
            ]}
          />
        </label>
        <label className="jp-LlamaNeuron-field-inline jp-LlamaNeuron-checkbox">
          <input
            type="checkbox"
            data-testid="llama-neuron-filter-finetunable"
            checked={filter.fineTunableOnly}
            onChange={event =>
              update({ fineTunableOnly: event.currentTarget.checked })
            }
          />
          <span>{trans.__('Fine-tunable only')}</span>
        </label>
      </div>

      {models.kind === 'loading' && (
        <p className="jp-LlamaNeuron-muted" role="status">
          {trans.__('Loading the catalog…')}
        </p>
      )}
      {models.kind === 'error' && (
        <ErrorBanner
          error={models.error}
          title={trans.__('Could not load the catalog')}
          onRetry={props.onRetry}
        />
      )}
      {models.kind === 'ready' && (
        <>
          <p
            className="jp-LlamaNeuron-muted"
            role="status"
            aria-live="polite"
            data-testid="llama-neuron-catalog-count"
          >
            {trans._n('%1 model', '%1 models', shown.length)}
          </p>
          {shown.length === 0 ? (
            <p className="jp-LlamaNeuron-empty">
              {trans.__(
                'No model matches. Try "llama", "chat" or "13b", or clear the filters.'
              )}
            </p>
          ) : (
            <ul className="jp-LlamaNeuron-grid" aria-label={trans.__('Models')}>
              {shown.map(model => (
                <li key={model.id}>
                  <ModelCardTile
                    model={model}
                    local={props.local}
                    onOpen={props.onOpenModel}
                  />
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
