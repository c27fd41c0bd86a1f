/**
 * The real programs a lab of a real release runs, and the lab's node agent: the upstream kube-apiserver,
 * kube-controller-manager, kube-scheduler, kubeadm, kubectl and etcd are built from the Go module proxy by
 * scripts/build-kube.sh into a cache outside the repository (never committed), once; the node agent
 * (src/lab/agent/) is bundled into one file that Debian's nodejs runs as /usr/bin/kubelet.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ConfigError } from '../../errors.js';
import { LAB_ETCD_VERSION, REAL_RELEASES } from './versions.js';

export const KUBE_PROGRAMS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubeadm', 'kubectl'] as const;
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUILD_SCRIPT = join(REPO_ROOT, 'scripts/build-kube.sh');
const AGENT_ENTRY = join(REPO_ROOT, 'src/lab/agent/main.ts');

/** Where scripts/build-kube.sh keeps its output: `$DRYDOCK_KUBE_CACHE`, default /var/cache/drydock. */
export function kubeBuildCache(env: NodeJS.ProcessEnv = process.env): string {
  return env.DRYDOCK_KUBE_CACHE || '/var/cache/drydock';
}

export function kubeBinaryDir(version: string, cache = kubeBuildCache()): string {
  return join(cache, 'kube', `v${version.replace(/^v/, '')}`);
}

export function etcdBinaryDir(version = LAB_ETCD_VERSION, cache = kubeBuildCache()): string {
  return join(cache, 'etcd', `v${version}`);
}

export function kubeBinary(version: string, program: (typeof KUBE_PROGRAMS)[number], cache = kubeBuildCache()): string {
  return join(kubeBinaryDir(version, cache), program);
}

function complete(dir: string, programs: readonly string[]): boolean {
  return existsSync(join(dir, '.complete')) && programs.every((p) => existsSync(join(dir, p)));
}

/** Whether every real release and the lab's etcd are built. */
export function kubeBinariesBuilt(cache = kubeBuildCache()): boolean {
  return complete(etcdBinaryDir(LAB_ETCD_VERSION, cache), ['etcd', 'etcdctl', 'etcdutl']) &&
    REAL_RELEASES.every((v) => complete(kubeBinaryDir(v, cache), KUBE_PROGRAMS));
}

/**
 * Builds whatever of the real programs is missing (a cold build takes tens of minutes on 2 cores; the
 * script prints a progress line every 30 s), passing its lines to `log`.
 */
export async function ensureKubeBinaries(log: (line: string) => void, cache = kubeBuildCache()): Promise<void> {
  if (kubeBinariesBuilt(cache)) return;
  const args = [BUILD_SCRIPT, ...REAL_RELEASES.flatMap((v) => ['--kube', v]), '--etcd', LAB_ETCD_VERSION];
  log(`building the real Kubernetes programs (${REAL_RELEASES.join(', ')}) and etcd ${LAB_ETCD_VERSION} from the Go module proxy into ${cache}`);
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('bash', args, { env: { ...process.env, DRYDOCK_KUBE_CACHE: cache }, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (/^build-kube:|error|cannot/i.test(line)) log(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0 || !kubeBinariesBuilt(cache)) {
    throw new ConfigError(`building the lab's Kubernetes programs failed (scripts/build-kube.sh exit ${code}); see its output above`);
  }
}

/** What identifies a built program set, for the repository recipe: the build stamps, sizes and times. */
export function binariesIdentity(cache = kubeBuildCache()): string {
  const parts: string[] = [];
  for (const v of REAL_RELEASES) {
    for (const p of KUBE_PROGRAMS) {
      const file = join(kubeBinaryDir(v, cache), p);
      const info = existsSync(file) ? statSync(file) : null;
      parts.push(`${v}/${p}:${info ? `${info.size}@${info.mtimeMs}` : 'missing'}`);
    }
  }
  return parts.join(',');
}

/** The node agent as one CommonJS file for Debian's nodejs, with the kubelet version stamped in. */
export async function agentBundle(): Promise<string> {
  const result = await build({
    entryPoints: [AGENT_ENTRY], bundle: true, platform: 'node', target: 'node18', format: 'cjs', write: false,
    banner: { js: '#!/usr/bin/node' }, logLevel: 'silent', legalComments: 'none',
  });
  const file = result.outputFiles[0];
  if (!file) throw new ConfigError('bundling the lab node agent produced nothing');
  return file.text;
}

export function stampAgent(bundle: string, version: string): string {
  if (!bundle.includes('@KUBELET_VERSION@')) throw new ConfigError('the node agent bundle lost its version placeholder');
  return bundle.replaceAll('@KUBELET_VERSION@', version);
}
