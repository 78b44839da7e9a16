/**
 * Command ids of the extension, in one place.
 */
export namespace CommandIDs {
  /**
   * Open (or reveal) the "Llama 2 on Neuron" panel in the main area.
   */
  export const open = 'llama-neuron:open';
}
