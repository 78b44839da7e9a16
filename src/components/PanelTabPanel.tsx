import React from 'react';

import { PanelTab } from '../models/panelNavigator';

export interface IPanelTabPanelProps {
  /** The tab this panel belongs to (its id pairs with the tab's `aria-controls`). */
  name: PanelTab;
  /** The selected tab: every other panel is hidden, not unmounted. */
  selected: PanelTab;
  children?: React.ReactNode;
}

/** One tab's panel, labelled by its tab in `PanelTabBar`. */
export function PanelTabPanel(props: IPanelTabPanelProps): JSX.Element {
  return (
    <div
      role="tabpanel"
      id={`jp-LlamaNeuron-tabpanel-${props.name}`}
      aria-labelledby={`jp-LlamaNeuron-tab-${props.name}`}
      hidden={props.selected !== props.name}
      className="jp-LlamaNeuron-tabpanel"
    >
      {props.children}
    </div>
  );
}
