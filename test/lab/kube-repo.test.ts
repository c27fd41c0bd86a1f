/**
 * The lab's Kubernetes apt repository as built on the controller: one flat repository per minor whose
 * Packages index agrees with what dpkg-scanpackages reads from the debs, rebuilt when its recipe changes.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureKubeRepo } from '../../src/lab/kube/repo.js';
import { findProgram } from '../../src/lab/sys.js';

function stanzas(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const block of text.trim().split(/\n\n+/)) {
    const fields = new Map(block.split('\n').filter((l) => /^\S/.test(l)).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as [string, string]));
    out.set(fields.get('Filename')!.replace(/^\.\//, ''), fields);
  }
  return out;
}

describe('lab kubernetes: the apt repository the lab serves', function () {
  this.timeout(120000);
  let cacheDir = '';

  before(async function () {
    if (!(await findProgram('dpkg-deb')) || !(await findProgram('dpkg-scanpackages'))) {
      console.log('      skipping: dpkg-deb and dpkg-scanpackages are needed (a Debian-family controller)');
      this.skip();
    }
    cacheDir = mkdtempSync(join(tmpdir(), 'drydock-kube-repo-'));
  });
  after(() => {
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  });

  it('lays out one repository per minor with kubeadm, kubelet and kubectl in each release', async () => {
    const repo = await ensureKubeRepo(cacheDir, () => undefined);
    expect(repo.built).to.equal(true);
    const index = readFileSync(join(repo.dir, 'core:/stable:/v1.29/deb/Packages'), 'utf8');
    const versions = [...index.matchAll(/^Package: (\S+)\nVersion: (\S+)/gm)].map((m) => `${m[1]}=${m[2]}`);
    expect(versions).to.have.members([
      'kubeadm=1.29.3-1.1', 'kubeadm=1.29.4-1.1', 'kubectl=1.29.3-1.1', 'kubectl=1.29.4-1.1', 'kubelet=1.29.3-1.1', 'kubelet=1.29.4-1.1',
    ]);
    expect(readFileSync(join(repo.dir, 'core:/stable:/v1.30/deb/Packages'), 'utf8')).to.include('Version: 1.30.2-1.1');
    expect(readFileSync(join(repo.dir, 'core:/stable:/v1.28/deb/Packages'), 'utf8')).to.include('Version: 1.28.15-1.1');
  });

  it('writes the same sizes, checksums and control fields as dpkg-scanpackages', () => {
    const base = join(cacheDir, 'kube-repo', 'core:/stable:/v1.28/deb');
    const ours = stanzas(readFileSync(join(base, 'Packages'), 'utf8'));
    const theirs = stanzas(execFileSync('dpkg-scanpackages', ['-m', '.', '/dev/null'], { cwd: base, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    expect([...ours.keys()].sort()).to.deep.equal([...theirs.keys()].sort());
    for (const [file, fields] of ours) {
      for (const name of ['Package', 'Version', 'Architecture', 'Depends', 'Size', 'SHA256', 'MD5sum', 'Installed-Size']) {
        expect(fields.get(name), `${file} ${name}`).to.equal(theirs.get(file)!.get(name));
      }
    }
    const release = readFileSync(join(base, 'Release'), 'utf8');
    const sha = execFileSync('sha256sum', [join(base, 'Packages')], { encoding: 'utf8' }).split(' ')[0];
    expect(release).to.include(` ${sha} `);
  });

  it('ships the stand-ins and units where the real packages put them', () => {
    const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
    const deb = join(cacheDir, 'kube-repo', `core:/stable:/v1.29/deb/${arch}`);
    const list = (name: string) => execFileSync('dpkg-deb', ['-c', join(deb, name)], { encoding: 'utf8' });
    expect(list(`kubelet_1.29.4-1.1_${arch}.deb`)).to.match(/-rwxr-xr-x root\/root .* \.\/usr\/bin\/kubelet/).and.include('./usr/lib/systemd/system/kubelet.service');
    expect(list(`kubeadm_1.29.4-1.1_${arch}.deb`)).to.include('./etc/systemd/system/kubelet.service.d/10-kubeadm.conf');
    expect(execFileSync('dpkg-deb', ['-f', join(deb, `kubeadm_1.29.4-1.1_${arch}.deb`), 'Version'], { encoding: 'utf8' }).trim()).to.equal('1.29.4-1.1');
  });

  it('is reused as is, and rebuilt when its recipe changes', async () => {
    expect((await ensureKubeRepo(cacheDir, () => undefined)).built).to.equal(false);
    const stamp = join(cacheDir, 'kube-repo', 'recipe.json');
    writeFileSync(stamp, JSON.stringify({ recipe: 'an older recipe' }));
    const again = await ensureKubeRepo(cacheDir, () => undefined);
    expect(again.built).to.equal(true);
    expect(JSON.parse(readFileSync(stamp, 'utf8')).recipe).to.match(/^[0-9a-f]{64}$/);
    expect(existsSync(join(cacheDir, `kube-repo.building-${process.pid}`))).to.equal(false);
  });
});
