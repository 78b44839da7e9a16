import React from 'react';

import { usePanelServices } from '../context';
import { IChatThread } from '../models/chatState';
import { fallbackOf } from '../models/invocation';
import { AnswerStats } from './AnswerStats';

export interface IChatThreadProps {
  thread: IChatThread;
}

/** The Playground's conversation: "You" and "Model" turns, streaming, stopped or failed, with stats. */
export function ChatThread(props: IChatThreadProps): JSX.Element {
  const { trans } = usePanelServices();
  const { thread } = props;
  return (
    <ol
      className="jp-LlamaNeuron-chat"
      aria-label={trans.__('Conversation')}
      aria-live="polite"
      data-testid="llama-neuron-chat-thread"
    >
      {thread.turns.map(turn => (
        <li
          key={turn.id}
          className={`jp-LlamaNeuron-chat-message jp-mod-${turn.role}`}
          data-testid="llama-neuron-chat-message"
          data-role={turn.role}
          data-status={turn.status}
        >
          <span className="jp-LlamaNeuron-chat-role">
            {turn.role === 'user' ? trans.__('You') : trans.__('Model')}
          </span>
          <div className="jp-LlamaNeuron-chat-content">
            {turn.content}
            {turn.status === 'streaming' && (
              <span
                className="jp-LlamaNeuron-spinner"
                aria-label={trans.__('Answering…')}
              />
            )}
          </div>
          {turn.role === 'assistant' && turn.status === 'stopped' && (
            <span className="jp-LlamaNeuron-muted">{trans.__('Stopped.')}</span>
          )}
          {turn.role === 'assistant' && turn.status === 'error' && (
            <span className="jp-LlamaNeuron-field-error">
              {trans.__('No answer: %1', turn.error ?? '')}
            </span>
          )}
          {turn.role === 'assistant' &&
            turn.status === 'done' &&
            turn.result && (
              <AnswerStats
                result={turn.result}
                fallbackReason={fallbackOf(turn.fallbackReason, turn.result)}
                testId="llama-neuron-chat-stats"
              />
            )}
        </li>
      ))}
    </ol>
  );
}
