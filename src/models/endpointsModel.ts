/**
 * The endpoints this extension created, kept fresh by polling only the ones still changing
 * (status other than InService, Failed, OutOfService); see `ResourceList`.
 * `stateChanged` fires when an endpoint becomes InService or Failed (the panel turns it into a notification).
 */
import { EndpointStatus, IEndpoint, IEndpointList } from '../api/types';
import { isTerminal } from './endpointStatus';
import { ResourceList } from './resourcePolling';

/** The two calls the model needs (an `IApiClient` satisfies it). */
export interface IEndpointsSource {
  listEndpoints(): Promise<IEndpointList>;
  getEndpoint(name: string): Promise<IEndpoint>;
}

/** An endpoint reached InService or Failed. */
export interface IEndpointTransition {
  endpoint: IEndpoint;
  previousStatus: EndpointStatus;
}

export class EndpointsModel extends ResourceList<
  IEndpoint,
  IEndpointTransition
> {
  constructor(options: EndpointsModel.IOptions) {
    const { source } = options;
    super({
      name: 'jupyter-llama-neuron:endpoints',
      list: async () => (await source.listEndpoints()).endpoints,
      describe: name => source.getEndpoint(name),
      isActive: status => !isTerminal(status),
      announced: new Set(['InService', 'Failed']),
      transition: (endpoint, previousStatus) => ({ endpoint, previousStatus }),
      pollInterval:
        options.pollInterval ?? EndpointsModel.DEFAULT_POLL_INTERVAL,
      maxInterval: options.maxInterval ?? EndpointsModel.DEFAULT_MAX_INTERVAL,
      errorsOfRemoved: true
    });
  }

  /** The known endpoints (empty until loaded). */
  get endpoints(): readonly IEndpoint[] {
    return this.items;
  }
}

export namespace EndpointsModel {
  export const DEFAULT_POLL_INTERVAL = 10_000;
  export const DEFAULT_MAX_INTERVAL = 300_000;

  export interface IOptions {
    source: IEndpointsSource;
    /** Milliseconds between polls of changing endpoints (default 10 s). */
    pollInterval?: number;
    /** Longest back-off interval after errors, in milliseconds (default 5 min). */
    maxInterval?: number;
  }
}
