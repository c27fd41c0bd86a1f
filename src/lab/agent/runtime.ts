/**
 * The node agent's container runtime stand-in: a static pod's container runs as a transient systemd
 * service of the host (`kube-static-<pod>.service`) started with systemd-run, executing the real binary of
 * the image the manifest names, from the lab's image store (the build cache, bound read-only into every
 * host). Like containers under containerd, these services outlive a restart of the kubelet; a host reboot
 * ends them. The manifest's hash is kept in the unit's description, so a restarted agent adopts them.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

export const IMAGES_ROOT = '/var/lib/drydock-images';
const UNIT_PREFIX = 'kube-static-';

function exec(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 60000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/**
 * The binary for an image and a command name: `registry.k8s.io/kube-apiserver:v1.36.3` →
 * `<store>/kube/v1.36.3/kube-apiserver`; `registry.k8s.io/etcd:3.6.16-0` → `<store>/etcd/v3.6.16/etcd`.
 */
export function imageBinary(image: string, command: string, root = IMAGES_ROOT): string | null {
  const match = /(?:^|\/)([a-z0-9-]+):([A-Za-z0-9._-]+)$/.exec(image);
  if (!match) return null;
  const [, repository, tag] = match as unknown as [string, string, string];
  const program = command.split('/').pop()!;
  if (repository === 'etcd') {
    const version = /^v?(\d+\.\d+\.\d+)/.exec(tag);
    return version ? `${root}/etcd/v${version[1]}/${program}` : null;
  }
  if (repository.startsWith('kube-')) return `${root}/kube/${tag.startsWith('v') ? tag : `v${tag}`}/${program}`;
  return null;
}

export interface UnitState {
  unit: string;
  hash: string;
  active: boolean;
  restarts: number;
  startedAt: Date | null;
}

export function unitName(pod: string): string {
  return `${UNIT_PREFIX}${pod.replace(/[^A-Za-z0-9_.-]/g, '_')}.service`;
}

/** The agent's units, running or restarting, with the manifest hash each was started for. */
export async function listUnits(): Promise<Map<string, UnitState>> {
  const listed = await exec('systemctl', ['list-units', `${UNIT_PREFIX}*`, '--all', '--plain', '--no-legend', '--no-pager']);
  const units = new Map<string, UnitState>();
  for (const line of listed.stdout.split('\n')) {
    const unit = line.trim().split(/\s+/)[0];
    if (!unit?.startsWith(UNIT_PREFIX)) continue;
    const shown = await exec('systemctl', ['show', unit, '-p', 'Description', '-p', 'ActiveState', '-p', 'NRestarts', '-p', 'ExecMainStartTimestamp', '-p', 'LoadState']);
    const props = Object.fromEntries(shown.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    if (props.LoadState === 'not-found') continue;
    const hash = /hash=(\S+)/.exec(props.Description ?? '')?.[1] ?? '';
    const started = props.ExecMainStartTimestamp ? new Date(props.ExecMainStartTimestamp) : null;
    units.set(unit, {
      unit, hash,
      active: props.ActiveState === 'active' || props.ActiveState === 'activating',
      restarts: Number(props.NRestarts ?? 0) || 0,
      startedAt: started && !Number.isNaN(started.getTime()) ? started : null,
    });
  }
  return units;
}

export interface StartSpec {
  pod: string;
  hash: string;
  binary: string;
  args: string[];
  env: Record<string, string>;
  graceSeconds: number;
}

/** Starts the container's service (a stopped or failed one of the same name is cleared first). */
export async function startUnit(spec: StartSpec): Promise<void> {
  if (!existsSync(spec.binary)) throw new Error(`image binary ${spec.binary} is not in the lab's image store`);
  const unit = unitName(spec.pod);
  await exec('systemctl', ['reset-failed', unit]);
  const args = [
    `--unit=${unit}`, '--collect', '--no-block',
    `--description=static pod ${spec.pod} hash=${spec.hash}`,
    '-p', 'Restart=always', '-p', 'RestartSec=2', '-p', 'KillMode=mixed',
    '-p', `TimeoutStopSec=${Math.max(1, spec.graceSeconds)}`, '-p', 'StartLimitIntervalSec=0',
    ...Object.entries(spec.env).map(([k, v]) => `--setenv=${k}=${v}`),
    '--', spec.binary, ...spec.args,
  ];
  const result = await exec('systemd-run', args);
  if (result.code !== 0) throw new Error(`systemd-run ${unit} failed: ${result.stderr.trim()}`);
}

/** Stops a container's service and waits for it to be gone (SIGTERM, SIGKILL after the grace period). */
export async function stopUnit(unit: string): Promise<void> {
  await exec('systemctl', ['stop', unit]);
  await exec('systemctl', ['reset-failed', unit]);
}

export async function restartUnit(unit: string): Promise<void> {
  await exec('systemctl', ['restart', unit]);
}
