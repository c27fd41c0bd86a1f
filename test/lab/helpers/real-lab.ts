/**
 * One real lab cluster shared by the scenarios of one lab test file: `useRealLab()` brings it up in before()
 * (through the lab CLI in a child process: the lab's services start from ESM entry points that mocha's loading
 * cannot provide) and down in after(); the scenario modules read it through the returned context.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadKubeConfig, type KubeClient } from '../../../src/kube/client.js';
import type { KubeNode } from '../../../src/kube/port.js';
import { kubeBinary } from '../../../src/lab/kube/binaries.js';
import { DEFAULT_KUBE_VERSION } from '../../../src/lab/kube/versions.js';
import { labUnsupportedReason } from '../../../src/lab/platform.js';
import { labHosts, type LabHosts } from './lab-hosts.js';

const exec = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../../..');
const LAB_CLI = join(import.meta.dirname, 'lab-cli.ts');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RealLabSpec {
  controlPlanes: number;
  workers: number;
  certDays?: number;
  /** Names the lab's folders (drydock-lab-NAME-…). */
  name: string;
}

export interface DrydockRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr as they interleaved. */
  output: string;
  signal: NodeJS.Signals | null;
}

export interface RealLab extends LabHosts {
  readonly version: string;
  stateDir(): string;
  /** The DRYDOCK_STATE_DIR of the drydock runs of this file (journals, locks). */
  runsDir(): string;
  inventory(): string;
  kubeconfig(): string;
  hostNames(): string[];
  workers(): string[];
  controlPlanes(): string[];
  api(): KubeClient;
  nodes(): Promise<Map<string, KubeNode>>;
  /** The real kubectl of the starting release against the lab. */
  kubectl(...args: string[]): Promise<string>;
  json<T>(...args: string[]): Promise<T>;
  labCli(...args: string[]): Promise<string>;
  fault(host: string, action: string): Promise<string>;
  eventually(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void>;
  /**
   * The drydock CLI from the sources; `onOutput` sees the whole output so far on every chunk. A run still going
   * after `limitMs` is ended (SIGTERM, then SIGKILL) so the test fails with its output rather than a bare timeout.
   */
  drydock(args: string[], onOutput?: (output: string, kill: (signal: NodeJS.Signals) => void) => void, limitMs?: number): Promise<DrydockRun>;
}

export const isReady = (n: KubeNode | undefined): boolean => n?.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

/** The section of a recap from `title`'s banner to the next blank line. */
export function section(output: string, title: string): string {
  const start = output.lastIndexOf(`\n${title} ***`);
  if (start < 0) return '';
  const end = output.indexOf('\n\n', start + 1);
  return output.slice(start + 1, end < 0 ? undefined : end);
}

export function useRealLab(spec: RealLabSpec): RealLab {
  let stateDir = '';
  let runsDir = '';
  const version = DEFAULT_KUBE_VERSION;
  const hosts = labHosts(() => stateDir, 120_000);
  const labCli = async (...args: string[]): Promise<string> =>
    (await exec(process.execPath, ['--import', 'tsx', LAB_CLI, ...args, '--state-dir', stateDir], { cwd: REPO, timeout: 1_800_000, maxBuffer: 64 << 20 })).stdout;
  const api = () => loadKubeConfig({ kubeconfigPath: join(stateDir, 'kubeconfig') });
  const names = (): string[] => hosts.record().hosts.map((h) => h.name);
  const lab: RealLab = {
    ...hosts,
    version,
    stateDir: () => stateDir,
    runsDir: () => runsDir,
    inventory: () => join(stateDir, 'inventory.yaml'),
    kubeconfig: () => join(stateDir, 'kubeconfig'),
    hostNames: names,
    workers: () => names().filter((n) => n.startsWith('worker')),
    controlPlanes: () => names().filter((n) => n.startsWith('cp')),
    api,
    nodes: async () => new Map((await api().listNodes()).map((n) => [n.metadata.name, n])),
    kubectl: async (...args) => (await exec(kubeBinary(version, 'kubectl'), ['--kubeconfig', join(stateDir, 'kubeconfig'), ...args], { maxBuffer: 64 << 20, timeout: 60_000 })).stdout,
    json: async <T>(...args: string[]) => JSON.parse(await lab.kubectl(...args, '-o', 'json')) as T,
    labCli,
    fault: (host, action) => labCli('fault', host, action),
    async eventually(what, timeoutMs, probe) {
      const deadline = Date.now() + timeoutMs;
      while (!(await probe().catch(() => false))) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
        await sleep(500);
      }
    },
    drydock(args, onOutput, limitMs = 840_000) {
      return new Promise((done, fail) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
          cwd: REPO,
          env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '', DRYDOCK_STATE_DIR: runsDir },
        });
        let stdout = '';
        let stderr = '';
        let output = '';
        const kill = (signal: NodeJS.Signals) => child.kill(signal);
        const seen = (c: Buffer, to: 'out' | 'err'): void => {
          const text = c.toString();
          if (to === 'out') stdout += text;
          else stderr += text;
          output += text;
          onOutput?.(output, kill);
        };
        child.stdout.on('data', (c: Buffer) => seen(c, 'out'));
        child.stderr.on('data', (c: Buffer) => seen(c, 'err'));
        const limit = setTimeout(() => {
          output += `\n[test: drydock still running after ${limitMs / 1000} s: ended with SIGTERM]\n`;
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
        }, limitMs);
        child.on('error', fail);
        child.on('close', (code, signal) => {
          clearTimeout(limit);
          done({ code, stdout, stderr, output, signal });
        });
      });
    },
  };

  before(async function () {
    const reason = labUnsupportedReason();
    if (reason) throw new Error(`the lab tests cannot run here: ${reason}`);
    this.timeout(1_800_000);
    stateDir = mkdtempSync(join(tmpdir(), `drydock-lab-${spec.name}-`));
    runsDir = mkdtempSync(join(tmpdir(), `drydock-lab-${spec.name}-runs-`));
    const started = Date.now();
    await labCli('up', '--control-planes', String(spec.controlPlanes), '--workers', String(spec.workers), ...(spec.certDays ? ['--cert-days', String(spec.certDays)] : []));
    const count = spec.controlPlanes + spec.workers;
    await lab.eventually(`all ${count} nodes Ready`, 180_000, async () => {
      const all = await lab.nodes();
      return all.size === count && [...all.values()].every(isReady);
    });
    console.log(`      lab up (${spec.controlPlanes} control plane(s) + ${spec.workers} worker(s), real ${version}) and Ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  after(async function () {
    this.timeout(180_000);
    if (stateDir) await labCli('down', '--purge').catch((err) => console.log(`      lab down failed: ${String(err)}`));
    for (const dir of [stateDir, runsDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  return lab;
}
