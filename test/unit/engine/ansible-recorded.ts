/**
 * Results recorded from ansible-playbook 2.14.18 (test/fixtures/ansible/<topic>/, see the README there), read
 * in the shape drydock's engine tests compare against: per play, the tasks in the order Ansible ran them (a
 * serial play lists its tasks again for each batch), and the recap with drydock's counter names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecapStats } from '../../../src/events/events.js';

export interface RecordedTask {
  task: string;
  hosts: Record<string, { msg?: unknown; failed?: boolean; changed?: boolean; skipped?: boolean }>;
}

export interface RecordedRun {
  plays: { play: string; tasks: RecordedTask[] }[];
  stats: Record<string, Record<string, number>>;
}

const ROOT = join(import.meta.dirname, '../../fixtures/ansible');

export function fixtureText(topic: string, file: string): string {
  return readFileSync(join(ROOT, topic, file), 'utf8');
}

export function recorded(topic: string, name: string): RecordedRun {
  return JSON.parse(fixtureText(topic, `${name}.json`)) as RecordedRun;
}

/** Ansible's recap (failures, dark) under drydock's names. */
export function recapOf(run: RecordedRun): RecapStats {
  const out: RecapStats = {};
  for (const [host, c] of Object.entries(run.stats)) {
    out[host] = { ok: c['ok']!, changed: c['changed']!, unreachable: c['unreachable'] ?? c['dark'] ?? 0, failed: c['failures']!, skipped: c['skipped']!, rescued: c['rescued']!, ignored: c['ignored']! };
  }
  return out;
}
