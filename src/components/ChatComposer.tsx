import React from 'react';

import { ApiRequestError } from '../api/client';
import { usePanelServices } from '../context';
import { IChatThread } from '../models/chatState';
import { ChatThread } from './ChatThread';
import { ErrorBanner } from './ErrorBanner';

export interface IChatComposerProps {
  /** Prefix of element ids (unique per view). */
  idPrefix: string;
  thread: IChatThread;
  busy: boolean;
  error: ApiRequestError | null;
  input: string;
  /** The message box (the Playground focuses it when opened on an endpoint). */
  inputRef: React.RefObject<HTMLTextAreaElement>;
  /** Id of the help under the box ("Ctrl+Enter sends."). */
  describedBy: string;
  onSystemChange: (value: string) => void;
  onDismissError: () => void;
  onInputChange: (value: string) => void;
  onKeyDown: (event: React.KeyboardEvent) => void;
}

/** A chat endpoint's system prompt, conversation, last error and message box. */
export function ChatComposer(props: IChatComposerProps): JSX.Element {
  const { trans } = usePanelServices();
  const { idPrefix, thread } = props;
  return (
    <>
      <div className="jp-LlamaNeuron-field">
        <label htmlFor={`${idPrefix}-system`}>
          {trans.__('System prompt (optional)')}
        </label>
        <textarea
          id={`${idPrefix}-system`}
          className="jp-LlamaNeuron-textarea"
          data-testid="llama-neuron-chat-system"
          rows={2}
          value={thread.system}
          disabled={props.busy}
          placeholder={trans.__(
            'e.g. You are a concise assistant. Answer in one paragraph.'
          )}
          onChange={event => props.onSystemChange(event.currentTarget.value)}
        />
      </div>
      <ChatThread thread={thread} />
      {props.error && (
        <ErrorBanner
          error={props.error}
          title={trans.__('The endpoint did not answer')}
          onDismiss={props.onDismissError}
        />
      )}
      <div className="jp-LlamaNeuron-field">
        <label htmlFor={`${idPrefix}-chat-input`}>
          {trans.__('Your message')}
        </label>
        <textarea
          id={`${idPrefix}-chat-input`}
          className="jp-LlamaNeuron-textarea"
          ref={props.inputRef}
          data-testid="llama-neuron-chat-input"
          rows={3}
          value={props.input}
          aria-describedby={props.describedBy}
          placeholder={trans.__('Ask something…')}
          onChange={event => props.onInputChange(event.currentTarget.value)}
          onKeyDown={props.onKeyDown}
        />
      </div>
    </>
  );
}
