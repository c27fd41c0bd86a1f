/**
 * Errors of the node operations. Both are KubeApiErrors (code KUBE_API), so the CLI maps them like any API
 * failure, and both carry enough detail for the caller to decide what to undo and what to tell the admin.
 */
import { KubeApiError } from '../errors.js';

/** A pod the drain could not get rid of, and why. */
export interface PendingPod {
  /** `namespace/name`. */
  pod: string;
  state: 'evicting' | 'blocked' | 'terminating' | 'failed';
  /** `namespace/name` of the PodDisruptionBudgets covering the pod (when eviction was refused). */
  pdbs: string[];
  /** The API's last word about this pod, e.g. the disruption budget cause. */
  message?: string;
}

export type DrainFailure = 'refused' | 'eviction-failed' | 'timeout' | 'api';

export class DrainError extends KubeApiError {
  constructor(
    readonly node: string,
    readonly failure: DrainFailure,
    message: string,
    readonly pending: PendingPod[],
    /** Whether the node was cordoned before drydock touched it: uncordon only when this is false. */
    readonly wasAlreadyCordoned: boolean,
    status?: number,
    reason?: string,
  ) {
    super(message, status, reason);
    this.name = 'DrainError';
  }
}

export class NodeWaitError extends KubeApiError {
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(message);
    this.name = 'NodeWaitError';
  }
}
