import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createEtcdSnapshotModule, etcdSnapshotSpec, type ControllerSnapshotFolder } from '../../../../src/modules/etcd/snapshot.js';
import { snapshotFileName } from '../../../../src/modules/etcd/naming.js';
import { checkModuleArgs } from '../../../../src/playbook/modules.js';
import { fakeContext, type ExecAnswer, type FakeContext } from '../fake-context.js';

const NOW = 1_700_000_000_000; // the fake clock's start: 2023-11-14T22:13:20Z
const NAME = snapshotFileName('kubernetes', 'node1', NOW);
const REMOTE = `/var/lib/drydock/etcd-backups/${NAME}`;
const DATA = Buffer.from('bolt database bytes and the appended hash');
const SHA = createHash('sha256').update(DATA).digest('hex');
const STATUS = '{"hash":3928263741,"revision":1203,"totalKey":514,"totalSize":2101248}';

interface Host {
  tools?: string;
  save?: ExecAnswer;
  status?: ExecAnswer;
  remoteSha?: string;
  remoteFiles?: string[];
}

/** A host that answers each of the module's commands; `commands` on the context records what ran. */
function host(h: Host = {}) {
  return (command: string): ExecAnswer => {
    if (command.startsWith('for t in etcdutl etcdctl')) return { stdout: h.tools ?? 'etcdctl\n' };
    if (command.includes('snapshot save')) return h.save ?? { stdout: `Snapshot saved at ${REMOTE}\n` };
    if (command.includes('snapshot status')) return h.status ?? { stdout: `${STATUS}\n` };
    if (command.includes('%F|%a')) return { stdout: `regular file|600|root|root|0|0|${DATA.length}\n\n${h.remoteSha ?? SHA}\n` };
    if (command.includes('base64 <')) return { stdout: DATA.toString('base64') };
    if (command.includes('ls -1A')) return { stdout: [...(h.remoteFiles ?? []), NAME].join('\n') + '\n' };
    return {};
  };
}

function folder(files: string[] = []): ControllerSnapshotFolder & { removed: string[] } {
  const removed: string[] = [];
  return { removed, list: async () => files, remove: async (p) => void removed.push(p) };
}

const run = (ctx: FakeContext, f = folder()) => createEtcdSnapshotModule(f).run(ctx);

describe('modules/etcd: etcd_snapshot', () => {
  it('declares kubeadm defaults the loader fills in', () => {
    const checked = checkModuleArgs(etcdSnapshotSpec, {}, { applyDefaults: true });
    expect(checked).to.have.property('args').that.deep.includes({
      endpoint: 'https://127.0.0.1:2379',
      cacert: '/etc/kubernetes/pki/etcd/ca.crt',
      cert: '/etc/kubernetes/pki/etcd/server.crt',
      key: '/etc/kubernetes/pki/etcd/server.key',
      dest: './backups/etcd',
      cluster_name: 'kubernetes',
      retention: 5,
      remote_dir: '/var/lib/drydock/etcd-backups',
    });
  });

  it('saves with ETCDCTL_API=3 against one endpoint, verifies, copies and writes the snapshot with sidecars', async () => {
    const ctx = fakeContext({ dest: '/backups/' }, host());
    const result = await run(ctx);
    expect(result).to.include({ changed: true, path: REMOTE, controller_path: `/backups/${NAME}`, sha256: SHA, revision: 1203, total_keys: 514, hash: 3928263741, size: DATA.length, verified: true });
    const save = ctx.commands.find((c) => c.includes('snapshot save'))!;
    expect(save).to.include("ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key snapshot save");
    expect(save).to.include('umask 077').and.include('mkdir -p -m 700');
    expect(ctx.commands.find((c) => c.includes('snapshot status'))).to.equal(`ETCDCTL_API=3 etcdctl snapshot status ${REMOTE} -w json`);
    expect(ctx.files.get(`/backups/${NAME}`)).to.deep.equal(DATA);
    expect(ctx.files.get(`/backups/${NAME}.sha256`)?.toString()).to.equal(`${SHA}  ${NAME}\n`);
    const sidecar = JSON.parse(ctx.files.get(`/backups/${NAME}.json`)!.toString());
    expect(sidecar).to.include({ cluster: 'kubernetes', host: 'node1', sha256: SHA, revision: 1203, total_keys: 514, db_size: 2101248, verified: true, verified_with: 'etcdctl' });
  });

  it('verifies with etcdutl when the host has it (etcd 3.6 has no etcdctl snapshot status)', async () => {
    const ctx = fakeContext({}, host({ tools: 'etcdutl\netcdctl\n' }));
    expect(await run(ctx)).to.include({ verified: true, verified_with: 'etcdutl' });
    expect(ctx.commands.find((c) => c.includes('snapshot status'))).to.equal(`etcdutl snapshot status ${REMOTE} -w json`);
  });

  it('fails and removes a snapshot with no keys, writing nothing on the controller', async () => {
    const ctx = fakeContext({}, host({ status: { stdout: '{"hash":1,"revision":1,"totalKey":0,"totalSize":20480}' } }));
    const result = await run(ctx);
    expect(result.failed).to.equal(true);
    expect(result.msg).to.include('failed verification and was removed').and.include('holds 0 keys');
    expect(ctx.commands).to.include(`rm -f -- ${REMOTE}`);
    expect(ctx.files.size).to.equal(0);
  });

  it('fails and removes a snapshot whose status cannot be read', async () => {
    const ctx = fakeContext({}, host({ status: { code: 1, stderr: 'Error: snapshot file integrity check failed' } }));
    const result = await run(ctx);
    expect(result.msg).to.include('integrity check failed');
    expect(ctx.commands).to.include(`rm -f -- ${REMOTE}`);
  });

  it('fails on a transfer whose SHA-256 differs from the host\'s, keeping the host copy', async () => {
    const ctx = fakeContext({}, host({ remoteSha: 'f'.repeat(64) }));
    const result = await run(ctx);
    expect(result.failed).to.equal(true);
    expect(result.msg).to.include('is corrupt').and.include('stays on the host');
    expect(ctx.files.size).to.equal(0);
    expect(ctx.commands).to.not.include(`rm -f -- ${REMOTE}`);
  });

  it('reports a failed save with etcdctl\'s message', async () => {
    const ctx = fakeContext({}, host({ save: { code: 1, stderr: 'Error: open /etc/kubernetes/pki/etcd/server.crt: no such file or directory\n' } }));
    const result = await run(ctx);
    expect(result.msg).to.match(/etcdctl snapshot save against https:\/\/127\.0\.0\.1:2379 on node1 failed: .*server\.crt: no such file/);
    expect(ctx.commands.some((c) => c.includes('snapshot status'))).to.equal(false);
  });

  it('prunes old snapshots of this cluster and host on both sides, with their sidecars', async () => {
    const old = [1, 2, 3].map((d) => snapshotFileName('kubernetes', 'node1', NOW - d * 86_400_000));
    const other = snapshotFileName('kubernetes', 'node2', NOW - 9 * 86_400_000);
    const f = folder([...old, other, NAME]);
    const ctx = fakeContext({ dest: '/b', retention: 2 }, host({ remoteFiles: [...old, other] }));
    const result = await run(ctx, f);
    expect(result.pruned).to.deep.equal({ host: [old[2], old[1]], controller: [old[2], old[1]] });
    expect(ctx.commands).to.include(`rm -f -- /var/lib/drydock/etcd-backups/${old[2]} /var/lib/drydock/etcd-backups/${old[1]}`);
    const base = (n: string) => `/b/${n.slice(0, -3)}`;
    expect(f.removed).to.deep.equal([old[2]!, old[1]!].flatMap((n) => [`${base(n)}.db.json`, `${base(n)}.db.sha256`, `${base(n)}.db`]));
  });

  it('in check mode says what it would do and runs nothing that changes state', async () => {
    const ctx = fakeContext({ dest: '/b', retention: 1 }, host({ remoteFiles: [snapshotFileName('kubernetes', 'node1', NOW - 1000)] }));
    ctx.check = true;
    const result = await run(ctx);
    expect(result).to.include({ changed: true, path: REMOTE, controller_path: `/b/${NAME}` });
    expect(result.msg).to.include('would save a snapshot of https://127.0.0.1:2379').and.include('would remove 1 old snapshot(s) on the host');
    expect(ctx.commands.some((c) => c.includes('snapshot save') || c.startsWith('rm '))).to.equal(false);
    expect(ctx.files.size).to.equal(0);
  });

  it('refuses several endpoints, a retention below 1 and a host without etcdctl', async () => {
    expect((await run(fakeContext({ endpoint: 'https://a:2379,https://b:2379' }, host()))).msg).to.include('exactly one URL');
    expect((await run(fakeContext({ retention: 0 }, host()))).msg).to.include('at least 1');
    expect((await run(fakeContext({ cluster_name: 'a/b' }, host()))).msg).to.include('cannot name a snapshot file');
    expect((await run(fakeContext({}, host({ tools: '' })))).msg).to.include('etcdctl is not installed on node1');
  });
});
