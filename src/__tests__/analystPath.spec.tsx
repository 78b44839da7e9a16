/**
 * Issue 12: the analyst's path (Try this, the Playground opened on a ready endpoint) and the rough edges an
 * analyst trips on (licence dialog, why Send is off, empty answers in Compare, fine-tuned endpoints, words
 * meant for developers, accessible names).
 */
import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { IApiClient } from '../api/client';
import {
  IEndpoint,
  IInvocationRequest,
  IInvocationResult,
  IStatus,
  IStreamHandlers,
  ITrainingJob
} from '../api/types';
import { AnswerStats } from '../components/AnswerStats';
import { BackendHeader } from '../components/BackendHeader';
import { CompareView } from '../components/CompareView';
import { DeployForm } from '../components/DeployForm';
import { EndpointRow } from '../components/EndpointRow';
import { EulaDialog } from '../components/EulaDialog';
import { ModelDetail } from '../components/ModelDetail';
import { PlaygroundView } from '../components/PlaygroundView';
import { TrainingJobRow } from '../components/TrainingJobRow';
import { TrainingJobView } from '../components/TrainingJobView';
import { IPanelServices, PanelContext } from '../context';
import { EndpointsModel } from '../models/endpointsModel';
import { ready } from '../models/loadable';
import { IPlaygroundRequest, PanelNavigator } from '../models/panelNavigator';
import { PanelSettings } from '../models/panelSettings';
import { EndpointNotifier } from '../notifications';
import { card13b, endpoint, MODELS, RULES, trainingJobsFor } from './fixtures';

(
  globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

type StreamFn = (
  name: string,
  body: IInvocationRequest,
  handlers?: IStreamHandlers,
  signal?: AbortSignal
) => Promise<IInvocationResult>;

const BASE_EP = endpoint('base-ep', 'InService');
const CHAT_EP = endpoint('chat-ep', 'InService', {
  model_id: MODELS[1].id,
  model_display_name: MODELS[1].display_name
});
const TUNED_EP = endpoint('tiny-ft-1', 'InService', {
  training_job: 'tiny-ft-1'
});

function answer(text: string, extra: Partial<IInvocationResult> = {}) {
  return {
    generated_text: text,
    tokens_out: 4,
    latency_s: 2,
    ttft_s: 0.25,
    finish_reason: 'eos',
    streamed: true,
    sagemaker_payload: { inputs: text, parameters: {} },
    ...extra
  };
}

async function servicesWith(
  list: IEndpoint[],
  stream: StreamFn = async () => answer('ok'),
  api: Partial<IApiClient> = {}
): Promise<IPanelServices> {
  const endpoints = new EndpointsModel({
    source: {
      listEndpoints: async () => ({ endpoints: list }),
      getEndpoint: async name =>
        list.find(item => item.name === name) ?? list[0]
    }
  });
  await endpoints.refresh();
  return {
    api: { streamInvocation: jest.fn(stream), ...api } as IApiClient,
    endpoints,
    settings: new PanelSettings(),
    trans: nullTranslator.load('jupyter_llama_neuron'),
    notifier: null,
    trainingJobs: trainingJobsFor(api),
    rules: RULES
  };
}

async function mount(
  element: JSX.Element,
  services: IPanelServices
): Promise<Widget> {
  const widget = ReactWidget.create(
    <PanelContext.Provider value={services}>{element}</PanelContext.Provider>
  );
  await act(async () => {
    Widget.attach(widget, document.body);
    MessageLoop.sendMessage(widget, Widget.Msg.UpdateRequest);
  });
  return widget;
}

const query = (root: Widget, id: string): HTMLElement | null =>
  root.node.querySelector<HTMLElement>(`[data-testid="${id}"]`);

const byTestId = (root: Widget, id: string): HTMLElement => {
  const element = query(root, id);
  if (!element) {
    throw new Error(`no ${id}`);
  }
  return element;
};

async function type(element: HTMLElement, value: string): Promise<void> {
  await act(async () => {
    const proto =
      element instanceof HTMLTextAreaElement
        ? HTMLTextAreaElement.prototype
        : element instanceof HTMLSelectElement
          ? HTMLSelectElement.prototype
          : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value')?.set?.call(element, value);
    element.dispatchEvent(
      new Event(element instanceof HTMLSelectElement ? 'change' : 'input', {
        bubbles: true
      })
    );
  });
}

async function click(element: HTMLElement): Promise<void> {
  await act(async () => {
    element.click();
  });
}

/** The accessible name of a button labelled with aria-label, else its text. */
const nameOf = (element: HTMLElement): string =>
  element.getAttribute('aria-label') ?? element.textContent ?? '';

beforeEach(() => {
  window.localStorage.clear();
});

afterEach(() => {
  document.body.innerHTML = '';
});

function request(
  endpointName: string,
  prompt: IPlaygroundRequest['prompt'],
  id = 1
): IPlaygroundRequest {
  return { id, endpoint: endpointName, prompt };
}

describe('The path: the Playground opened by "Try this" or a ready endpoint', () => {
  it('sends an example prompt with its settings and puts the focus in the prompt box', async () => {
    const services = await servicesWith([BASE_EP]);
    const widget = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="base-ep"
        onSelect={jest.fn()}
        request={request('base-ep', {
          inputs: 'The capital of France is',
          parameters: { max_new_tokens: 32, temperature: 0.6, top_p: 0.9 }
        })}
      />,
      services
    );
    const calls = (services.api.streamInvocation as jest.Mock).mock.calls;
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('base-ep');
    // Sampling values are sent only with do_sample, as when typed by hand.
    expect(calls[0][1]).toEqual({
      inputs: 'The capital of France is',
      parameters: { max_new_tokens: 32 }
    });
    const prompt = byTestId(widget, 'llama-neuron-playground-prompt');
    expect((prompt as HTMLTextAreaElement).value).toBe(
      'The capital of France is'
    );
    expect(document.activeElement).toBe(prompt);
    expect(byTestId(widget, 'llama-neuron-playground-output').textContent).toBe(
      'ok'
    );
    await act(async () => widget.dispose());
  });

  it('starts a fresh chat with the example as the first message', async () => {
    const services = await servicesWith([CHAT_EP]);
    const widget = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="chat-ep"
        onSelect={jest.fn()}
        request={request('chat-ep', { inputs: 'What is Inferentia2?' })}
      />,
      services
    );
    const calls = (services.api.streamInvocation as jest.Mock).mock.calls;
    expect(calls[0][1]).toEqual({
      messages: [{ role: 'user', content: 'What is Inferentia2?' }],
      parameters: { max_new_tokens: 64 }
    });
    expect(document.activeElement).toBe(
      byTestId(widget, 'llama-neuron-chat-input')
    );
    await act(async () => widget.dispose());
  });

  it('only focuses the message box when opened without a prompt, and handles a request once', async () => {
    const services = await servicesWith([CHAT_EP]);
    const navigator = new PanelNavigator();
    navigator.openPlayground('chat-ep');
    const element = (
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="chat-ep"
        onSelect={jest.fn()}
        request={navigator.playgroundRequest}
      />
    );
    const widget = await mount(element, services);
    expect(services.api.streamInvocation).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(
      byTestId(widget, 'llama-neuron-chat-input')
    );
    await act(async () => widget.dispose());
  });

  it('keeps a prompt for an endpoint still being created and sends it when the Playground opens on it', () => {
    const navigator = new PanelNavigator();
    navigator.sendWhenReady('new-ep', { inputs: 'Hello' });
    navigator.openPlayground('other-ep');
    expect(navigator.playgroundRequest?.prompt).toBeNull();
    navigator.openPlayground('new-ep');
    expect(navigator.playgroundRequest).toMatchObject({
      endpoint: 'new-ep',
      prompt: { inputs: 'Hello' }
    });
    expect(navigator.tab).toBe('playground');
    // Sent once: opening it again only focuses.
    navigator.openPlayground('new-ep');
    expect(navigator.playgroundRequest?.prompt).toBeNull();
  });

  it('the model card puts the deploy actions first and offers "Try this" on each example', async () => {
    const services = await servicesWith([]);
    const onTry = jest.fn();
    const card = card13b();
    const widget = await mount(
      <ModelDetail
        card={card}
        status={null}
        deploying={false}
        onBack={jest.fn()}
        onQuickDeploy={jest.fn()}
        onCustomDeploy={jest.fn()}
        hasEndpoint={false}
        onTryExample={onTry}
      />,
      services
    );
    const quick = byTestId(widget, 'llama-neuron-quick-deploy');
    const description = Array.from(widget.node.querySelectorAll('p')).find(
      p => p.textContent === card.description
    )!;
    // Quick deploy comes before the description and the licence, where the eye lands first.
    expect(
      quick.compareDocumentPosition(description) &
        Node.DOCUMENT_POSITION_FOLLOWING
    ).toBeTruthy();
    const tries = Array.from(
      widget.node.querySelectorAll<HTMLElement>(
        '[data-testid="llama-neuron-example-try"]'
      )
    );
    expect(tries).toHaveLength(card.example_prompts.length);
    expect(tries[0].textContent).toBe('Try this');
    expect(nameOf(tries[0]).startsWith('Try this')).toBe(true);
    await click(tries[0]);
    expect(onTry).toHaveBeenCalledWith(card.example_prompts[0]);
    // Settings in words, not JSON.
    const settings = query(widget, 'llama-neuron-example-settings');
    if (settings) {
      expect(settings.textContent).not.toContain('{');
    }
    await act(async () => widget.dispose());
  });
});

describe('Notifications', () => {
  it('offers "Open in playground" when a deployed endpoint is in service', () => {
    const stateChanged = new Signal<
      unknown,
      { endpoint: IEndpoint; previousStatus: string }
    >({});
    const success = jest
      .spyOn(Notification, 'success')
      .mockImplementation(() => 'id');
    const open = jest.fn();
    new EndpointNotifier({
      model: { stateChanged } as unknown as EndpointsModel,
      settings: new PanelSettings(),
      trans: nullTranslator.load('jupyter_llama_neuron'),
      onShow: jest.fn(),
      onOpenPlayground: open
    });
    stateChanged.emit({ endpoint: BASE_EP, previousStatus: 'Creating' });
    const options = success.mock.calls[0][1] as Notification.IOptions<null>;
    const action = options.actions?.find(
      item => item.label === 'Open in playground'
    );
    expect(action).toBeDefined();
    action?.callback({} as MouseEvent);
    expect(open).toHaveBeenCalledWith('base-ep');
    success.mockRestore();
  });
});

describe('Defect 1: the licence dialog is a real modal', () => {
  it('opens as a modal <dialog> (top layer, centred, the page behind inert)', async () => {
    const showModal = jest.fn(function (this: HTMLDialogElement) {
      this.setAttribute('open', '');
    });
    const proto = HTMLDialogElement.prototype as unknown as {
      showModal?: () => void;
    };
    const previous = proto.showModal;
    proto.showModal = showModal;
    const services = await servicesWith([]);
    const widget = await mount(
      <EulaDialog
        card={card13b()}
        onAccepted={jest.fn()}
        onCancel={jest.fn()}
      />,
      services
    );
    const dialog = byTestId(widget, 'llama-neuron-eula-dialog');
    expect(dialog.tagName).toBe('DIALOG');
    expect(showModal).toHaveBeenCalledTimes(1);
    expect(document.activeElement).toBe(
      byTestId(widget, 'llama-neuron-eula-checkbox')
    );
    await act(async () => widget.dispose());
    proto.showModal = previous;
  });
});

describe('Defect 7: one acceptance for all Llama 2 models', () => {
  it('accepts for all models by default, or for this one only', async () => {
    const acceptEula = jest.fn(async () => ({
      model_id: card13b().id,
      eula_url: 'e',
      aup_url: 'a',
      accepted_at: '2024-01-01T00:00:00Z',
      user: 'me',
      covers: [card13b().id, MODELS[0].id]
    }));
    const services = await servicesWith([], undefined, { acceptEula });
    const onAccepted = jest.fn();
    const widget = await mount(
      <EulaDialog
        card={card13b()}
        onAccepted={onAccepted}
        onCancel={jest.fn()}
      />,
      services
    );
    const all = byTestId(
      widget,
      'llama-neuron-eula-all-models'
    ) as HTMLInputElement;
    expect(all.checked).toBe(true);
    await click(byTestId(widget, 'llama-neuron-eula-checkbox'));
    await click(byTestId(widget, 'llama-neuron-eula-accept'));
    expect(acceptEula).toHaveBeenLastCalledWith(card13b().id, true);
    expect(onAccepted.mock.calls[0][0].covers).toHaveLength(2);
    await act(async () => widget.dispose());

    const again = await mount(
      <EulaDialog
        card={card13b()}
        onAccepted={jest.fn()}
        onCancel={jest.fn()}
      />,
      services
    );
    await click(byTestId(again, 'llama-neuron-eula-all-models'));
    await click(byTestId(again, 'llama-neuron-eula-checkbox'));
    await click(byTestId(again, 'llama-neuron-eula-accept'));
    expect(acceptEula).toHaveBeenLastCalledWith(card13b().id, false);
    await act(async () => again.dispose());
  });
});

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

describe('Defect 5: fine-tuned endpoints are told apart', () => {
  it('marks them "fine-tuned" in the endpoint menus and rows', async () => {
    const services = await servicesWith([BASE_EP, TUNED_EP]);
    const widget = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="tiny-ft-1"
        onSelect={jest.fn()}
      />,
      services
    );
    const options = Array.from(
      widget.node.querySelectorAll<HTMLOptionElement>(
        '[data-testid="llama-neuron-playground-endpoint"] option, select[data-testid="llama-neuron-playground-endpoint"] option'
      )
    ).map(option => option.textContent ?? '');
    expect(options.find(text => text.startsWith('tiny-ft-1'))).toContain(
      'fine-tuned'
    );
    expect(options.find(text => text.startsWith('base-ep'))).not.toContain(
      'fine-tuned'
    );
    await act(async () => widget.dispose());

    const row = await mount(
      <ul>
        <EndpointRow
          endpoint={TUNED_EP}
          now={Date.now()}
          deleting={false}
          onDelete={jest.fn()}
        />
      </ul>,
      services
    );
    expect(byTestId(row, 'llama-neuron-endpoint-fine-tuned').textContent).toBe(
      'fine-tuned'
    );
    await act(async () => row.dispose());
  });

  it('leaves the name empty in the deploy form of a fine-tuned model, as its help says', async () => {
    const services = await servicesWith([]);
    const widget = await mount(
      <DeployForm
        card={{ ...card13b(), eula: null }}
        status={null}
        onCancel={jest.fn()}
        onDeployed={jest.fn()}
        onEulaRequired={jest.fn()}
        trainingJob="tiny-ft-1"
      />,
      services
    );
    const name = byTestId(widget, 'llama-neuron-deploy-name');
    const input = (
      name.tagName === 'INPUT' ? name : name.querySelector('input')
    ) as HTMLInputElement;
    expect(input.value).toBe('');
    expect(input.placeholder).toBe('tiny-ft-1');
    expect(widget.node.textContent).toContain(
      'Leave empty to name it after the training job (tiny-ft-1).'
    );
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

function trainingJob(extra: Partial<ITrainingJob>): ITrainingJob {
  return {
    name: 'job-1',
    status: 'Completed',
    secondary_status: 'Completed',
    status_transitions: [],
    failure_reason: null,
    model_id: 'meta-textgenerationneuron-llama-2-7b',
    model_display_name: 'Llama-2-7b (Neuron)',
    instance_type: 'ml.trn1.32xlarge',
    hyperparameters: {},
    dataset_uri: 'file:///data/train.jsonl',
    created_at: '2024-01-17T09:30:00Z',
    age_s: 60,
    price_per_hour: null,
    cost_so_far: 0,
    max_runtime_s: null,
    loss: [],
    log_tail: [],
    output_model: null,
    can_deploy: true,
    backend: 'local',
    serving_label: '',
    ...extra
  };
}

describe('Defect 9: a local training job does not speak of SageMaker', () => {
  it('shows the stage without "SageMaker", and no second "Completed"', async () => {
    const jobs: Record<string, ITrainingJob> = {
      running: trainingJob({
        name: 'running',
        status: 'InProgress',
        secondary_status: 'Training'
      }),
      done: trainingJob({ name: 'done' })
    };
    const services = await servicesWith([], undefined, {
      listTrainingJobs: async () => ({ training_jobs: Object.values(jobs) }),
      getTrainingJob: async (name: string) => jobs[name]
    } as Partial<IApiClient>);
    const running = await mount(
      <TrainingJobView
        name="running"
        onBack={jest.fn()}
        onDeploy={jest.fn()}
        onCompare={jest.fn()}
      />,
      services
    );
    expect(
      byTestId(running, 'llama-neuron-training-secondary-status').textContent
    ).toBe('Stage: Training');
    expect(running.node.textContent).not.toContain('SageMaker status');
    await act(async () => running.dispose());
    const done = await mount(
      <TrainingJobView
        name="done"
        onBack={jest.fn()}
        onDeploy={jest.fn()}
        onCompare={jest.fn()}
      />,
      services
    );
    expect(query(done, 'llama-neuron-training-secondary-status')).toBeNull();
    await act(async () => done.dispose());
  });
});

describe('Defect 10: layout', () => {
  it('says "Completed" once in a job row, and shows a second status only when it says more', async () => {
    const services = await servicesWith([]);
    const widget = await mount(
      <ul>
        <TrainingJobRow
          job={trainingJob({})}
          now={Date.now()}
          onOpen={jest.fn()}
        />
        <TrainingJobRow
          job={trainingJob({
            name: 'job-2',
            status: 'InProgress',
            secondary_status: 'Downloading'
          })}
          now={Date.now()}
          onOpen={jest.fn()}
        />
      </ul>,
      services
    );
    const first = byTestId(widget, 'llama-neuron-training-job-row-job-1');
    expect(first.textContent?.match(/Completed/g)).toHaveLength(1);
    const second = byTestId(widget, 'llama-neuron-training-job-row-job-2');
    expect(second.textContent).toContain('Downloading');
    await act(async () => widget.dispose());
  });

  it('does not paint the disabled Stop button as a warning', async () => {
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
    const stop = byTestId(widget, 'llama-neuron-playground-stop');
    expect((stop as HTMLButtonElement).disabled).toBe(true);
    expect(stop.classList.contains('jp-mod-warn')).toBe(false);
    await act(async () => widget.dispose());
  });
});

describe('Accessible names contain the visible label', () => {
  it('Open in playground, Try it and Open notebook on an endpoint row', async () => {
    const services = await servicesWith([BASE_EP]);
    const widget = await mount(
      <ul>
        <EndpointRow
          endpoint={BASE_EP}
          now={Date.now()}
          deleting={false}
          onDelete={jest.fn()}
          onOpenPlayground={jest.fn()}
        />
      </ul>,
      services
    );
    for (const id of [
      'llama-neuron-endpoint-playground',
      'llama-neuron-endpoint-try',
      'llama-neuron-endpoint-notebook',
      'llama-neuron-endpoint-delete'
    ]) {
      const button = byTestId(widget, id);
      const label = (button.textContent ?? '').trim();
      expect(label).not.toBe('');
      expect(nameOf(button)).toContain(label);
    }
    await act(async () => widget.dispose());
  });
});
