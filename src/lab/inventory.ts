/**
 * What `lab up` hands to the orchestrator under test: an Ansible YAML inventory and a known_hosts built from
 * the keys each host generated (read from its own files, never learnt from a first connection). Pure.
 */
import { stringify } from '../util/yaml.js';
import type { HostRole } from './layout.js';

export interface InventoryHost {
  name: string;
  role: HostRole;
  address: string;
}

export interface InventoryPaths {
  clientKey: string;
  knownHosts: string;
}

function quoteForSsh(path: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(path) ? path : `"${path.replace(/(["\\$`])/g, '\\$1')}"`;
}

export function sshCommonArgs(paths: InventoryPaths): string {
  return `-o UserKnownHostsFile=${quoteForSsh(paths.knownHosts)} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes`;
}

/** Inventory variables beyond how to reach the hosts (e.g. kubeadm's preflight checks a lab host cannot pass). */
export function renderInventory(hosts: InventoryHost[], paths: InventoryPaths, extraVars: Record<string, string> = {}): string {
  const group = (filter: (h: InventoryHost) => boolean) => ({
    hosts: Object.fromEntries(hosts.filter(filter).map((h) => [h.name, { ansible_host: h.address }])),
  });
  const inventory = {
    all: {
      vars: {
        ansible_user: 'root',
        ansible_ssh_private_key_file: paths.clientKey,
        ansible_ssh_common_args: sshCommonArgs(paths),
        ...extraVars,
      },
      children: {
        control_plane: group((h) => h.role === 'control_plane'),
        workers: group((h) => h.role === 'worker'),
        etcd: group((h) => h.role === 'control_plane'),
      },
    },
  };
  return `# Written by drydock lab up; the lab's hosts and how to reach them.\n${stringify(inventory, { lineWidth: 0 })}`;
}

export interface HostKeys {
  name: string;
  address: string;
  /** Contents of the host's /etc/ssh/ssh_host_*_key.pub files. */
  publicKeys: string[];
}

/** `name,address type base64` lines; the comment of each key file is dropped. */
export function renderKnownHosts(hosts: HostKeys[]): string {
  const lines: string[] = [];
  for (const host of hosts) {
    for (const key of host.publicKeys) {
      const [type, blob] = key.trim().split(/\s+/);
      if (type && blob) lines.push(`${host.name},${host.address} ${type} ${blob}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
