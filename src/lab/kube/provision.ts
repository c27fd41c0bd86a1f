/**
 * The Kubernetes provisioners: `kube-apt` points a host's apt at the lab's repository (and away from
 * Debian's unreachable mirrors); `kube-node` gives the host only what an admin does before `kubeadm init`/
 * `join`: IP forwarding on and a first-boot step that installs and holds the starting release.
 * Certificates, kubeconfigs and manifests are kubeadm's (cluster.ts). `kube-node` runs once per host: its
 * files then belong to the host.
 */
import { existsSync } from 'node:fs';
import { lstat, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import { ensureUpperDir, registerProvisioner, writeUpperFile, type ProvisionContext } from '../provision.js';
import {
  APT_SOURCE_FILE, BOOTSTRAP_SCRIPT_PATH, BOOTSTRAP_UNIT, BOOTSTRAP_UNIT_NAME, DEBIAN_SOURCES_DISABLED, aptSourceLine, bootstrapScript,
} from './files.js';
import { releaseInfo, type KubeRelease } from './versions.js';
import type { KubeLabSettings } from './settings.js';

const PROVISIONED_MARKER = 'var/lib/drydock/kube-provisioned';

function settingsOf(ctx: ProvisionContext): KubeLabSettings {
  if (!ctx.lab.kube) throw new ConfigError(`host ${ctx.host.name}: the kube provisioners need the lab's Kubernetes settings`);
  return ctx.lab.kube;
}

/** Keeps the minor a host's source names (it may have been moved on by an upgrade); the address follows the lab. */
export function retargetAptSource(existing: string, repoUrl: string): string {
  return existing.replace(/(deb\s+(?:\[[^\]]*\]\s+)?)https?:\/\/[^/\s]+/g, `$1${repoUrl.replace(/\/+$/, '')}`);
}

registerProvisioner({
  name: 'kube-apt',
  async prepare(ctx) {
    const kube = settingsOf(ctx);
    await writeUpperFile(ctx, 'etc/apt/sources.list', DEBIAN_SOURCES_DISABLED, 0o644);
    const file = join(ctx.upperDir, APT_SOURCE_FILE);
    const wanted = existsSync(file)
      ? retargetAptSource(await readFile(file, 'utf8'), kube.repoUrl)
      : aptSourceLine(kube.repoUrl, releaseInfo(kube.version));
    await writeUpperFile(ctx, APT_SOURCE_FILE, wanted, 0o644);
  },
});

registerProvisioner({
  name: 'kube-node',
  async prepare(ctx) {
    if (existsSync(join(ctx.upperDir, PROVISIONED_MARKER))) return;
    await prepareKubeadmNode(ctx, releaseInfo(settingsOf(ctx).version));
  },
});

const IP_FORWARD_UNIT_NAME = 'drydock-ip-forward.service';
const IP_FORWARD_UNIT = `[Unit]
Description=drydock lab: IP forwarding on, as kubeadm's preflight requires
Before=kubelet.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/sbin/sysctl -q -w net.ipv4.ip_forward=1

[Install]
WantedBy=multi-user.target
`;

async function prepareKubeadmNode(ctx: ProvisionContext, release: KubeRelease): Promise<void> {
  // systemd-sysctl skips a read-only /proc/sys; the host's own network namespace's knobs are writable.
  await writeUpperFile(ctx, `etc/systemd/system/${IP_FORWARD_UNIT_NAME}`, IP_FORWARD_UNIT, 0o644);
  await placeSymlink(ctx, `etc/systemd/system/multi-user.target.wants/${IP_FORWARD_UNIT_NAME}`, `/etc/systemd/system/${IP_FORWARD_UNIT_NAME}`);
  await writeUpperFile(ctx, BOOTSTRAP_SCRIPT_PATH, bootstrapScript(release, ctx.host.role), 0o755);
  await writeUpperFile(ctx, `etc/systemd/system/${BOOTSTRAP_UNIT_NAME}`, BOOTSTRAP_UNIT, 0o644);
  await placeSymlink(ctx, `etc/systemd/system/multi-user.target.wants/${BOOTSTRAP_UNIT_NAME}`, `/etc/systemd/system/${BOOTSTRAP_UNIT_NAME}`);
  await writeUpperFile(ctx, PROVISIONED_MARKER, `${JSON.stringify({ version: release.version, kubeadm: true, at: new Date().toISOString() })}\n`, 0o644);
}

async function placeSymlink(ctx: ProvisionContext, rel: string, target: string): Promise<void> {
  const parent = rel.split('/').slice(0, -1).join('/');
  await ensureUpperDir(ctx, parent);
  const path = join(ctx.upperDir, rel);
  if (await lstat(path).then(() => true, () => false)) return;
  await symlink(target, path);
}
