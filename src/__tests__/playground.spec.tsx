import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { ApiRequestError } from '../api/client';
import {
  IInvocationRequest,
  IInvocationResult,
  IStreamHandlers
} from '../api/types';
import { CompareView } from '../components/CompareView';
import { EndpointRow } from '../components/EndpointRow';
import { PlaygroundView } from '../components/PlaygroundView';
import { PanelNavigator } from '../models/panelNavigator';
import { endpoint, MODELS } from './fixtures';
import {
  answer,
  BASE_EP,
  byTestId,
  CHAT_EP,
  click,
  mount,
  query,
  servicesWith,
  StreamFn,
  type
} from './panelHarness';

const CREATING_EP = endpoint('new-ep', 'Creating');

const all = (root: Widget, id: string): HTMLElement[] =>
  Array.from(root.node.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`));

/** A stream the test finishes by hand. */
function manualStream() {
  let handlers: IStreamHandlers = {};
  let resolve: (value: IInvocationResult) => void = () => undefined;
  let signal: AbortSignal | undefined;
  const calls: IInvocationRequest[] = [];
  const fn: StreamFn = (_name, body, h, s) => {
    calls.push(body);
    handlers = h ?? {};
    signal = s;
    return new Promise<IInvocationResult>((res, rej) => {
      resolve = res;
      s?.addEventListener('abort', () =>
        rej(
          new ApiRequestError({
            status: 0,
            code: 'Aborted',
            message: 'stopped'
          })
        )
      );
    });
  };
  return {
    fn,
    calls,
    token: async (text: string) =>
      act(async () => {
        handlers.onToken?.(text);
      }),
    finish: async (result: IInvocationResult) =>
      act(async () => {
        resolve(result);
      }),
    get signal() {
      return signal;
    }
  };
}

describe('PlaygroundView (prompt mode)', () => {
  it('lists only InService endpoints and streams the answer token by token', async () => {
    const stream = manualStream();
    const services = await servicesWith([BASE_EP, CREATING_EP], stream.fn);
    const onSelect = jest.fn();
    const widget = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="base-ep"
        onSelect={onSelect}
      />,
      services
    );
    const picker = byTestId(
      widget,
      'llama-neuron-playground-endpoint'
    ) as HTMLSelectElement;
    expect(Array.from(picker.options).map(o => o.value)).toEqual([
      '',
      'base-ep'
    ]);
    expect(picker.value).toBe('base-ep');

    await type(
      byTestId(widget, 'llama-neuron-playground-prompt'),
      'The capital of France is'
    );
    await click(byTestId(widget, 'llama-neuron-playground-send'));
    expect(stream.calls).toEqual([
      { inputs: 'The capital of France is', parameters: { max_new_tokens: 64 } }
    ]);
    const stop = byTestId(
      widget,
      'llama-neuron-playground-stop'
    ) as HTMLButtonElement;
    expect(stop.disabled).toBe(false);

    await stream.token(' Par');
    expect(byTestId(widget, 'llama-neuron-playground-output').textContent).toBe(
      ' Par'
    );
    await stream.token('is.');
    expect(byTestId(widget, 'llama-neuron-playground-output').textContent).toBe(
      ' Paris.'
    );
    await stream.finish(answer(' Paris.'));
    const stats = byTestId(widget, 'llama-neuron-playground-stats').textContent;
    expect(stats).toContain('Latency 2.00 s');
    expect(stats).toContain('first token after 0.25 s');
    expect(stats).toContain('4 tokens out');
    expect(stats).toContain('2.0 tokens/s');
    expect(query(widget, 'llama-neuron-playground-empty')).toBeNull();
    expect(query(widget, 'llama-neuron-playground-fallback')).toBeNull();
    expect(stop.disabled).toBe(true);

    // Kept in the history, which survives a reload (localStorage).
    expect(all(widget, 'llama-neuron-history-item')).toHaveLength(1);
    await act(async () => widget.dispose());
    const again = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="base-ep"
        onSelect={onSelect}
      />,
      services
    );
    expect(all(again, 'llama-neuron-history-item')).toHaveLength(1);
    await click(byTestId(again, 'llama-neuron-history-reuse'));
    expect(
      (byTestId(again, 'llama-neuron-playground-prompt') as HTMLTextAreaElement)
        .value
    ).toBe('The capital of France is');
    await act(async () => again.dispose());
  });

  it('selects the only endpoint in service when none is chosen', async () => {
    const services = await servicesWith([BASE_EP], manualStream().fn);
    const onSelect = jest.fn();
    const widget = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected={null}
        onSelect={onSelect}
      />,
      services
    );
    expect(onSelect).toHaveBeenCalledWith('base-ep');
    await act(async () => widget.dispose());
  });

  it('explains an empty answer and notes a fallback to one response', async () => {
    const services = await servicesWith([BASE_EP], async (_n, _b, h) => {
      h?.onFallback?.('endpoint cannot stream');
      return answer('', {
        finish_reason: 'eos_immediately',
        streamed: false,
        tokens_out: 0
      });
    });
    const widget = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="base-ep"
        onSelect={jest.fn()}
      />,
      services
    );
    await type(byTestId(widget, 'llama-neuron-playground-prompt'), 'Hi');
    await click(byTestId(widget, 'llama-neuron-playground-send'));
    expect(byTestId(widget, 'llama-neuron-playground-empty').textContent).toBe(
      "The model ended immediately without text. Try a completion-style prompt such as 'The capital of France is', or use a chat model."
    );
    expect(
      byTestId(widget, 'llama-neuron-playground-fallback').textContent
    ).toContain('endpoint cannot stream');
    await act(async () => widget.dispose());
  });

  it('Stop aborts the request and keeps the partial answer', async () => {
    const stream = manualStream();
    const services = await servicesWith([BASE_EP], stream.fn);
    const widget = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="base-ep"
        onSelect={jest.fn()}
      />,
      services
    );
    await type(byTestId(widget, 'llama-neuron-playground-prompt'), 'Count:');
    await click(byTestId(widget, 'llama-neuron-playground-send'));
    await stream.token(' 1, 2');
    await click(byTestId(widget, 'llama-neuron-playground-stop'));
    expect(stream.signal?.aborted).toBe(true);
    const output = byTestId(widget, 'llama-neuron-playground-output');
    expect(output.textContent).toBe(' 1, 2');
    expect(output.dataset.state).toBe('stopped');
    expect(
      (byTestId(widget, 'llama-neuron-playground-send') as HTMLButtonElement)
        .disabled
    ).toBe(false);
    await act(async () => widget.dispose());
  });

  it('aborts a running answer when unmounted', async () => {
    const stream = manualStream();
    const services = await servicesWith([BASE_EP], stream.fn);
    const widget = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="base-ep"
        onSelect={jest.fn()}
      />,
      services
    );
    await type(byTestId(widget, 'llama-neuron-playground-prompt'), 'x');
    await click(byTestId(widget, 'llama-neuron-playground-send'));
    await act(async () => widget.dispose());
    expect(stream.signal?.aborted).toBe(true);
  });

  it('shows inline parameter errors naming the range and blocks Send', async () => {
    const services = await servicesWith([BASE_EP], manualStream().fn);
    const widget = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="base-ep"
        onSelect={jest.fn()}
      />,
      services
    );
    await type(byTestId(widget, 'llama-neuron-playground-prompt'), 'Hi');
    await type(
      byTestId(widget, 'llama-neuron-playground-param-max_new_tokens'),
      '5000'
    );
    expect(
      byTestId(widget, 'llama-neuron-playground-param-max_new_tokens-error')
        .textContent
    ).toBe('max_new_tokens must be a whole number from 1 to 1024.');
    expect(
      (byTestId(widget, 'llama-neuron-playground-send') as HTMLButtonElement)
        .disabled
    ).toBe(true);
    await type(
      byTestId(widget, 'llama-neuron-playground-param-max_new_tokens'),
      '1000'
    );
    expect(
      query(widget, 'llama-neuron-playground-param-max_new_tokens-error')
    ).toBeNull();
    // 1000 new tokens plus a long prompt do not fit a 1024-token context: warned, not blocked.
    await type(
      byTestId(widget, 'llama-neuron-playground-prompt'),
      'word '.repeat(100)
    );
    expect(
      query(widget, 'llama-neuron-playground-context-warning')
    ).not.toBeNull();
    expect(
      (byTestId(widget, 'llama-neuron-playground-send') as HTMLButtonElement)
        .disabled
    ).toBe(false);
    await act(async () => widget.dispose());
  });
});

describe('PlaygroundView (chat mode)', () => {
  it('sends the system prompt and earlier turns as messages', async () => {
    const stream = manualStream();
    const services = await servicesWith([CHAT_EP], stream.fn);
    const widget = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="chat-ep"
        onSelect={jest.fn()}
      />,
      services
    );
    expect(query(widget, 'llama-neuron-playground-prompt')).toBeNull();
    await type(byTestId(widget, 'llama-neuron-chat-system'), 'Be brief.');
    await type(
      byTestId(widget, 'llama-neuron-chat-input'),
      'Capital of France?'
    );
    await click(byTestId(widget, 'llama-neuron-playground-send'));
    await stream.token('Paris');
    let messages = all(widget, 'llama-neuron-chat-message');
    expect(messages.map(m => [m.dataset.role, m.dataset.status])).toEqual([
      ['user', 'done'],
      ['assistant', 'streaming']
    ]);
    await stream.finish(answer('Paris.'));
    expect(
      (byTestId(widget, 'llama-neuron-chat-input') as HTMLTextAreaElement).value
    ).toBe('');
    await type(byTestId(widget, 'llama-neuron-chat-input'), 'And Italy?');
    await click(byTestId(widget, 'llama-neuron-playground-send'));
    expect(stream.calls[1]).toEqual({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Capital of France?' },
        { role: 'assistant', content: 'Paris.' },
        { role: 'user', content: 'And Italy?' }
      ],
      parameters: { max_new_tokens: 64 }
    });
    await stream.finish(answer('Rome.'));
    messages = all(widget, 'llama-neuron-chat-message');
    expect(messages).toHaveLength(4);
    expect(messages[3].textContent).toContain('Rome.');
    expect(all(widget, 'llama-neuron-chat-stats')).toHaveLength(2);

    await click(byTestId(widget, 'llama-neuron-chat-clear'));
    expect(all(widget, 'llama-neuron-chat-message')).toHaveLength(0);
    expect(
      (byTestId(widget, 'llama-neuron-chat-system') as HTMLTextAreaElement)
        .value
    ).toBe('Be brief.');
    await act(async () => widget.dispose());
  });
});

describe('CompareView', () => {
  it('runs prompts one at a time on both endpoints and fills the table', async () => {
    const started: string[] = [];
    const resolvers: (() => void)[] = [];
    const services = await servicesWith(
      [BASE_EP, CHAT_EP],
      (name, body, handlers) => {
        const prompt =
          'inputs' in body
            ? body.inputs
            : body.messages[body.messages.length - 1].content;
        started.push(`${name}:${prompt}`);
        handlers?.onToken?.('x');
        return new Promise(resolve =>
          resolvers.push(() =>
            resolve(answer(`${name} says ${prompt}`, { tokens_out: 3 }))
          )
        );
      }
    );
    const widget = await mount(<CompareView models={MODELS} />, services);
    await type(byTestId(widget, 'llama-neuron-compare-endpoint-a'), 'base-ep');
    await type(byTestId(widget, 'llama-neuron-compare-endpoint-b'), 'chat-ep');
    await type(byTestId(widget, 'llama-neuron-compare-prompts'), 'one\n\ntwo');
    await click(byTestId(widget, 'llama-neuron-compare-run'));

    // Both endpoints at once for the first prompt; the second waits.
    expect(started).toEqual(['base-ep:one', 'chat-ep:one']);
    expect(byTestId(widget, 'llama-neuron-compare-progress').textContent).toBe(
      '0/2'
    );
    const apiCalls = (services.api.streamInvocation as jest.Mock).mock.calls;
    expect(apiCalls[1][1]).toEqual({
      messages: [{ role: 'user', content: 'one' }],
      parameters: { max_new_tokens: 64 }
    });
    await act(async () => {
      resolvers.splice(0).forEach(resolve => resolve());
    });
    expect(started).toHaveLength(4);
    expect(byTestId(widget, 'llama-neuron-compare-progress').textContent).toBe(
      '1/2'
    );
    await act(async () => {
      resolvers.splice(0).forEach(resolve => resolve());
    });
    expect(byTestId(widget, 'llama-neuron-compare-progress').textContent).toBe(
      '2/2'
    );
    const rows = all(widget, 'llama-neuron-compare-row');
    expect(rows).toHaveLength(2);
    expect(rows[1].textContent).toContain('base-ep says two');
    expect(rows[1].textContent).toContain('chat-ep says two');
    expect(rows[1].textContent).toContain('3 tokens');
    expect(
      (byTestId(widget, 'llama-neuron-compare-export-csv') as HTMLButtonElement)
        .disabled
    ).toBe(false);
    await act(async () => widget.dispose());
  });

  it('Stop aborts the running prompt and does not start the next', async () => {
    const signals: AbortSignal[] = [];
    const services = await servicesWith(
      [BASE_EP, CHAT_EP],
      (_name, _body, _handlers, signal) => {
        if (signal) {
          signals.push(signal);
        }
        return new Promise((_resolve, reject) =>
          signal?.addEventListener('abort', () =>
            reject(
              new ApiRequestError({ status: 0, code: 'Aborted', message: '' })
            )
          )
        );
      }
    );
    const widget = await mount(<CompareView models={MODELS} />, services);
    await type(byTestId(widget, 'llama-neuron-compare-endpoint-a'), 'base-ep');
    await type(byTestId(widget, 'llama-neuron-compare-endpoint-b'), 'chat-ep');
    await type(byTestId(widget, 'llama-neuron-compare-prompts'), 'a\nb\nc');
    await click(byTestId(widget, 'llama-neuron-compare-run'));
    await click(byTestId(widget, 'llama-neuron-compare-stop'));
    expect(signals).toHaveLength(2);
    expect(signals.every(signal => signal.aborted)).toBe(true);
    expect(byTestId(widget, 'llama-neuron-compare-progress').textContent).toBe(
      'Stopped at 1/3'
    );
    await act(async () => widget.dispose());
  });
});

describe('Open in playground', () => {
  it('is offered on InService rows and asks the navigator for the Playground', async () => {
    const services = await servicesWith([BASE_EP], manualStream().fn);
    const navigator = new PanelNavigator();
    const tabs: string[] = [];
    navigator.tabRequested.connect((_, tab) => tabs.push(tab));
    const widget = await mount(
      <ul>
        <EndpointRow
          endpoint={BASE_EP}
          now={Date.now()}
          deleting={false}
          onDelete={jest.fn()}
          onOpenPlayground={item => navigator.openPlayground(item.name)}
        />
        <EndpointRow
          endpoint={CREATING_EP}
          now={Date.now()}
          deleting={false}
          onDelete={jest.fn()}
          onOpenPlayground={jest.fn()}
        />
      </ul>,
      services
    );
    const buttons = all(widget, 'llama-neuron-endpoint-playground');
    expect(buttons).toHaveLength(1);
    // The Try it box is still offered.
    expect(all(widget, 'llama-neuron-endpoint-try')).toHaveLength(1);
    await click(buttons[0]);
    expect(navigator.playgroundEndpoint).toBe('base-ep');
    expect(navigator.tab).toBe('playground');
    expect(tabs).toEqual(['playground']);
    await act(async () => widget.dispose());
  });
});
