/**
 * The Kubernetes provisioners: `kube-apt` points a host's apt at the lab's repository (and away from
 * Debian's unreachable mirrors); `kube-node` makes the host what `kubeadm init`/`join` leaves behind
 * (certificates, kubeconfigs, kubelet config, static pod manifests, etcd settings) plus a first-boot step
 * that installs the starting release. `kube-node` runs once per host: its files then belong to the host.
 */
import { existsSync } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import { ensureUpperDir, registerProvisioner, writeUpperFile, type ProvisionContext } from '../provision.js';
import {
  APT_SOURCE_FILE, BOOTSTRAP_SCRIPT_PATH, BOOTSTRAP_UNIT, BOOTSTRAP_UNIT_NAME, DEBIAN_SOURCES_DISABLED, ETCD_DROPIN,
  aptSourceLine, bootstrapScript, etcdEnvironment, kubeconfigFile, kubeletConfig, staticPodManifests,
} from './files.js';
import { CA_FILES, certPlan, ensureClusterCas, issueCertificate } from './pki.js';
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
    const kube = settingsOf(ctx);
    const release = releaseInfo(kube.version);
    if (release.real) return await prepareKubeadmNode(ctx, release);
    const controlPlanes = ctx.lab.hosts.filter((h) => h.role === 'control_plane');
    const isControlPlane = ctx.host.role === 'control_plane';
    await ensureClusterCas(kube.pkiDir);
    const caPem = await readFile(join(kube.pkiDir, 'ca.crt'), 'utf8');
    const plan = certPlan({
      host: ctx.host, initNode: controlPlanes[0]?.name === ctx.host.name, minor: Number(release.minor.split('.')[1]),
      apiEndpointAddress: kube.apiEndpointAddress, certDays: kube.certDays,
    });
    const pki = 'etc/kubernetes/pki';
    await writeUpperFile(ctx, `${pki}/ca.crt`, caPem, 0o644);
    if (isControlPlane) {
      for (const ca of Object.values(CA_FILES)) {
        await writeUpperFile(ctx, `${pki}/${ca.crt}`, await readFile(join(kube.pkiDir, ca.crt), 'utf8'), 0o644);
        await writeUpperFile(ctx, `${pki}/${ca.key}`, await readFile(join(kube.pkiDir, ca.key), 'utf8'), 0o600);
      }
      await writeUpperFile(ctx, `${pki}/sa.key`, await readFile(join(kube.pkiDir, 'sa.key'), 'utf8'), 0o600);
      await writeUpperFile(ctx, `${pki}/sa.pub`, await readFile(join(kube.pkiDir, 'sa.pub'), 'utf8'), 0o644);
    }
    for (const spec of plan) {
      const cert = await issueCertificate(kube.pkiDir, spec);
      if (spec.target.startsWith('pki:')) {
        const base = `${pki}/${spec.target.slice(4)}`;
        await writeUpperFile(ctx, `${base}.crt`, cert.certPem, 0o644);
        await writeUpperFile(ctx, `${base}.key`, cert.keyPem, 0o600);
      } else if (spec.target.startsWith('kubeconfig:')) {
        const file = spec.target.slice('kubeconfig:'.length);
        const user = /CN=([^/]+)$/.exec(spec.subject)![1]!;
        const text = kubeconfigFile({ server: kube.apiServerUrl, caPem, user, clientCertPem: cert.certPem, clientKeyPem: cert.keyPem });
        await writeUpperFile(ctx, `etc/kubernetes/${file}`, text, 0o600);
        if (file === 'admin.conf') {
          await writeUpperFile(ctx, 'root/.kube/config', text, 0o600);
          await chmod(join(ctx.upperDir, 'root/.kube'), 0o700);
        }
      } else {
        const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14).replace(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/, '$1-$2-$3-$4-$5-$6');
        const pemFile = `kubelet-client-${stamp}.pem`;
        await writeUpperFile(ctx, `var/lib/kubelet/pki/${pemFile}`, cert.certPem + cert.keyPem, 0o600);
        await chmod(join(ctx.upperDir, 'var/lib/kubelet/pki'), 0o755);
        await placeSymlink(ctx, 'var/lib/kubelet/pki/kubelet-client-current.pem', `/var/lib/kubelet/pki/${pemFile}`);
        const user = `system:node:${ctx.host.name}`;
        const text = kubeconfigFile({ server: kube.apiServerUrl, caPem, user, clientCertFile: '/var/lib/kubelet/pki/kubelet-client-current.pem' });
        await writeUpperFile(ctx, 'etc/kubernetes/kubelet.conf', text, 0o600);
      }
    }
    await writeUpperFile(ctx, 'var/lib/kubelet/config.yaml', kubeletConfig(), 0o644);
    await writeUpperFile(ctx, 'var/lib/kubelet/kubeadm-flags.env',
      'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:' +
        `${release.pauseTag}"\n`, 0o644);
    await ensureUpperDir(ctx, 'etc/kubernetes/manifests');
    if (isControlPlane) {
      const members = controlPlanes.map((h) => ({ name: h.name, address: h.address }));
      const self = { name: ctx.host.name, address: ctx.host.address };
      for (const [file, text] of Object.entries(staticPodManifests({ host: self, release, etcdMembers: members }))) {
        await writeUpperFile(ctx, `etc/kubernetes/manifests/${file}`, text, 0o600);
      }
      await writeUpperFile(ctx, 'etc/default/etcd', etcdEnvironment(self, members, kube.clusterToken), 0o644);
      await writeUpperFile(ctx, 'etc/systemd/system/etcd.service.d/10-drydock-lab.conf', ETCD_DROPIN, 0o644);
    } else {
      // Workers run no etcd member, as in a kubeadm cluster with stacked etcd.
      await placeSymlink(ctx, 'etc/systemd/system/etcd.service', '/dev/null');
    }
    await writeUpperFile(ctx, BOOTSTRAP_SCRIPT_PATH, bootstrapScript(release, ctx.host.role), 0o755);
    await writeUpperFile(ctx, `etc/systemd/system/${BOOTSTRAP_UNIT_NAME}`, BOOTSTRAP_UNIT, 0o644);
    await placeSymlink(ctx, `etc/systemd/system/multi-user.target.wants/${BOOTSTRAP_UNIT_NAME}`, `/etc/systemd/system/${BOOTSTRAP_UNIT_NAME}`);
    await writeUpperFile(ctx, PROVISIONED_MARKER, `${JSON.stringify({ version: kube.version, certDays: kube.certDays, at: new Date().toISOString() })}\n`, 0o644);
  },
});

/**
 * A host of a real release gets only what an admin does before `kubeadm init`/`join`: the packages at the
 * starting release (installed and held at first boot), IP forwarding on, and Debian's own etcd service
 * masked (etcd runs from kubeadm's static pod). Certificates, kubeconfigs and manifests are kubeadm's.
 */
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
  await placeSymlink(ctx, 'etc/systemd/system/etcd.service', '/dev/null');
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

/** Gives the API simulator the cluster CA, so it serves with, and trusts clients of, the cluster's PKI. */
export async function shareClusterCa(kube: KubeLabSettings): Promise<void> {
  await ensureClusterCas(kube.pkiDir);
  const target = join(kube.apiStateDir, 'pki');
  await mkdir(target, { recursive: true, mode: 0o700 });
  if (!existsSync(join(target, 'ca.crt'))) {
    await copyFile(join(kube.pkiDir, 'ca.key'), join(target, 'ca.key'));
    await copyFile(join(kube.pkiDir, 'ca.crt'), join(target, 'ca.crt'));
  }
}
