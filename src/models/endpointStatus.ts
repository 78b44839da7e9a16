/**
 * Endpoint status vocabulary (SageMaker's EndpointStatus; local mode uses the same words).
 */
import { EndpointStatus, IEndpoint } from '../api/types';

/** Statuses after which an endpoint does not change on its own: no need to poll it. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set<EndpointStatus>([
  'InService',
  'Failed',
  'OutOfService'
]);

/** Whether polling can stop for this status. */
export function isTerminal(status: string): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** Whether the endpoint is on its way somewhere (shown with a spinner). */
export function isTransitional(status: string): boolean {
  return !isTerminal(status);
}

/** Seconds since the endpoint was created, from `created_at` (falls back to the server's `age_s`). */
export function ageSeconds(
  endpoint: Pick<IEndpoint, 'created_at' | 'age_s'>,
  now: number = Date.now()
): number {
  const created = Date.parse(endpoint.created_at);
  if (Number.isFinite(created)) {
    return Math.max(0, (now - created) / 1000);
  }
  return Math.max(0, endpoint.age_s ?? 0);
}

/**
 * How an endpoint is named in the Playground and Compare menus: its name, what it serves (a fine-tuned
 * model says so) and where. The name comes first, so a narrow menu cuts the least useful part.
 */
export function endpointOptionLabel(
  endpoint: Pick<
    IEndpoint,
    | 'name'
    | 'model_display_name'
    | 'training_job'
    | 'backend'
    | 'instance_type'
    | 'config'
  >,
  trans: { __: (text: string, ...args: (string | number)[]) => string }
): string {
  const model = endpoint.training_job
    ? trans.__('fine-tuned %1', endpoint.model_display_name)
    : endpoint.model_display_name;
  const where =
    endpoint.backend === 'local'
      ? trans.__('local')
      : (endpoint.instance_type ?? endpoint.config?.instance_type ?? '—');
  return trans.__('%1 — %2 (%3)', endpoint.name, model, where);
}
