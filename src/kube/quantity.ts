/**
 * Kubernetes resource quantities (`500m`, `2`, `1.5Gi`, `128974848`, `1e3`) as numbers, and pod resource
 * requests summed the way the scheduler counts them: the containers' sum, at least the largest init
 * container's, plus the pod overhead. Pure.
 */
import type { KubePod, ResourceList } from './port.js';

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A quantity in base units (cores, bytes, pods); null when it does not parse. */
export function parseQuantity(value: string | number | undefined): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value === undefined) return null;
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(value.trim());
  if (!match) return null;
  const base = Number(match[1]);
  if (match[2]) return base * 10 ** Number(match[2].slice(1));
  return base * SUFFIX[match[3] ?? '']!;
}

/** The resources drydock weighs room by. */
export interface Requests {
  cpu: number;
  memory: number;
}

function requestsOf(list: ResourceList | undefined): Requests {
  return { cpu: parseQuantity(list?.['cpu']) ?? 0, memory: parseQuantity(list?.['memory']) ?? 0 };
}

/** What the scheduler reserves for the pod: max(sum of containers, each init container) + overhead. */
export function podRequests(pod: KubePod): Requests {
  const sum: Requests = { cpu: 0, memory: 0 };
  for (const c of pod.spec.containers ?? []) {
    const r = requestsOf(c.resources?.requests);
    sum.cpu += r.cpu;
    sum.memory += r.memory;
  }
  for (const c of pod.spec.initContainers ?? []) {
    const r = requestsOf(c.resources?.requests);
    sum.cpu = Math.max(sum.cpu, r.cpu);
    sum.memory = Math.max(sum.memory, r.memory);
  }
  const overhead = requestsOf(pod.spec.overhead);
  return { cpu: sum.cpu + overhead.cpu, memory: sum.memory + overhead.memory };
}

/** `1.5` cores, `250m`; `3Gi`, `512Mi`, `100Ki`, `42` bytes: short, for messages. */
export function formatCpu(cores: number): string {
  if (cores === 0) return '0';
  if (Number.isInteger(cores)) return String(cores);
  const milli = Math.round(cores * 1000);
  return milli % 100 === 0 ? String(milli / 1000) : `${milli}m`;
}

export function formatMemory(bytes: number): string {
  for (const [unit, size] of [['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (Math.abs(bytes) >= size) {
      const n = bytes / size;
      return `${Number.isInteger(n) ? n : n.toFixed(1)}${unit}`;
    }
  }
  return String(Math.round(bytes));
}
