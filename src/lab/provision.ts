/**
 * Provisioners: named steps that prepare a host's upper layer before it boots (identity, keys, names).
 * Each host records the list it gets, so later parts of the lab (an apt repository, etcd certificates…) add
 * their own step here instead of changing how hosts boot. They run only while the host is down: writing
 * into an upper layer under a mounted overlay is not allowed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { HostRole } from './layout.js';
import type { KubeLabSettings } from './kube/settings.js';

export interface ProvisionContext {
  host: { name: string; role: HostRole; address: string };
  lab: {
    hosts: Array<{ name: string; address: string; role?: HostRole }>;
    clientKeyPub: string;
    /** The lab's Kubernetes settings, for the kube-* provisioners (src/lab/kube/provision.ts). */
    kube?: KubeLabSettings;
  };
  lowerDir: string;
  upperDir: string;
}

export interface HostProvisioner {
  name: string;
  prepare(ctx: ProvisionContext): Promise<void>;
}

const registry = new Map<string, HostProvisioner>();

export function registerProvisioner(provisioner: HostProvisioner): void {
  registry.set(provisioner.name, provisioner);
}

/** Steps every host gets; other parts of the lab append their own per role. */
export function defaultProvisioners(_role: HostRole): string[] {
  return ['identity', 'hosts-file', 'authorized-key', 'kube-apt', 'kube-node'];
}

export async function applyProvisioners(names: string[], ctx: ProvisionContext): Promise<void> {
  for (const name of names) {
    const provisioner = registry.get(name);
    if (!provisioner) throw new Error(`unknown lab provisioner "${name}" for host ${ctx.host.name}`);
    await provisioner.prepare(ctx);
  }
}

/** Creates `rel`'s folders in the upper layer with the owner and mode they have below, so the merge keeps them. */
export async function ensureUpperDir(ctx: ProvisionContext, rel: string): Promise<string> {
  const target = join(ctx.upperDir, rel);
  if (existsSync(target)) return target;
  await ensureUpperDir(ctx, dirname(rel));
  const below = join(ctx.lowerDir, rel);
  const model = existsSync(below) ? statSync(below) : null;
  await mkdir(target, { mode: 0o755 });
  if (model) {
    await chmod(target, model.mode & 0o7777);
    await chown(target, model.uid, model.gid);
  }
  return target;
}

export async function writeUpperFile(ctx: ProvisionContext, rel: string, content: string, mode: number): Promise<void> {
  await ensureUpperDir(ctx, dirname(rel));
  const target = join(ctx.upperDir, rel);
  await writeFile(target, content, { mode });
  await chmod(target, mode);
}

export function hostsFile(self: string, hosts: Array<{ name: string; address: string }>): string {
  const lines = ['127.0.0.1\tlocalhost', `127.0.1.1\t${self}`, '::1\tlocalhost ip6-localhost ip6-loopback', '# drydock lab hosts'];
  for (const host of hosts) lines.push(`${host.address}\t${host.name}`);
  return `${lines.join('\n')}\n`;
}

registerProvisioner({
  name: 'identity',
  async prepare(ctx) {
    await writeUpperFile(ctx, 'etc/hostname', `${ctx.host.name}\n`, 0o644);
    // Kept across `lab down`/`up`: a host keeps its machine id like a real one does.
    const idFile = join(ctx.upperDir, 'etc/machine-id');
    const current = existsSync(idFile) ? (await readFile(idFile, 'utf8')).trim() : '';
    if (!/^[0-9a-f]{32}$/.test(current)) await writeUpperFile(ctx, 'etc/machine-id', `${randomBytes(16).toString('hex')}\n`, 0o444);
  },
});

registerProvisioner({
  name: 'hosts-file',
  async prepare(ctx) {
    await writeUpperFile(ctx, 'etc/hosts', hostsFile(ctx.host.name, ctx.lab.hosts), 0o644);
  },
});

registerProvisioner({
  name: 'authorized-key',
  async prepare(ctx) {
    await writeUpperFile(ctx, 'root/.ssh/authorized_keys', ctx.lab.clientKeyPub, 0o600);
    await chmod(join(ctx.upperDir, 'root/.ssh'), 0o700);
  },
});
