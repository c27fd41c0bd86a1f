/**
 * Replacing a file on this machine all at once: the new text goes to a temporary file beside it (same
 * folder, so the same filesystem), created with the mode asked for (0600 by default: kubeconfigs hold keys),
 * flushed to disk, then renamed over the file. A reader sees the old file or the new one, never half of one;
 * a failure leaves the old file and removes the temporary one. A symbolic link is followed: its target is
 * replaced and the link stays. The new file keeps the old one's owner and group where this process may set them
 * (root editing someone's ~/.kube/config must not take it away from them).
 */
import { randomBytes } from 'node:crypto';
import { open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(file: string, text: string, mode = 0o600): Promise<void> {
  const target = await realpath(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return file;
    throw err;
  });
  const temp = join(dirname(target), `.${basename(target)}.drydock-${randomBytes(6).toString('hex')}.tmp`);
  const owner = await stat(target).catch(() => undefined);
  const handle = await open(temp, 'wx', mode);
  try {
    try {
      if (owner) await handle.chown(owner.uid, owner.gid).catch(() => undefined); // not permitted: stays ours
      await handle.chmod(mode); // the umask may have taken bits away; the mode asked for is the mode given
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  // The rename itself survives a crash once the folder is flushed too (best effort: not every system allows it).
  const folder = await open(dirname(target), 'r').catch(() => undefined);
  await folder?.sync().catch(() => undefined);
  await folder?.close();
}
