import { expect } from 'chai';
import { namePartProblem, parseSnapshotName, parseUtcStamp, snapshotFileName, snapshotsToPrune, utcStamp } from '../../../../src/modules/etcd/naming.js';
import { statusProblem } from '../../../../src/modules/etcd/status.js';

const at = (iso: string) => Date.parse(iso);

describe('modules/etcd: snapshot names and retention (pure)', () => {
  it('names a snapshot <cluster>-<host>-<UTC stamp>.db and reads the name back', () => {
    const ms = at('2026-01-25T03:15:09.812Z');
    expect(utcStamp(ms)).to.equal('20260125T031509Z');
    const name = snapshotFileName('prod', 'cp-1.example', ms);
    expect(name).to.equal('prod-cp-1.example-20260125T031509Z.db');
    expect(parseSnapshotName(name, 'prod')).to.deep.equal({ name, host: 'cp-1.example', takenAtMs: at('2026-01-25T03:15:09Z') });
    expect(parseUtcStamp('20260231T000000Z')).to.equal(undefined);
  });

  it('does not take sidecars, PKI archives, leftovers or other clusters for snapshots', () => {
    for (const other of [
      'prod-cp1-20260125T031509Z.db.sha256',
      'prod-cp1-20260125T031509Z.db.json',
      'prod-cp1-20260125T031509Z.db.part',
      'prod-cp1-20260125T031509Z.pki.tar.gz',
      'staging-cp1-20260125T031509Z.db',
      'prod-20260125T031509Z.db',
      'prod-cp1-2026-01-25.db',
      'notes.txt',
    ]) expect(parseSnapshotName(other, 'prod'), other).to.equal(undefined);
  });

  it('rejects cluster and host names that cannot be file names', () => {
    expect(namePartProblem('cluster_name', 'kubernetes')).to.equal(undefined);
    expect(namePartProblem('host', 'cp-1.lab')).to.equal(undefined);
    expect(namePartProblem('cluster_name', 'a/b')).to.match(/cannot name a snapshot file/);
    expect(namePartProblem('cluster_name', '../x')).to.match(/cannot name/);
    expect(namePartProblem('host', 'cp 1')).to.match(/cannot name/);
    expect(namePartProblem('host', '')).to.match(/cannot name/);
  });

  it('prunes the oldest of this cluster and host beyond retention, and nothing else', () => {
    const mine = [1, 2, 3, 4, 5, 6, 7].map((d) => snapshotFileName('k', 'cp1', at(`2026-01-0${d}T00:00:00Z`)));
    const others = [
      snapshotFileName('k', 'cp2', at('2025-01-01T00:00:00Z')),
      snapshotFileName('kx', 'cp1', at('2025-01-01T00:00:00Z')),
      `${mine[0]}.sha256`,
      `${mine[0]}.json`,
      'k-cp1-garbage.db',
    ];
    const shuffled = [mine[3]!, ...others, mine[6]!, mine[0]!, mine[5]!, mine[1]!, mine[4]!, mine[2]!];
    expect(snapshotsToPrune(shuffled, 'k', 'cp1', 5)).to.deep.equal([mine[0], mine[1]]);
    expect(snapshotsToPrune(shuffled, 'k', 'cp1', 7)).to.deep.equal([]);
    expect(snapshotsToPrune(shuffled, 'k', 'cp1', 1)).to.deep.equal(mine.slice(0, 6));
    expect(() => snapshotsToPrune(shuffled, 'k', 'cp1', 0)).to.throw(/at least 1/);
  });
});

describe('modules/etcd: snapshot status (pure)', () => {
  it('calls a snapshot with no revision or no keys unusable', () => {
    expect(statusProblem({ hash: 1, revision: 1203, totalKeys: 514, size: 2101248 })).to.equal(undefined);
    expect(statusProblem({ hash: 1, revision: 0, totalKeys: 0, size: 20480 })).to.equal('revision is 0, it holds 0 keys');
    expect(statusProblem({ hash: 1, revision: 5, totalKeys: 1, size: 0 })).to.equal('its size is 0');
  });
});
