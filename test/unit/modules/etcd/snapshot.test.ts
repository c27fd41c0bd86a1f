/**
 * etcd_snapshot with a scripted host and a fake etcd API: what is read from the host (and how), what is
 * written on the controller (and with which mode), what is refused, retention and check mode. The real
 * gateway, tunnel and etcd are in test/integration/modules/etcd-snapshot.test.ts.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { EtcdMemberStatus, EtcdTarget } from '../../../../src/modules/etcd/gateway.js';
import { EtcdGatewayError } from '../../../../src/modules/etcd/gateway.js';
import { snapshotFileName } from '../../../../src/modules/etcd/naming.js';
import { createEtcdSnapshotModule, etcdSnapshotSpec, type ControllerSnapshotFolder, type EtcdApi } from '../../../../src/modules/etcd/snapshot.js';
import { checkModuleArgs } from '../../../../src/playbook/modules.js';
import { HostUnreachableError } from '../../../../src/errors.js';
import type { Connection } from '../../../../src/transport/types.js';
import { fakeContext, type ExecAnswer, type FakeContext } from '../fake-context.js';

const NOW = 1_700_000_000_000; // the fake clock's start: 2023-11-14T22:13:20Z
const NAME = snapshotFileName('kubernetes', 'node1', NOW);
const BASE = NAME.slice(0, -3);
const SNAPSHOT = gunzipSync(readFileSync(join(import.meta.dirname, '../../../fixtures/etcd/snapshot-3.6.db.gz')));
const SHA = createHash('sha256').update(SNAPSHOT).digest('hex');
const KEY_PEM = '-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n';
/** A minimal tar.gz: one file, pki/ca.crt. */
const PKI = gzipSync(tarOf('pki/ca.crt', 'ca'));
const MEMBER: EtcdMemberStatus = { version: '3.6.16', memberId: '42', revision: 306, dbSize: 118784 };

function tarOf(name: string, content: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write('0000644\0', 100);
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('0', 156);
  header.write('ustar\x0000', 257);
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const body = Buffer.alloc(512);
  body.write(content);
  return Buffer.concat([header, body, Buffer.alloc(1024)]);
}

/** The host: the three credential files and the PKI folder; anything else is an empty success. */
function host(missing: string[] = []) {
  return (command: string): ExecAnswer => {
    const read = /base64 < '?([^' \n]+)'?/.exec(command)?.[1];
    if (read && command.includes('Permission denied')) {
      if (missing.includes(read)) return { code: 44 };
      return { stdout: Buffer.from(read.endsWith('.key') ? KEY_PEM : `PEM of ${read}`).toString('base64') };
    }
    if (command.includes('tar czf')) return { stdout: PKI.toString('base64') };
    return {};
  };
}

interface Fake {
  api: EtcdApi;
  targets: EtcdTarget[];
}

function api(snapshot: Buffer | Error = SNAPSHOT): Fake {
  const targets: EtcdTarget[] = [];
  return {
    targets,
    api: {
      status: async (t) => {
        targets.push(t);
        return MEMBER;
      },
      snapshot: async (t) => {
        targets.push(t);
        // The module zeroes the key once etcd answered: check it was the host's key while in use.
        expect(t.tls.key.toString()).to.equal(KEY_PEM);
        if (snapshot instanceof Error) throw snapshot;
        return { file: snapshot, version: '3.6.0' };
      },
    },
  };
}

function folder(files: string[] = []): ControllerSnapshotFolder & { removed: string[] } {
  const removed: string[] = [];
  return { removed, list: async () => files, remove: async (p) => void removed.push(p) };
}

function context(args: Record<string, unknown>, handler = host(), forwardOut?: Connection['forwardOut']): FakeContext & { modes: Map<string, number | undefined> } {
  const connection = { name: 'node1', forwardOut: forwardOut ?? (async () => { throw new Error('not in this test'); }) } as unknown as Connection;
  const ctx = Object.assign(fakeContext(args, handler, { connection: async () => connection }), { modes: new Map<string, number | undefined>() });
  const write = ctx.controller.writeFile;
  ctx.controller.writeFile = async (path, data, mode) => {
    ctx.modes.set(path, mode);
    await write(path, data, mode);
  };
  return ctx;
}

const run = (ctx: FakeContext, fake = api(), f = folder()) => createEtcdSnapshotModule(f, fake.api).run(ctx);

describe('modules/etcd: etcd_snapshot', () => {
  it('declares kubeadm defaults the loader fills in: the healthcheck-client certificate, no host folder', () => {
    const checked = checkModuleArgs(etcdSnapshotSpec, {}, { applyDefaults: true });
    expect(checked).to.have.property('args').that.deep.equals({
      endpoint: 'https://127.0.0.1:2379',
      cacert: '/etc/kubernetes/pki/etcd/ca.crt',
      cert: '/etc/kubernetes/pki/etcd/healthcheck-client.crt',
      key: '/etc/kubernetes/pki/etcd/healthcheck-client.key',
      pki_dir: '/etc/kubernetes/pki',
      dest: './backups/etcd',
      cluster_name: 'kubernetes',
      retention: 5,
    });
  });

  it('reads the credentials over exec, takes the snapshot, checks it and writes it 0600 with the PKI archive and sidecars', async () => {
    const ctx = context({ dest: '/backups/' });
    const fake = api();
    const result = await run(ctx, fake);
    expect(result).to.include({ changed: true, controller_path: `/backups/${NAME}`, sha256: SHA, revision: 306, total_keys: 300, hash: 1662073980, size: SNAPSHOT.length, db_size: 118784, verified: true, verified_with: 'drydock', pki_path: `/backups/${BASE}.pki.tar.gz`, pki_files: 1, etcd_version: '3.6.16' });
    expect(fake.targets.map((t) => `${t.host}:${t.port}`)).to.deep.equal(['127.0.0.1:2379', '127.0.0.1:2379']);
    expect(fake.targets[0]!.tls.ca.toString()).to.equal('PEM of /etc/kubernetes/pki/etcd/ca.crt');
    expect(fake.targets[0]!.tls.key.every((b) => b === 0), 'the key is zeroed after use').to.equal(true);
    // No command carries the key or writes anything on the host.
    expect(ctx.commands.join('\n')).to.not.include('secret');
    expect(ctx.commands.some((c) => /etcdctl|etcdutl|mkdir|> /.test(c.replace(/> "\$r"/, '')))).to.equal(false);
    expect(ctx.stdins.every((s) => s === undefined)).to.equal(true);
    expect(ctx.files.get(`/backups/${NAME}`)).to.deep.equal(SNAPSHOT);
    expect(ctx.files.get(`/backups/${BASE}.pki.tar.gz`)).to.deep.equal(PKI);
    expect(ctx.files.get(`/backups/${NAME}.sha256`)?.toString()).to.equal(`${SHA}  ${NAME}\n`);
    const sidecar = JSON.parse(ctx.files.get(`/backups/${NAME}.json`)!.toString());
    expect(sidecar).to.include({ cluster: 'kubernetes', host: 'node1', sha256: SHA, revision: 306, total_keys: 300, db_size: 118784, version: '3.6.0', etcd_version: '3.6.16', member_id: '42', verified: true, verified_with: 'drydock', pki_file: `${BASE}.pki.tar.gz`, pki_sha256: createHash('sha256').update(PKI).digest('hex') });
    expect([...ctx.modes.values()]).to.deep.equal([0o600, 0o600, 0o600, 0o600]);
    expect([...ctx.modes.keys()].at(-1), 'the sidecar is written last').to.equal(`/backups/${NAME}.json`);
    expect(JSON.stringify(result)).to.not.include('secret');
  });

  it('refuses a snapshot whose hash does not match (a flipped byte), writing nothing', async () => {
    const flipped = Buffer.from(SNAPSHOT);
    flipped[60_000] = flipped[60_000]! ^ 0x10;
    const ctx = context({});
    const result = await run(ctx, api(flipped));
    expect(result).to.include({ failed: true, verified: false });
    expect(result.msg).to.include('failed verification and was not kept').and.include('integrity hash does not match');
    expect(ctx.files.size).to.equal(0);
    expect(ctx.commands.some((c) => c.includes('tar czf'))).to.equal(false);
  });

  it('reports etcd refusing, with its message, and zeroes the key all the same', async () => {
    const fake = api(new EtcdGatewayError('HTTP 503: etcdserver: not capable'));
    const result = await run(context({}), fake);
    expect(result.msg).to.equal('etcd at https://127.0.0.1:2379 on node1 did not give a snapshot: HTTP 503: etcdserver: not capable');
    expect(fake.targets[0]!.tls.key.every((b) => b === 0)).to.equal(true);
  });

  it('says which credential is missing on the host', async () => {
    const result = await run(context({}, host(['/etc/kubernetes/pki/etcd/healthcheck-client.key'])));
    expect(result.msg).to.include('the etcd client key /etc/kubernetes/pki/etcd/healthcheck-client.key is not on node1');
  });

  it('opens the tunnel on the task\'s connection to the endpoint\'s host and port; a refused channel fails the task', async () => {
    const opened: string[] = [];
    const forwardOut = async (h: string, p: number) => {
      opened.push(`${h}:${p}`);
      throw new HostUnreachableError('node1', 'proxy', `cannot reach ${h}:${p} through node1: (SSH) Channel open failure: Connection refused`, new Error('(SSH) Channel open failure: Connection refused'));
    };
    const ctx = context({ endpoint: 'https://10.0.0.5:12379' }, host(), forwardOut);
    const fake: EtcdApi = { status: async (t) => { await t.open(); return MEMBER; }, snapshot: async () => { throw new Error('unreached'); } };
    const result = await createEtcdSnapshotModule(folder(), fake).run(ctx);
    expect(opened).to.deep.equal(['10.0.0.5:12379']);
    expect(result.msg).to.equal('cannot reach etcd at 10.0.0.5:12379 from node1 through its SSH connection: (SSH) Channel open failure: Connection refused');
  });

  it('prunes old snapshots of this cluster and host on the controller, each with its archive and sidecars', async () => {
    const old = [1, 2, 3].map((d) => snapshotFileName('kubernetes', 'node1', NOW - d * 86_400_000));
    const other = snapshotFileName('kubernetes', 'node2', NOW - 9 * 86_400_000);
    const f = folder([...old, other, NAME]);
    const result = await run(context({ dest: '/b', retention: 2 }), api(), f);
    expect(result.pruned).to.deep.equal({ controller: [old[2], old[1]] });
    const base = (n: string) => `/b/${n.slice(0, -3)}`;
    expect(f.removed).to.deep.equal([old[2]!, old[1]!].flatMap((n) => [`${base(n)}.db.json`, `${base(n)}.db.sha256`, `${base(n)}.pki.tar.gz`, `${base(n)}.db`]));
  });

  it('in check mode checks the files are readable, says what it would do, and neither reads the key nor calls etcd', async () => {
    const ctx = context({ dest: '/b', retention: 1 });
    ctx.check = true;
    const fake = api();
    const result = await run(ctx, fake, folder([snapshotFileName('kubernetes', 'node1', NOW - 1000)]));
    expect(result).to.include({ changed: true, controller_path: `/b/${NAME}` });
    expect(result.msg).to.include('would save a snapshot of https://127.0.0.1:2379 on node1').and.include('would remove 1 old snapshot(s) on the controller');
    expect(fake.targets).to.have.length(0);
    expect(ctx.commands).to.have.length(1);
    expect(ctx.commands[0]).to.include("[ -r /etc/kubernetes/pki/etcd/healthcheck-client.key ]").and.not.include('base64');
    expect(ctx.files.size).to.equal(0);
    const unreadable = context({}, (c) => ({ stdout: c.includes('[ -r') ? '/etc/kubernetes/pki\n' : '' }));
    unreadable.check = true;
    expect((await run(unreadable)).msg).to.include('cannot read /etc/kubernetes/pki on node1');
  });

  it('refuses several endpoints, an http endpoint, a retention below 1, a bad cluster name and a relative pki_dir', async () => {
    expect((await run(context({ endpoint: 'https://a:2379,https://b:2379' }))).msg).to.include('exactly one https:// URL');
    expect((await run(context({ endpoint: 'http://127.0.0.1:2379' }))).msg).to.include('exactly one https:// URL');
    expect((await run(context({ retention: 0 }))).msg).to.include('at least 1');
    expect((await run(context({ cluster_name: 'a/b' }))).msg).to.include('cannot name a snapshot file');
    expect((await run(context({ pki_dir: 'pki' }))).msg).to.include('pki_dir must be an absolute path');
  });
});
