/**
 * Real runs for the HTML report's browser tests: `drydock play` against the loopback fleet (and the API
 * simulator for kube_* tasks), each with its own state folder so its journal is the only one there, then
 * `drydock report RUN_ID -o FILE` as a user runs it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDrydock, type CliResult } from './cli.js';
import type { Fleet } from './fleet.js';

export interface PlayedRun {
  runId: string;
  stateDir: string;
  result: CliResult;
}

/** Runs `drydock play ARGS` with its journal in stateDir; fails when the run printed no run id. */
export async function playRun(args: string[], stateDir: string, env: Record<string, string> = {}): Promise<PlayedRun> {
  const result = await runDrydock(['play', ...args], { stateDir, env });
  const runId = /run id: ([0-9a-f-]{36})/.exec(result.stdout)?.[1];
  if (!runId) throw new Error(`drydock play printed no run id (exit ${result.code}):\n${result.stdout}${result.stderr}`);
  return { runId, stateDir, result };
}

/** `drydock report RUN_ID -o FILE`; throws with its output when it does not exit 0. */
export async function writeReport(run: PlayedRun, file: string): Promise<void> {
  const result = await runDrydock(['report', run.runId, '-o', file], { stateDir: run.stateDir });
  if (result.code !== 0) throw new Error(`drydock report exited ${result.code}:\n${result.stdout}${result.stderr}`);
}

/**
 * A rolling play over four hosts in two batches of two (serial: 2): per host a changed task with a few lines
 * of output, a task skipped on every host but the first, an unchanged check (changed_when: false), a task that
 * fails on the third host (its output tail says so), and a last task that the failed host never reaches.
 */
export function rollingPlaybook(dir: string, fleet: Fleet): { file: string; failedHost: string; firstHost: string } {
  const [first, , third] = fleet.hosts;
  const file = join(dir, 'rolling.yaml');
  writeFileSync(
    file,
    `- name: rolling maintenance
  hosts: all
  gather_facts: false
  serial: 2
  tasks:
    - name: apply config
      shell: "printf 'config line %s\\\\n' 1 2 3 4 5 6 7 8 9 10 11 12; echo applied on {{ inventory_hostname }}"
    - name: only on the first host
      command: echo first
      when: inventory_hostname == '${first!.name}'
    - name: check disk
      shell: "echo checking the disk of {{ inventory_hostname }}; {{ 'echo disk full on ' + inventory_hostname + ' >&2; exit 3' if inventory_hostname == '${third!.name}' else 'true' }}"
      changed_when: false
    - name: report
      command: echo done
`,
  );
  return { file, failedHost: third!.name, firstHost: first!.name };
}

/**
 * A rolling drain over a two-host fleet, one node per batch (as test/integration/engine/play-kube.test.ts runs it): with the API
 * simulator's drain-reschedule seed, node-1's drain waits on PodDisruptionBudget default/web-pdb until the
 * ReplicaSet's replacement runs elsewhere.
 */
export function drainPlaybook(dir: string, fleet: Fleet): { file: string; inventory: string } {
  const [a, b] = fleet.hosts;
  const inventory = join(dir, 'nodes.yaml');
  writeFileSync(inventory, `all:\n  hosts:\n    ${a!.name}: { node_name: node-1 }\n    ${b!.name}: { node_name: node-2 }\n`);
  const file = join(dir, 'rolling-drain.yaml');
  writeFileSync(
    file,
    `- name: rolling drain
  hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - name: drain
      kube_drain: { ignore_daemonsets: true, delete_emptydir_data: true, timeout: 60 }
    - name: maintenance on the host
      command: hostname
    - name: uncordon
      kube_uncordon: {}
`,
  );
  return { file, inventory };
}
