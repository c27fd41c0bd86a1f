/**
 * The text files of a flat apt repository (`deb URL /`): the `Packages` index apt reads the packages from,
 * and the `Release` file that lists it with its checksums. Pure: the caller measures the files.
 */

export interface IndexedDeb {
  /** Control fields in the order they appear in the package (Package first). */
  control: Array<[string, string]>;
  /** Path relative to the repository base, e.g. `amd64/kubeadm_1.36.3-1.1_amd64.deb`. */
  filename: string;
  size: number;
  md5: string;
  sha256: string;
}

export interface ReleaseEntry {
  path: string;
  size: number;
  md5: string;
  sha256: string;
}

/** Parses a DEBIAN/control text (continuation lines kept with their field). */
export function parseControl(text: string): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (/^\s/.test(line) && fields.length) {
      fields[fields.length - 1]![1] += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return fields;
}

export function packagesStanza(deb: IndexedDeb): string {
  const lines = deb.control.map(([k, v]) => `${k}: ${v}`);
  lines.push(`Filename: ${deb.filename}`, `Size: ${deb.size}`, `MD5sum: ${deb.md5}`, `SHA256: ${deb.sha256}`);
  return lines.join('\n');
}

/** Stanzas sorted by package name then file name, separated by blank lines, as apt-ftparchive writes them. */
export function packagesIndex(debs: IndexedDeb[]): string {
  const field = (deb: IndexedDeb, name: string) => deb.control.find(([k]) => k === name)?.[1] ?? '';
  const sorted = [...debs].sort((a, b) => field(a, 'Package').localeCompare(field(b, 'Package')) || a.filename.localeCompare(b.filename));
  return sorted.length ? `${sorted.map(packagesStanza).join('\n\n')}\n` : '';
}

export function releaseFile(options: { label: string; architectures: string[]; date: Date; files: ReleaseEntry[] }): string {
  const date = options.date.toUTCString().replace(/GMT$/, 'UTC');
  const lines = [
    `Origin: ${options.label}`, `Label: ${options.label}`, `Architectures: ${options.architectures.join(' ')}`, `Date: ${date}`,
    'MD5Sum:', ...options.files.map((f) => ` ${f.md5} ${String(f.size).padStart(16)} ${f.path}`),
    'SHA256:', ...options.files.map((f) => ` ${f.sha256} ${String(f.size).padStart(16)} ${f.path}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The control file of one of the lab's packages. */
export function debControl(options: {
  name: string; version: string; architecture: string; installedSizeKb: number; depends?: string; description: string;
}): string {
  const lines = [
    `Package: ${options.name}`, `Version: ${options.version}`, `Architecture: ${options.architecture}`,
    'Maintainer: drydock lab <lab@drydock.invalid>', `Installed-Size: ${options.installedSizeKb}`,
  ];
  if (options.depends) lines.push(`Depends: ${options.depends}`);
  lines.push('Section: admin', 'Priority: optional', 'Homepage: https://kubernetes.io', `Description: ${options.description}`);
  return `${lines.join('\n')}\n`;
}
