/**
 * The object shapes the simulator stores. Kubernetes objects are open-ended JSON, so spec and status stay
 * loosely typed; the fields the control loops read are named in the helpers that read them.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = any;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generateName?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [extra: string]: Json;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Json;
  status?: Json;
  [extra: string]: Json;
}

/** The time source every loop reads, so tests can drive the simulator with a fake clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Kubernetes timestamps have second precision (RFC 3339 without fractions). */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

export function podIsReady(pod: KubeObject): boolean {
  const ready = (pod.status?.conditions ?? []).find((c: Json) => c.type === 'Ready');
  return ready?.status === 'True';
}

export function nodeIsReady(node: KubeObject): boolean {
  const ready = (node.status?.conditions ?? []).find((c: Json) => c.type === 'Ready');
  return ready?.status === 'True';
}

export function podIsTerminal(pod: KubeObject): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}
