import { Button } from '@jupyterlab/ui-components';
import React from 'react';

import { usePanelServices } from '../context';
import { formatSeconds } from '../models/format';
import { IHistoryEntry } from '../models/history';

export interface IHistoryListProps {
  entries: readonly IHistoryEntry[];
  disabled?: boolean;
  onReuse: (entry: IHistoryEntry) => void;
  onClear: () => void;
}

/** Longest prompt preview in the list. */
const PREVIEW_CHARS = 140;

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > PREVIEW_CHARS
    ? flat.slice(0, PREVIEW_CHARS - 1) + '…'
    : flat;
}

/**
 * Earlier requests to the selected endpoint (kept across reloads), newest first, each with "Use again".
 */
export function HistoryList(props: IHistoryListProps): JSX.Element {
  const { trans } = usePanelServices();
  const { entries } = props;
  return (
    <section
      className="jp-LlamaNeuron-history"
      aria-label={trans.__('History')}
      data-testid="llama-neuron-playground-history"
    >
      <div className="jp-LlamaNeuron-toolbar">
        <h3 className="jp-LlamaNeuron-section-title">{trans.__('History')}</h3>
        {entries.length > 0 && (
          <Button
            small
            minimal
            data-testid="llama-neuron-history-clear"
            aria-label={trans.__('Clear the history of this endpoint')}
            onClick={props.onClear}
          >
            {trans.__('Clear')}
          </Button>
        )}
      </div>
      {entries.length === 0 ? (
        <p className="jp-LlamaNeuron-muted">
          {trans.__('Requests you send to this endpoint appear here.')}
        </p>
      ) : (
        <ol className="jp-LlamaNeuron-history-list">
          {entries.map(entry => {
            const lastUser =
              entry.mode === 'chat'
                ? ([...(entry.messages ?? [])]
                    .reverse()
                    .find(message => message.role === 'user')?.content ?? '')
                : (entry.inputs ?? '');
            return (
              <li
                key={entry.id}
                className="jp-LlamaNeuron-history-item"
                data-testid="llama-neuron-history-item"
              >
                <div className="jp-LlamaNeuron-history-text">
                  <span className="jp-LlamaNeuron-history-prompt">
                    {entry.mode === 'chat'
                      ? trans.__('Chat: %1', preview(lastUser))
                      : preview(lastUser)}
                  </span>
                  <span className="jp-LlamaNeuron-muted">
                    {[
                      new Date(entry.at).toLocaleString(),
                      entry.latency_s !== null
                        ? formatSeconds(entry.latency_s, trans)
                        : null,
                      entry.tokens_out !== null
                        ? trans._n('%1 token', '%1 tokens', entry.tokens_out)
                        : null
                    ]
                      .filter(Boolean)
                      .join(' · ')}
                  </span>
                  {entry.answer && (
                    <span className="jp-LlamaNeuron-history-answer">
                      {preview(entry.answer)}
                    </span>
                  )}
                </div>
                <Button
                  small
                  className="jp-mod-styled"
                  disabled={props.disabled}
                  data-testid="llama-neuron-history-reuse"
                  aria-label={trans.__('Use again: %1', preview(lastUser))}
                  onClick={() => props.onReuse(entry)}
                >
                  {trans.__('Use again')}
                </Button>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
