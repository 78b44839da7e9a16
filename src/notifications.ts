/**
 * JupyterLab notifications for long endpoint operations: "Creating…" when a deploy starts, updated to
 * success or error when the endpoints model reports InService or Failed.
 */
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';

import { IEndpoint } from './api/types';
import { formatCost } from './models/deployForm';
import { EndpointsModel, IEndpointTransition } from './models/endpointsModel';
import { PanelSettings } from './models/panelSettings';

export class EndpointNotifier {
  constructor(options: EndpointNotifier.IOptions) {
    this._model = options.model;
    this._settings = options.settings;
    this._trans = options.trans;
    this._onShow = options.onShow;
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
        actions: this._actions()
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
        actions: this._actions()
      });
    }
  }

  private _actions(): Notification.IAction[] {
    if (!this._onShow) {
      return [];
    }
    const onShow = this._onShow;
    return [
      {
        label: this._trans.__('Show resources'),
        caption: this._trans.__('Open the Resources tab of Llama 2 on Neuron'),
        callback: () => onShow()
      }
    ];
  }

  private _model: EndpointsModel;
  private _settings: PanelSettings;
  private _trans: TranslationBundle;
  private _onShow: (() => void) | undefined;
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
  }
}
