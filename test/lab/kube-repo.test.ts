/**
 * The lab's Kubernetes apt repository as built on the controller (no lab is booted): one flat repository
 * per minor whose Packages index agrees with what dpkg-scanpackages reads from the debs, the real kubeadm and
 * kubectl from the build cache and the node agent as the kubelet, one cache folder per recipe (so a checkout
 * with another node agent never rebuilds another's), and old folders pruned only when no running lab serves
 * them.
 */
import { expect } from 'chai';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { ensureKubeRepo } from '../../src/lab/kube/repo.js';
import { agentBundle, kubeBinary } from '../../src/lab/kube/binaries.js';
import { foldersToPrune, kubeReposRoot, pruneKubeRepos, repoDirsInUse } from '../../src/lab/kube/repo-cache.js';
import { findProgram } from '../../src/lab/sys.js';

const HOUR = 60 * 60_000;
const quiet = (): void => undefined;

function stanzas(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const block of text.trim().split(/\n\n+/)) {
    const fields = new Map(block.split('\n').filter((l) => /^\S/.test(l)).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as [string, string]));
    out.set(fields.get('Filename')!.replace(/^\.\//, ''), fields);
  }
  return out;
}

/** This checkout's node agent with a line added: another checkout's agent, so another recipe. */
async function otherCheckoutAgent(marker: string): Promise<string> {
  return `${await agentBundle()}\n// ${marker}\n`;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** A recipe folder as the cache holds it, last used `ageMs` ago. */
function fakeRecipeFolder(path: string, ageMs: number): string {
  mkdirSync(path, { recursive: true });
  const stamp = join(path, 'recipe.json');
  writeFileSync(stamp, JSON.stringify({ recipe: basename(path).padEnd(64, '0') }));
  const when = new Date(Date.now() - ageMs);
  utimesSync(stamp, when, when);
  return path;
}

/** A /proc-shaped folder: one entry per fake process with its argv (and working folder). */
function fakeProc(parent: string, processes: Record<string, { argv: string[]; cwd?: string }>): string {
  const proc = mkdtempSync(join(parent, 'proc-'));
  for (const [pid, { argv, cwd }] of Object.entries(processes)) {
    mkdirSync(join(proc, pid));
    writeFileSync(join(proc, pid, 'cmdline'), `${argv.join('\0')}\0`);
    if (cwd) symlinkSync(cwd, join(proc, pid, 'cwd'));
  }
  mkdirSync(join(proc, 'self'));
  return proc;
}

function labJson(dir: string, kube: object | undefined): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'lab.json');
  writeFileSync(file, JSON.stringify({ version: 1, hosts: [], ...(kube ? { kube } : {}) }));
  return file;
}

describe('lab kubernetes: which repository folders may be pruned', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-kube-repo-proc-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the newest few, anything used within the hour, and anything a running lab serves', () => {
    const now = 10 * 24 * HOUR;
    const folder = (path: string, hoursAgo: number) => ({ path, lastUsedMs: now - hoursAgo * HOUR });
    const folders = [folder('/c/old', 50), folder('/c/newest', 0), folder('/c/served', 70), folder('/c/recent', 0.5), folder('/c/second', 0.1), folder('/c/third', 0.2), folder('/c/older', 90)];
    expect(foldersToPrune(folders, { inUse: new Set(['/c/served']), nowMs: now })).to.deep.equal(['/c/old', '/c/older']);
    expect(foldersToPrune(folders, { inUse: new Set(), nowMs: now, keepNewest: 1, idleMs: 0 })).to.deep.equal(['/c/second', '/c/third', '/c/recent', '/c/old', '/c/served', '/c/older']);
  });

  it("reads the repository of each running lab from its supervisor's or services process's lab.json", () => {
    const proc = fakeProc(dir, {
      '100': { argv: ['node', '--import', 'tsx', '/x/src/lab/supervisor-main.ts', labJson(join(dir, 'lab-a'), { repoDir: '/cache/kube-repos/aaaaaaaaaaaa' })] },
      '101': { argv: ['node', '/x/dist/lab/kube/services-main.js', 'lab.json'], cwd: dirname(labJson(join(dir, 'lab-b'), { repoDir: '/cache/kube-repo' })) },
      '102': { argv: ['node', '/x/src/lab/supervisor-main.ts', labJson(join(dir, 'lab-c'), undefined)] },
      '103': { argv: ['node', '/x/src/lab/kube/services-main.ts', join(dir, 'purged', 'lab.json')] },
      '104': { argv: ['sleep', '100'] },
    });
    const found = repoDirsInUse(proc);
    expect([...found.dirs].sort()).to.deep.equal(['/cache/kube-repo', '/cache/kube-repos/aaaaaaaaaaaa']);
    expect(found.unknown).to.equal(false);
  });

  it('prunes nothing when a running lab cannot say which repository it serves', async () => {
    const broken = join(dir, 'lab-broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'lab.json'), '{ not json');
    const proc = fakeProc(dir, { '200': { argv: ['node', '/x/src/lab/supervisor-main.ts', join(broken, 'lab.json')] } });
    expect(repoDirsInUse(proc).unknown).to.equal(true);
    const cache = join(dir, 'cache');
    const stale = fakeRecipeFolder(join(kubeReposRoot(cache), 'dddddddddddd'), 48 * HOUR);
    for (const name of ['aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccccccccccc']) fakeRecipeFolder(join(kubeReposRoot(cache), name), 0);
    expect(await pruneKubeRepos(cache, { procDir: proc })).to.deep.equal([]);
    expect(existsSync(stale)).to.equal(true);
    expect(await pruneKubeRepos(cache, { procDir: fakeProc(dir, {}) })).to.deep.equal([stale]);
  });
});

describe('lab kubernetes: the apt repository the lab serves', function () {
  this.timeout(120000);
  let cacheDir = '';
  let repoDir = '';

  before(async function () {
    if (!(await findProgram('dpkg-deb')) || !(await findProgram('dpkg-scanpackages'))) {
      throw new Error('these tests cannot run here: dpkg-deb and dpkg-scanpackages are needed (a Debian-family controller)');
    }
    cacheDir = mkdtempSync(join(tmpdir(), 'drydock-kube-repo-'));
  });
  after(() => {
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  });

  it('lays out one repository per minor with kubeadm, kubelet and kubectl in each release', async () => {
    const repo = await ensureKubeRepo(cacheDir, quiet);
    expect(repo.built).to.equal(true);
    expect(repo.dir).to.match(new RegExp(`^${kubeReposRoot(cacheDir)}/[0-9a-f]{12}$`));
    repoDir = repo.dir;
    const index = readFileSync(join(repo.dir, 'core:/stable:/v1.36/deb/Packages'), 'utf8');
    const versions = [...index.matchAll(/^Package: (\S+)\nVersion: (\S+)/gm)].map((m) => `${m[1]}=${m[2]}`);
    expect(versions).to.have.members(['kubeadm=1.36.3-1.1', 'kubectl=1.36.3-1.1', 'kubelet=1.36.3-1.1']);
    expect(readFileSync(join(repo.dir, 'core:/stable:/v1.37/deb/Packages'), 'utf8')).to.include('Version: 1.37.2-1.1');
    // Only the real releases: no folder of an old stand-in minor.
    expect(readdirSync(join(repo.dir, 'core:/stable:')).sort()).to.deep.equal(['v1.36', 'v1.37']);
  });

  it('writes the same sizes, checksums and control fields as dpkg-scanpackages', () => {
    const base = join(repoDir, 'core:/stable:/v1.37/deb');
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

  it('ships the real kubeadm and kubectl, the node agent as the kubelet, and the units where the real packages put them', () => {
    const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
    const deb = join(repoDir, `core:/stable:/v1.37/deb/${arch}`);
    const list = (name: string) => execFileSync('dpkg-deb', ['-c', join(deb, name)], { encoding: 'utf8' });
    expect(list(`kubelet_1.37.2-1.1_${arch}.deb`)).to.match(/-rwxr-xr-x root\/root .* \.\/usr\/bin\/kubelet/).and.include('./usr/lib/systemd/system/kubelet.service');
    expect(list(`kubeadm_1.37.2-1.1_${arch}.deb`)).to.include('./etc/systemd/system/kubelet.service.d/10-kubeadm.conf');
    expect(execFileSync('dpkg-deb', ['-f', join(deb, `kubeadm_1.37.2-1.1_${arch}.deb`), 'Version'], { encoding: 'utf8' }).trim()).to.equal('1.37.2-1.1');
    const unpacked = join(cacheDir, 'unpacked-1.37.2');
    for (const name of ['kubelet', 'kubeadm', 'kubectl']) execFileSync('dpkg-deb', ['-x', join(deb, `${name}_1.37.2-1.1_${arch}.deb`), unpacked]);
    expect(sha256(join(unpacked, 'usr/bin/kubeadm'))).to.equal(sha256(kubeBinary('1.37.2', 'kubeadm')));
    expect(sha256(join(unpacked, 'usr/bin/kubectl'))).to.equal(sha256(kubeBinary('1.37.2', 'kubectl')));
    const kubelet = readFileSync(join(unpacked, 'usr/bin/kubelet'), 'utf8');
    expect(kubelet.startsWith('#!/usr/bin/node\n')).to.equal(true);
    expect(kubelet).to.include('1.37.2').and.not.include('@KUBELET_VERSION@');
  });

  it('is reused as is, and rebuilt when its folder does not hold a complete build of its recipe', async () => {
    expect(await ensureKubeRepo(cacheDir, quiet)).to.deep.include({ dir: repoDir, built: false });
    const stamp = join(repoDir, 'recipe.json');
    writeFileSync(stamp, JSON.stringify({ recipe: 'a half-made build' }));
    const again = await ensureKubeRepo(cacheDir, quiet);
    expect(again).to.deep.include({ dir: repoDir, built: true });
    const recipe = (JSON.parse(readFileSync(stamp, 'utf8')) as { recipe: string }).recipe;
    expect(recipe).to.match(/^[0-9a-f]{64}$/);
    expect(basename(repoDir)).to.equal(recipe.slice(0, 12));
    expect(readdirSync(kubeReposRoot(cacheDir)).filter((n) => n.startsWith('.') && n !== '.lock')).to.deep.equal([]);
  });

  it("gives a checkout with another node agent its own folder and leaves this one's as it was", async () => {
    const stampBefore = readFileSync(join(repoDir, 'recipe.json'), 'utf8');
    const packagesBefore = readFileSync(join(repoDir, 'core:/stable:/v1.37/deb/Packages'), 'utf8');
    const other = await ensureKubeRepo(cacheDir, quiet, { agent: await otherCheckoutAgent('work-in-progress') });
    expect(other.built).to.equal(true);
    expect(other.dir).not.to.equal(repoDir);
    expect(dirname(other.dir)).to.equal(kubeReposRoot(cacheDir));
    expect(readFileSync(join(repoDir, 'recipe.json'), 'utf8')).to.equal(stampBefore);
    expect(readFileSync(join(repoDir, 'core:/stable:/v1.37/deb/Packages'), 'utf8')).to.equal(packagesBefore);
    const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
    const unpacked = join(cacheDir, 'unpacked-other');
    execFileSync('dpkg-deb', ['-x', join(other.dir, `core:/stable:/v1.37/deb/${arch}/kubelet_1.37.2-1.1_${arch}.deb`), unpacked]);
    expect(readFileSync(join(unpacked, 'usr/bin/kubelet'), 'utf8')).to.include('// work-in-progress');
    // Back on this checkout: its folder is still there, nothing is rebuilt.
    expect(await ensureKubeRepo(cacheDir, quiet)).to.deep.include({ dir: repoDir, built: false, pruned: [] });
  });

  it('builds a new recipe once when two preparations race for it', async () => {
    const agent = await otherCheckoutAgent('raced');
    const results = await Promise.all([ensureKubeRepo(cacheDir, quiet, { agent }), ensureKubeRepo(cacheDir, quiet, { agent })]);
    expect(results.map((r) => r.built).sort()).to.deep.equal([false, true]);
    expect(results[0]!.dir).to.equal(results[1]!.dir);
    expect(existsSync(join(kubeReposRoot(cacheDir), '.lock'))).to.equal(false);
  });

  it('prunes folders beyond the newest few that have been idle for an hour, never one a running lab serves', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'drydock-kube-repo-prune-'));
    let lab: ChildProcess | undefined;
    try {
      const current = (await ensureKubeRepo(cache, quiet)).dir;
      const root = kubeReposRoot(cache);
      const at = (name: string, ageMs: number) => fakeRecipeFolder(join(root, name), ageMs);
      const recentA = at('a00000000001', HOUR / 6);
      const recentB = at('a00000000002', HOUR / 3);
      const recentC = at('a00000000003', HOUR / 2);
      const old1 = at('b00000000001', 24 * HOUR);
      const served = at('b00000000002', 72 * HOUR);
      const old3 = at('b00000000003', 96 * HOUR);
      const legacy = at(join('..', 'kube-repo'), 48 * HOUR);
      const crashedBuild = join(root, '.building-99999999');
      mkdirSync(crashedBuild);
      // A lab whose services process serves `served`, as `lab up` starts it: the entry module, then lab.json.
      const record = labJson(join(cache, 'lab-state'), { repoDir: served });
      lab = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '/drydock/src/lab/kube/services-main.ts', record], { stdio: 'ignore' });
      await once(lab, 'spawn');

      const repo = await ensureKubeRepo(cache, quiet);
      expect(repo).to.deep.include({ dir: current, built: false });
      expect([...repo.pruned].sort()).to.deep.equal([legacy, old1, old3].sort());
      for (const kept of [current, recentA, recentB, recentC, served]) expect(existsSync(kept), kept).to.equal(true);
      for (const gone of [legacy, old1, old3, crashedBuild]) expect(existsSync(gone), gone).to.equal(false);

      // Once that lab is gone, its old folder goes too.
      lab.kill('SIGKILL');
      await once(lab, 'exit');
      expect((await ensureKubeRepo(cache, quiet)).pruned).to.deep.equal([served]);
    } finally {
      lab?.kill('SIGKILL');
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
