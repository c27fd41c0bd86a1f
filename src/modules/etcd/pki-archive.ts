/**
 * The control plane's PKI folder (kubeadm's /etc/kubernetes/pki: the cluster and etcd CAs with their keys),
 * kept beside each snapshot so a restore has the CA the snapshot's certificates were signed with.
 * `tar czf -` runs on the host under the task's become and comes back base64 over the exec channel; the
 * controller checks the gzip and tar framing and lists the files before it writes the archive (0600).
 */
import { gunzipSync } from 'node:zlib';
import { shellQuote } from '../../util/shell.js';
import { ModuleFailure, tail } from '../failure.js';
import type { ModuleContext } from '../types.js';

const MISSING = 44;

/** The script: the archive of `dir` (relative to its parent, so it unpacks as `pki/...`) in base64, tar's own exit status. */
export function pkiArchiveScript(dir: string): string {
  const parent = dir.replace(/\/[^/]*$/, '') || '/';
  const base = dir.slice(dir.lastIndexOf('/') + 1);
  const d = shellQuote(dir);
  return [
    `if [ ! -d ${d} ]; then echo ${d}': no such directory' >&2; exit ${MISSING}; fi`,
    'r=$(mktemp) || exit 1',
    `trap 'rm -f -- "$r"' EXIT`,
    `{ tar czf - -C ${shellQuote(parent)} -- ${shellQuote(base)}; echo "$?" > "$r"; } | base64 | tr -d '\\n'`,
    'exit "$(cat -- "$r")"',
  ].join('\n');
}

function octal(field: Buffer): number {
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/**
 * The regular files a tar archive holds (ustar names with their prefix). Throws when the framing is broken
 * or the archive lacks its end (two zero blocks), which a tar that stopped half-way leaves out.
 */
export function tarFileNames(tar: Buffer): string[] {
  const names: string[] = [];
  let longName: string | undefined;
  let at = 0;
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) return names;
    const sum = octal(header.subarray(148, 156));
    let actual = 0;
    for (let i = 0; i < 512; i++) actual += i >= 148 && i < 156 ? 32 : header[i]!;
    if (sum !== actual) throw new Error(`a tar header at byte ${at} has a bad checksum`);
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    // POSIX ustar ("ustar\0") splits long names into prefix/name; GNU tar ("ustar  ") sends an 'L' entry first.
    const posix = header.subarray(257, 263).toString('latin1') === 'ustar\0';
    const prefix = posix ? header.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '') : '';
    const type = String.fromCharCode(header[156]!);
    const size = octal(header.subarray(124, 136));
    const body = tar.subarray(at + 512, at + 512 + size);
    if (body.length < size) throw new Error(`a tar entry at byte ${at} runs past the archive's end`);
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else {
      if (type === '0' || type === '\0') names.push(longName ?? (prefix ? `${prefix}/${name}` : name));
      longName = undefined;
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error('the tar archive ends without its end-of-archive blocks');
}

export interface PkiArchive {
  data: Buffer;
  files: string[];
}

/** Archives `dir` on the target and checks it on the controller; ModuleFailure when either fails. */
export async function fetchPkiArchive(ctx: ModuleContext, dir: string): Promise<PkiArchive> {
  const result = await ctx.exec(pkiArchiveScript(dir), { maxOutputBytes: 256 * 1024 * 1024 });
  if (result.code === MISSING) throw new ModuleFailure(`${dir} is not a directory on ${ctx.target}: set pki_dir to the control plane's PKI folder (kubeadm: /etc/kubernetes/pki)`);
  if (result.code !== 0) throw new ModuleFailure(`could not archive ${dir} on ${ctx.target}: ${tail(result.stderr) || `exit status ${result.code}`}`);
  if (result.truncated) throw new ModuleFailure(`the archive of ${dir} on ${ctx.target} is larger than 192 MiB: is it the PKI folder?`);
  const data = Buffer.from(result.stdout.trim(), 'base64');
  let files: string[];
  try {
    files = tarFileNames(gunzipSync(data));
  } catch (err) {
    throw new ModuleFailure(`the archive of ${dir} from ${ctx.target} is damaged: ${(err as Error).message}`);
  }
  if (files.length === 0) throw new ModuleFailure(`${dir} on ${ctx.target} holds no files`);
  return { data, files };
}
