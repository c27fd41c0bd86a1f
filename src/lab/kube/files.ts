/**
 * The files a lab host gets before kubeadm runs: the apt source of the lab's repository (Debian's own
 * sources off) and the first-boot step that installs and holds the starting release. Pure.
 */
import type { KubeRelease } from './versions.js';

export const APT_SOURCE_FILE = 'etc/apt/sources.list.d/kubernetes.list';

export function aptSourceLine(repoBaseUrl: string, release: Pick<KubeRelease, 'repoPath'>): string {
  return `deb [trusted=yes] ${repoBaseUrl.replace(/\/+$/, '')}${release.repoPath} /\n`;
}

/** Replaces Debian's sources: the lab's hosts have no route out, and apt-get update must not hang on them. */
export const DEBIAN_SOURCES_DISABLED =
  "# drydock lab: Debian's mirrors are unreachable from the lab's hosts (no route out).\n" +
  '# Packages come from the lab repositories in /etc/apt/sources.list.d/.\n';

export const BOOTSTRAP_SCRIPT_PATH = 'usr/local/sbin/drydock-kube-bootstrap';
export const BOOTSTRAP_UNIT_NAME = 'drydock-kube-bootstrap.service';
export const BOOTSTRAPPED_MARKER = '/var/lib/drydock/kube-bootstrapped';

/** First boot: install and hold the starting release from the lab's repository, start the kubelet. */
export function bootstrapScript(release: KubeRelease, role: 'control_plane' | 'worker'): string {
  const packages = ['kubelet', 'kubeadm', 'kubectl'].map((p) => `${p}=${release.debVersion}`).join(' ');
  return `#!/bin/bash
# drydock lab: first boot of a ${role === 'control_plane' ? 'control-plane' : 'worker'} node at Kubernetes ${release.version}.
set -eu
export DEBIAN_FRONTEND=noninteractive
for _ in $(seq 1 30); do apt-get update -q && break; sleep 1; done
apt-get install -y -q --no-install-recommends ${packages}
apt-mark hold kubelet kubeadm kubectl
systemctl daemon-reload
systemctl enable kubelet.service
systemctl start --no-block kubelet.service
mkdir -p "$(dirname ${BOOTSTRAPPED_MARKER})"
touch ${BOOTSTRAPPED_MARKER}
`;
}

export const BOOTSTRAP_UNIT = `[Unit]
Description=drydock lab: install the starting Kubernetes release from the lab's apt repository
Wants=network-online.target
After=network-online.target
ConditionPathExists=!${BOOTSTRAPPED_MARKER}

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/${BOOTSTRAP_SCRIPT_PATH}
TimeoutStartSec=300
StandardOutput=journal

[Install]
WantedBy=multi-user.target
`;
