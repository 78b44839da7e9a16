/**
 * The extension's icon (a Neuron chip with a spark), themed through JupyterLab's `jp-icon*` classes.
 */
import { LabIcon } from '@jupyterlab/ui-components';

const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M9 1h2v3H9zM13 1h2v3h-2zM9 20h2v3H9zM13 20h2v3h-2zM1 9h3v2H1zM1 13h3v2H1zM20 9h3v2h-3zM20 13h3v2h-3z"/>
    <path d="M6 4h12a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm0 2v12h12V6H6z"/>
  </g>
  <path class="jp-icon-brand0" fill="#F57C00" d="M13 7.5 9 13h2.6l-1 3.5L15 11h-2.7z"/>
</svg>`;

export const llamaNeuronIcon = new LabIcon({
  name: 'jupyter-llama-neuron:icon',
  svgstr
});
