import React from 'react';

import { usePanelServices } from '../context';

export interface IPlaygroundModeNoteProps {
  /** A chat (-f) model: the Llama 2 chat template is applied. */
  chat: boolean;
  /** The endpoint's context length (n_positions), when known. */
  contextLength: number | null;
}

/** Next to the endpoint picker: how the prompt is sent, and the endpoint's context. */
export function PlaygroundModeNote(
  props: IPlaygroundModeNoteProps
): JSX.Element {
  const { trans } = usePanelServices();
  const { chat, contextLength } = props;
  return (
    <span
      className="jp-LlamaNeuron-muted"
      data-testid="llama-neuron-playground-mode"
    >
      {chat
        ? trans.__('Chat model: the Llama 2 chat template is applied.')
        : trans.__('Base model: the prompt is sent as-is.')}
      {contextLength
        ? ' ' + trans.__('Context: %1 tokens.', contextLength)
        : ''}
    </span>
  );
}
