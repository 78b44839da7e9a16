/**
 * Issue 12, defects 2, 6 and 9: the panel says why, in words an analyst reads - why Send is off, why an
 * answer in Compare is empty, why an answer ended, why this backend - with the raw detail one click away.
 */
import React, { act } from 'react';

import { IStatus } from '../api/types';
import { AnswerStats } from '../components/AnswerStats';
import { BackendHeader } from '../components/BackendHeader';
import { CompareView } from '../components/CompareView';
import { PlaygroundView } from '../components/PlaygroundView';
import { ready } from '../models/loadable';
import {
  answer,
  BASE_EP,
  byTestId,
  CHAT_EP,
  click,
  mount,
  query,
  servicesWith,
  type
} from './panelHarness';
import { MODELS, RULES } from './fixtures';

describe('Defect 2: why Send is off, with the Parameters section collapsed', () => {
  it('says which parameter is invalid next to Send and opens the section at it', async () => {
    const services = await servicesWith([BASE_EP]);
    const widget = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="base-ep"
        onSelect={jest.fn()}
      />,
      services
    );
    const section = byTestId(
      widget,
      'llama-neuron-playground-parameters'
    ) as HTMLDetailsElement;
    await act(async () => {
      section.open = false;
    });
    await type(byTestId(widget, 'llama-neuron-playground-prompt'), 'Hi');
    expect(query(widget, 'llama-neuron-playground-send-blocked')).toBeNull();
    await type(
      byTestId(widget, 'llama-neuron-playground-param-max_new_tokens'),
      '5000'
    );
    expect(
      (byTestId(widget, 'llama-neuron-playground-send') as HTMLButtonElement)
        .disabled
    ).toBe(true);
    const why = byTestId(widget, 'llama-neuron-playground-send-blocked');
    expect(why.textContent).toContain('max_new_tokens');
    expect(section.open).toBe(true);
    await act(async () => {
      section.open = false;
    });
    await click(byTestId(widget, 'llama-neuron-playground-show-invalid'));
    expect(section.open).toBe(true);
    expect(document.activeElement).toBe(
      byTestId(widget, 'llama-neuron-playground-param-max_new_tokens')
    );
    await act(async () => widget.dispose());
  });
});

describe('Defect 6: an empty answer in Compare is explained', () => {
  it('says why the answer is empty and what to try, as the Playground does', async () => {
    const services = await servicesWith([BASE_EP, CHAT_EP], async name =>
      name === 'base-ep'
        ? answer('', { finish_reason: 'eos_immediately', tokens_out: 0 })
        : answer('Paris.')
    );
    const widget = await mount(<CompareView models={MODELS} />, services);
    await type(byTestId(widget, 'llama-neuron-compare-endpoint-a'), 'base-ep');
    await type(byTestId(widget, 'llama-neuron-compare-endpoint-b'), 'chat-ep');
    await type(
      byTestId(widget, 'llama-neuron-compare-prompts'),
      'What is the capital of France?'
    );
    await click(byTestId(widget, 'llama-neuron-compare-run'));
    const empty = byTestId(widget, 'llama-neuron-compare-empty-a');
    expect(empty.textContent).toContain('ended immediately without text');
    expect(empty.textContent).toContain('completion-style prompt');
    expect(widget.node.textContent).not.toContain('(empty answer)');
    expect(query(widget, 'llama-neuron-compare-empty-b')).toBeNull();
    await act(async () => widget.dispose());
  });
});

describe('Defect 9: words for analysts, details one click away', () => {
  it('says why an answer ended in words, with the raw finish_reason on hover', async () => {
    const services = await servicesWith([]);
    const widget = await mount(
      <AnswerStats
        result={answer('', { finish_reason: 'eos_immediately' })}
        testId="stats"
      />,
      services
    );
    const stats = byTestId(widget, 'stats');
    expect(stats.textContent).not.toContain('eos_immediately');
    expect(stats.textContent).toContain(
      'the model ended at once, without text'
    );
    expect(
      stats.querySelector('[data-finish-reason]')?.getAttribute('title')
    ).toBe('finish_reason: eos_immediately');
    await act(async () => widget.dispose());
  });

  it('puts the backend choice in words and the raw reason behind "details"', async () => {
    const services = await servicesWith([]);
    const raw =
      "Auto mode: ProxyError('Unable to connect to proxy', OSError('Tunnel connection failed: 403')) Local mode is used.";
    const status: IStatus = {
      version: '1',
      backend: 'local',
      backend_choice: 'auto',
      label: 'Local mode (no AWS account)',
      region: null,
      account: null,
      reason: raw,
      local_model: null,
      price_label: '',
      rules: RULES
    };
    const widget = await mount(
      <BackendHeader status={ready(status)} onRetry={jest.fn()} />,
      services
    );
    const reason = byTestId(widget, 'llama-neuron-backend-reason');
    expect(reason.tagName).toBe('DETAILS');
    expect(reason.querySelector('summary')?.textContent).toBe(
      'No AWS account could be reached from this computer, so models run here (local mode) and nothing is charged.'
    );
    expect(
      byTestId(widget, 'llama-neuron-backend-reason-detail').textContent
    ).toContain('ProxyError');
    // Not a second banner landmark inside JupyterLab.
    expect(widget.node.querySelector('header')).toBeNull();
    await act(async () => widget.dispose());
  });
});
