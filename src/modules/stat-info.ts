/**
 * Ansible's per-path stat dictionary (the `stat` module's `stat`, each of `find`'s `files`), built from one
 * GNU `stat -c` / `find -printf` line per path. Pure parsing; the scripts are in stat.ts and find.ts.
 */

/** The `stat -c` format whose output `statInfo` reads: raw mode (hex), ids, names, size, times, inode, … */
export const STAT_FORMAT = '%f|%u|%g|%U|%G|%s|%.9X|%.9Y|%.9Z|%i|%d|%h|%o|%b|%r';

const S_IFMT = 0o170000;
const TYPES: Record<number, string> = { 0o140000: 'sock', 0o120000: 'lnk', 0o100000: 'reg', 0o060000: 'blk', 0o040000: 'dir', 0o020000: 'chr', 0o010000: 'fifo' };

/** Parses one STAT_FORMAT line into Ansible's keys (mode as '0644', times as float seconds). */
export function statInfo(line: string, path: string): Record<string, unknown> {
  const [rawHex, uid, gid, user, group, size, atime, mtime, ctime, inode, dev, nlink, blockSize, blocks, deviceType] = line.split('|');
  const raw = parseInt(rawHex ?? '0', 16);
  const type = TYPES[raw & S_IFMT] ?? '';
  const mode = raw & 0o7777;
  const bit = (b: number): boolean => (mode & b) !== 0;
  return {
    exists: true,
    path,
    mode: mode.toString(8).padStart(4, '0'),
    isdir: type === 'dir',
    ischr: type === 'chr',
    isblk: type === 'blk',
    isreg: type === 'reg',
    isfifo: type === 'fifo',
    islnk: type === 'lnk',
    issock: type === 'sock',
    uid: Number(uid),
    gid: Number(gid),
    size: Number(size),
    inode: Number(inode),
    dev: Number(dev),
    nlink: Number(nlink),
    atime: Number(atime),
    mtime: Number(mtime),
    ctime: Number(ctime),
    wusr: bit(0o200),
    rusr: bit(0o400),
    xusr: bit(0o100),
    wgrp: bit(0o020),
    rgrp: bit(0o040),
    xgrp: bit(0o010),
    woth: bit(0o002),
    roth: bit(0o004),
    xoth: bit(0o001),
    isuid: bit(0o4000),
    isgid: bit(0o2000),
    pw_name: user,
    gr_name: group,
    block_size: Number(blockSize),
    blocks: Number(blocks),
    device_type: Number(deviceType),
  };
}
