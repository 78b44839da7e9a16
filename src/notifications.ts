/**
 * JupyterLab notifications for long endpoint operations: "Creating…" when a deploy starts, updated to
 * success or error when the endpoints model reports InService or Failed.
 */
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';

import { IEndpoint } from './api/types';
import {
  CostGuardModel,
  formatAutoDelete,
  formatDeletesIn,
  formatIdle,
  ICostGuardNews
} from './models/costGuard';
import { formatCost } from './models/deployForm';
import { EndpointsModel, IEndpointTransition } from './models/endpointsModel';
import { PanelSettings } from './models/panelSettings';

export class EndpointNotifier {
  constructor(options: EndpointNotifier.IOptions) {
    this._model = options.model;
    this._settings = options.settings;
    this._trans = options.trans;
    this._onShow = options.onShow;
    this._onOpenPlayground = options.onOpenPlayground;
    this._model.stateChanged.connect(this._onStateChanged, this);
  }

  /** A create was accepted by the server: show an in-progress notification until it settles. */
  deployStarted(endpoint: IEndpoint): void {
    if (!this._settings.values.notifyOnStateChange) {
      return;
    }
    const trans = this._trans;
    const price =
      endpoint.backend === 'local'
        ? trans.__('runs on this machine, no AWS charges')
        : trans.__(
            '%1 per hour until deleted',
            formatCost(endpoint.price_per_hour)
          );
    const message = trans.__(
      'Creating endpoint %1 on %2 (%3)…',
      endpoint.name,
      endpoint.instance_type ?? endpoint.config?.instance_type ?? '',
      price
    );
    const id = Notification.emit(message, 'in-progress', {
      autoClose: false,
      actions: this._actions()
    });
    this._pending.set(endpoint.name, id);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._model.stateChanged.disconnect(this._onStateChanged, this);
    this._pending.clear();
  }

  private _onStateChanged(
    sender: EndpointsModel,
    transition: IEndpointTransition
  ): void {
    const { endpoint } = transition;
    const trans = this._trans;
    const failed = endpoint.status === 'Failed';
    const message = failed
      ? trans.__(
          'Endpoint %1 failed: %2',
          endpoint.name,
          endpoint.failure_reason || trans.__('no reason given')
        )
      : trans.__('Endpoint %1 is in service.', endpoint.name);
    const id = this._pending.get(endpoint.name);
    this._pending.delete(endpoint.name);
    if (id !== undefined) {
      const updated = Notification.update({
        id,
        message,
        type: failed ? 'error' : 'success',
        autoClose: failed ? false : 8000,
        actions: this._actions(failed ? null : endpoint.name)
      });
      if (updated) {
        return;
      }
    }
    if (!this._settings.values.notifyOnStateChange) {
      return;
    }
    if (failed) {
      Notification.error(message, {
        autoClose: false,
        actions: this._actions()
      });
    } else {
      Notification.success(message, {
        autoClose: 8000,
        actions: this._actions(endpoint.name)
      });
    }
  }

  /** "Open in playground" for an endpoint that is in service, then "Show resources". */
  private _actions(inService: string | null = null): Notification.IAction[] {
    const actions: Notification.IAction[] = [];
    const onOpenPlayground = this._onOpenPlayground;
    if (inService !== null && onOpenPlayground) {
      actions.push({
        label: this._trans.__('Open in playground'),
        caption: this._trans.__(
          'Prompt endpoint %1 in the Playground',
          inService
        ),
        displayType: 'accent',
        callback: () => onOpenPlayground(inService)
      });
    }
    const onShow = this._onShow;
    if (onShow) {
      actions.push({
        label: this._trans.__('Show resources'),
        caption: this._trans.__('Open the Resources tab of Llama 2 on Neuron'),
        callback: () => onShow()
      });
    }
    return actions;
  }

  private _model: EndpointsModel;
  private _settings: PanelSettings;
  private _trans: TranslationBundle;
  private _onShow: (() => void) | undefined;
  private _onOpenPlayground: ((endpoint: string) => void) | undefined;
  private _pending = new Map<string, string>();
  private _isDisposed = false;
}

export namespace EndpointNotifier {
  export interface IOptions {
    model: EndpointsModel;
    settings: PanelSettings;
    trans: TranslationBundle;
    /** Reveal the panel's Resources tab (notification action). */
    onShow?: () => void;
    /** Open the Playground on an endpoint that became InService (notification action). */
    onOpenPlayground?: (endpoint: string) => void;
  }
}

/**
 * Cost guard notifications: a warning with a "Keep" action (which resets the idle clock) when an endpoint
 * is about to be auto-deleted, dismissed when the warning clears; an info when the guard deleted one.
 */
export class CostGuardNotifier {
  constructor(options: CostGuardNotifier.IOptions) {
    this._model = options.model;
    this._keep = options.keep;
    this._trans = options.trans;
    this._onShow = options.onShow;
    this._model.news.connect(this._onNews, this);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._model.news.disconnect(this._onNews, this);
    this._ids.clear();
  }

  private _onNews(sender: CostGuardModel, news: ICostGuardNews): void {
    const trans = this._trans;
    for (const name of news.cleared) {
      const id = this._ids.get(name);
      if (id !== undefined) {
        Notification.dismiss(id);
        this._ids.delete(name);
      }
    }
    for (const warning of news.warnings) {
      const previous = this._ids.get(warning.endpoint);
      if (previous !== undefined) {
        Notification.dismiss(previous);
      }
      const message = trans.__(
        'Endpoint %1 has had no invocations for %2 and will be deleted %3 (auto-delete after %4 idle).',
        warning.endpoint,
        formatIdle(warning.idle_minutes, false, trans),
        formatDeletesIn(warning.deletes_at, Date.now(), trans),
        formatAutoDelete(warning.auto_delete_idle_minutes, trans)
      );
      const name = warning.endpoint;
      const actions: Notification.IAction[] = [
        {
          label: trans.__('Keep'),
          caption: trans.__(
            'Keep %1: the idle clock starts again (%2)',
            name,
            formatAutoDelete(warning.auto_delete_idle_minutes, trans)
          ),
          callback: () => {
            this._ids.delete(name);
            void this._keep(name).then(
              () => {
                Notification.success(trans.__('Endpoint %1 is kept.', name), {
                  autoClose: 5000
                });
                void sender.refresh();
              },
              (reason: unknown) => {
                const text =
                  reason instanceof Error ? reason.message : String(reason);
                Notification.error(
                  trans.__('Could not keep endpoint %1: %2', name, text),
                  { autoClose: false }
                );
              }
            );
          }
        }
      ];
      if (this._onShow) {
        const onShow = this._onShow;
        actions.push({
          label: trans.__('Show resources'),
          callback: () => onShow()
        });
      }
      const id = Notification.warning(message, { autoClose: false, actions });
      this._ids.set(name, id);
    }
    for (const deletion of news.deletions) {
      const id = this._ids.get(deletion.endpoint);
      if (id !== undefined) {
        Notification.dismiss(id);
        this._ids.delete(deletion.endpoint);
      }
      Notification.info(
        trans.__(
          'The cost guard deleted idle endpoint %1 (%2/h). %3',
          deletion.endpoint,
          formatCost(deletion.price_per_hour),
          deletion.reason
        ),
        { autoClose: false }
      );
    }
  }

  private _model: CostGuardModel;
  private _keep: (name: string) => Promise<unknown>;
  private _trans: TranslationBundle;
  private _onShow: (() => void) | undefined;
  private _ids = new Map<string, string>();
  private _isDisposed = false;
}

export namespace CostGuardNotifier {
  export interface IOptions {
    model: CostGuardModel;
    /** Keep the endpoint (POST /endpoints/{name}/keep). */
    keep: (name: string) => Promise<unknown>;
    trans: TranslationBundle;
    /** Reveal the panel's Resources tab (notification action). */
    onShow?: () => void;
  }
}
