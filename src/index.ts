/**
 * Plugin wiring only: the "Llama 2 on Neuron" command, launcher card, palette entry, layout restorer and
 * settings. Nothing here waits for the server.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { createApiClient } from './api/client';
import { createEvaluationsApi } from './api/evaluations';
import { CommandIDs } from './commands';
import { IPanelServices } from './context';
import { llamaNeuronIcon } from './icon';
import { CostGuardModel } from './models/costGuard';
import { EndpointsModel } from './models/endpointsModel';
import { isPanelTab, PanelNavigator, PanelTab } from './models/panelNavigator';
import { PanelSettings } from './models/panelSettings';
import { TrainingJobsModel } from './models/trainingJobsModel';
import { CostGuardNotifier, EndpointNotifier } from './notifications';
import { LlamaNeuronWidget } from './widgets/LlamaNeuronWidget';

const PLUGIN_ID = 'jupyter-llama-neuron:plugin';
const PANEL_ID = 'jp-LlamaNeuron-panel';
const TRANSLATION_DOMAIN = 'jupyter_llama_neuron';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Deploy Meta Llama 2 from SageMaker JumpStart on AWS Inferentia2, or locally, by clicking.',
  autoStart: true,
  optional: [
    ILauncher,
    ICommandPalette,
    ILayoutRestorer,
    ITranslator,
    ISettingRegistry
  ],
  activate: (
    app: JupyterFrontEnd,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    translator: ITranslator | null,
    settingRegistry: ISettingRegistry | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const settings = new PanelSettings();
    const navigator = new PanelNavigator();
    const api = createApiClient(app.serviceManager.serverSettings);
    const tracker = new WidgetTracker<MainAreaWidget<LlamaNeuronWidget>>({
      namespace: 'llama-neuron'
    });

    // Created on first open and kept for the session, so a deploy started before the panel was closed
    // still ends with a notification.
    let services: IPanelServices | null = null;
    const getServices = (): IPanelServices => {
      if (!services) {
        const endpoints = new EndpointsModel({
          source: api,
          pollInterval: settings.values.pollInterval * 1000
        });
        const notifier = new EndpointNotifier({
          model: endpoints,
          settings,
          trans,
          onShow: () => {
            void app.commands.execute(CommandIDs.open, { tab: 'resources' });
          },
          onOpenPlayground: endpoint => {
            void app.commands.execute(CommandIDs.open, { endpoint });
          }
        });
        const trainingJobs = new TrainingJobsModel({
          source: api,
          pollInterval: settings.values.pollInterval * 1000
        });
        // A training job that ends (after minutes or hours) is announced, with a link to its page.
        trainingJobs.stateChanged.connect((_, { job }) => {
          if (!settings.values.notifyOnStateChange) {
            return;
          }
          const message =
            job.status === 'Completed'
              ? trans.__('Training job %1 completed.', job.name)
              : job.status === 'Failed'
                ? trans.__(
                    'Training job %1 failed: %2',
                    job.name,
                    job.failure_reason ?? ''
                  )
                : trans.__('Training job %1 stopped.', job.name);
          Notification.emit(
            message,
            job.status === 'Completed'
              ? 'success'
              : job.status === 'Failed'
                ? 'error'
                : 'info',
            {
              autoClose: job.status === 'Failed' ? false : 10_000,
              actions: [
                {
                  label: trans.__('Open'),
                  callback: () => {
                    void app.commands.execute(CommandIDs.open, {
                      tab: 'finetune'
                    });
                    navigator.openTrainingJob(job.name);
                  }
                }
              ]
            }
          );
        });
        // Polls /cost-guard at the endpoints' cadence (standby while hidden): burn, idle, auto-delete warnings.
        const costGuard = new CostGuardModel({
          source: api,
          pollInterval: settings.values.pollInterval * 1000
        });
        new CostGuardNotifier({
          model: costGuard,
          keep: name => api.keepEndpoint(name),
          trans,
          onShow: () => {
            void app.commands.execute(CommandIDs.open, { tab: 'resources' });
          }
        });
        costGuard.start();
        services = {
          api,
          endpoints,
          settings,
          trans,
          notifier,
          trainingJobs,
          costGuard,
          rules: null,
          evaluations: createEvaluationsApi(app.serviceManager.serverSettings),
          commands: app.commands
        };
      }
      return services;
    };

    settings.changed.connect((_, values) => {
      if (services) {
        services.endpoints.pollInterval = values.pollInterval * 1000;
        if (services.trainingJobs) {
          services.trainingJobs.pollInterval = values.pollInterval * 1000;
        }
        if (services.costGuard) {
          services.costGuard.pollInterval = values.pollInterval * 1000;
        }
      }
    });

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(loaded => {
          const apply = (): void =>
            settings.update(loaded.composite as Record<string, unknown>);
          apply();
          loaded.changed.connect(apply);
        })
        .catch(reason => {
          console.warn(
            `${PLUGIN_ID}: settings could not be loaded, using defaults.`,
            reason
          );
        });
    }

    app.commands.addCommand(CommandIDs.open, {
      label: args =>
        args['isPalette']
          ? trans.__('Open Llama 2 on Neuron')
          : trans.__('Llama 2 on Neuron'),
      caption: trans.__(
        'Deploy Meta Llama 2 on AWS Inferentia2 (or locally) by clicking'
      ),
      icon: args => (args['isPalette'] ? undefined : llamaNeuronIcon),
      execute: args => {
        const requested = args['tab'];
        const tab: PanelTab | null = isPanelTab(requested) ? requested : null;
        const endpointArg = args['endpoint'];
        let widget = tracker.find(() => true);
        if (!widget || widget.isDisposed) {
          const content = new LlamaNeuronWidget({
            services: getServices(),
            navigator
          });
          widget = new MainAreaWidget({ content });
          widget.id = PANEL_ID;
          widget.title.label = trans.__('Llama 2 on Neuron');
          widget.title.caption = trans.__(
            'Deploy and manage Llama 2 on AWS Inferentia2'
          );
          widget.title.icon = llamaNeuronIcon;
          widget.title.closable = true;
          void tracker.add(widget);
        }
        if (!widget.isAttached) {
          app.shell.add(widget, 'main');
        }
        app.shell.activateById(widget.id);
        if (typeof endpointArg === 'string' && endpointArg) {
          navigator.openPlayground(endpointArg);
        } else if (tab) {
          navigator.requestTab(tab);
        }
        return widget;
      }
    });

    if (launcher) {
      launcher.add({
        command: CommandIDs.open,
        category: trans.__('Other'),
        rank: 10
      });
    }

    if (palette) {
      palette.addItem({
        command: CommandIDs.open,
        category: trans.__('Llama 2 on Neuron'),
        args: { isPalette: true }
      });
    }

    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.open,
        name: () => 'llama-neuron'
      });
    }
  }
};

export default plugin;
