/**
 * Mounts in the machine's namespace that belong to a lab (hosts mount inside their own namespaces, so these
 * exist only if something went wrong — `lab down` still checks, and removes them).
 */
import { readFileSync } from 'node:fs';
import { run, systemEnv } from './sys.js';

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Mount points at or below `prefix`, deepest first (the order to unmount them in). */
export function mountsUnder(prefix: string, mountsText = readFileSync('/proc/mounts', 'utf8')): string[] {
  const base = prefix.replace(/\/+$/, '');
  return mountsText
    .split('\n')
    .map((line) => unescapeMountPath(line.split(' ')[1] ?? ''))
    .filter((point) => point === base || point.startsWith(`${base}/`))
    .sort((a, b) => b.length - a.length);
}

export async function unmountLazy(point: string): Promise<void> {
  await run('umount', ['-l', point], { env: systemEnv() });
}
