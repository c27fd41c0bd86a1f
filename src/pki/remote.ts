/**
 * The one command each control plane runs (with sudo: the files are root-only) and the parsing of what it
 * prints. Every file found comes back on one line, `KIND<TAB>PATH<TAB>BASE64`, so the controller decodes
 * bytes exactly and a missing file simply has no line. Pure.
 */
import { shellQuote } from '../util/shell.js';

export interface CertificateLocations {
  /** Folder searched for `*.crt`, subfolders (etcd/) included. */
  pkiDir: string;
  /** Folder holding admin.conf, super-admin.conf, controller-manager.conf, scheduler.conf. */
  kubeconfigDir: string;
  /** The kubelet's current client certificate (a symlink kubelet rotation moves). */
  kubeletCert: string;
}

export const DEFAULT_LOCATIONS: CertificateLocations = {
  pkiDir: '/etc/kubernetes/pki',
  kubeconfigDir: '/etc/kubernetes',
  kubeletCert: '/var/lib/kubelet/pki/kubelet-client-current.pem',
};

/** The kubeconfigs kubeadm embeds a client certificate in (kubelet.conf points at the rotated file instead). */
export const KUBEADM_KUBECONFIGS = ['admin.conf', 'super-admin.conf', 'controller-manager.conf', 'scheduler.conf'] as const;

export type RemoteFileKind = 'pki' | 'kubeconfig' | 'kubelet';

export interface RemoteFile {
  kind: RemoteFileKind;
  path: string;
  content: Buffer;
}

export function collectScript(locations: CertificateLocations): string {
  const emit = (kind: RemoteFileKind) => `printf '${kind}\\t%s\\t' "$f"; base64 -w0 < "$f"; echo`;
  return [
    `pki=${shellQuote(locations.pkiDir)}`,
    `if [ -d "$pki" ]; then find "$pki" \\( -type f -o -type l \\) -name '*.crt' 2>/dev/null | LC_ALL=C sort | while IFS= read -r f; do`,
    `  if [ -f "$f" ] && [ -r "$f" ]; then ${emit('pki')}; fi`,
    'done; fi',
    ...KUBEADM_KUBECONFIGS.map(
      (name) => `f=${shellQuote(joinPath(locations.kubeconfigDir, name))}; if [ -f "$f" ] && [ -r "$f" ]; then ${emit('kubeconfig')}; fi`,
    ),
    `f=${shellQuote(locations.kubeletCert)}; if [ -f "$f" ] && [ -r "$f" ]; then ${emit('kubelet')}; fi`,
    'exit 0',
  ].join('\n');
}

/** Lines that do not follow the format (a login banner, a profile's noise) are ignored. */
export function parseCollectOutput(stdout: string): RemoteFile[] {
  const files: RemoteFile[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(pki|kubeconfig|kubelet)\t([^\t]+)\t([A-Za-z0-9+/=]*)$/.exec(line.replace(/\r$/, ''));
    if (m) files.push({ kind: m[1] as RemoteFileKind, path: m[2]!, content: Buffer.from(m[3]!, 'base64') });
  }
  return files;
}

function joinPath(dir: string, name: string): string {
  return `${dir.replace(/\/+$/, '')}/${name}`;
}

/** How a file is named in the table: its path under the pki folder, a kubeconfig's file name, else the path. */
export function displayName(file: Pick<RemoteFile, 'kind' | 'path'>, locations: CertificateLocations): string {
  if (file.kind === 'pki') {
    const prefix = `${locations.pkiDir.replace(/\/+$/, '')}/`;
    return file.path.startsWith(prefix) ? file.path.slice(prefix.length) : file.path;
  }
  if (file.kind === 'kubeconfig') return file.path.slice(file.path.lastIndexOf('/') + 1);
  return file.path;
}
