import React, { useRef } from 'react';

import { usePanelServices } from '../context';
import { PANEL_TABS, PanelTab } from '../models/panelNavigator';

const TABS: readonly PanelTab[] = PANEL_TABS;

export interface IPanelTabBarProps {
  /** The selected tab. */
  tab: PanelTab;
  onChange: (tab: PanelTab) => void;
}

/** The panel's tabs: a tablist reachable with the arrow keys, Home and End. */
export function PanelTabBar(props: IPanelTabBarProps): JSX.Element {
  const { trans } = usePanelServices();
  const { tab } = props;
  const tabRefs = useRef<Record<PanelTab, HTMLButtonElement | null>>({
    catalog: null,
    resources: null,
    playground: null,
    compare: null,
    finetune: null,
    evaluate: null
  });

  const onTabKeyDown = (
    event: React.KeyboardEvent<HTMLButtonElement>
  ): void => {
    const index = TABS.indexOf(tab);
    let next: PanelTab | null = null;
    if (event.key === 'ArrowRight') {
      next = TABS[(index + 1) % TABS.length];
    } else if (event.key === 'ArrowLeft') {
      next = TABS[(index - 1 + TABS.length) % TABS.length];
    } else if (event.key === 'Home') {
      next = TABS[0];
    } else if (event.key === 'End') {
      next = TABS[TABS.length - 1];
    }
    if (next) {
      event.preventDefault();
      props.onChange(next);
      tabRefs.current[next]?.focus();
    }
  };

  const tabLabel = (value: PanelTab): string => {
    switch (value) {
      case 'catalog':
        return trans.__('Catalog');
      case 'resources':
        return trans.__('Resources');
      case 'playground':
        return trans.__('Playground');
      case 'compare':
        return trans.__('Compare');
      case 'finetune':
        return trans.__('Fine-tune');
      case 'evaluate':
        return trans.__('Evaluate');
      default:
        return value;
    }
  };

  return (
    <div
      className="jp-LlamaNeuron-tabs"
      role="tablist"
      aria-label={trans.__('Llama 2 on Neuron sections')}
    >
      {TABS.map(value => (
        <button
          key={value}
          ref={element => {
            tabRefs.current[value] = element;
          }}
          type="button"
          role="tab"
          id={`jp-LlamaNeuron-tab-${value}`}
          aria-selected={tab === value}
          aria-controls={`jp-LlamaNeuron-tabpanel-${value}`}
          tabIndex={tab === value ? 0 : -1}
          className={`jp-LlamaNeuron-tab ${tab === value ? 'jp-mod-active' : ''}`}
          data-testid={`llama-neuron-tab-${value}`}
          onClick={() => props.onChange(value)}
          onKeyDown={onTabKeyDown}
        >
          {tabLabel(value)}
        </button>
      ))}
    </div>
  );
}
