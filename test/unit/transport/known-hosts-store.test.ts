import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KnownHostsStore, parseKnownHosts } from '../../../src/transport/known-hosts.js';
import { fakeKeyBlob, knownHostsLine, makeTempDir, realEd25519Blob } from './host-key-fixtures.js';

const keyA = fakeKeyBlob('ssh-ed25519', 1);
const keyB = fakeKeyBlob('ssh-ed25519', 2);

describe('transport/known-hosts KnownHostsStore', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let hashedFile: string;
  const hashedKey = realEd25519Blob();

  before(() => {
    temp = makeTempDir('kh');
    // Hashed fixtures come from the real ssh-keygen, so our HMAC reading is checked against OpenSSH's writing.
    hashedFile = join(temp.dir, 'hashed_known_hosts');
    writeFileSync(
      hashedFile,
      `${knownHostsLine('node1,10.0.0.1', hashedKey)}\n${knownHostsLine('[node2]:2222', hashedKey)}\n`,
    );
    execFileSync('ssh-keygen', ['-H', '-f', hashedFile], { stdio: 'ignore' });
  });
  after(() => temp.cleanup());

  it('reads entries hashed by ssh-keygen -H (one hashed line per name)', async () => {
    const text = readFileSync(hashedFile, 'utf8');
    expect(text).to.not.contain('node1');
    expect(text.trim().split('\n').every((line) => line.startsWith('|1|'))).to.equal(true);
    const store = await KnownHostsStore.load([hashedFile], []);
    expect(store.check('node1', 22, 'ssh-ed25519', hashedKey).status).to.equal('match');
    expect(store.check('10.0.0.1', 22, 'ssh-ed25519', hashedKey).status).to.equal('match');
    expect(store.check('node2', 2222, 'ssh-ed25519', hashedKey).status).to.equal('match');
    expect(store.check('node2', 22, 'ssh-ed25519', hashedKey).status).to.equal('unknown');
    expect(store.check('node1', 22, 'ssh-ed25519', keyB).status).to.equal('changed');
  });

  it('treats missing files as empty, expands ~, and collects malformed-line warnings', async () => {
    const home = join(temp.dir, 'home-load');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'known_hosts'), `garbage\n${knownHostsLine('node1', keyA)}\n`);
    const global = join(temp.dir, 'global_known_hosts');
    writeFileSync(global, `${knownHostsLine('node2', keyB)}\n`);
    const store = await KnownHostsStore.load(['~/.ssh/known_hosts', '~/.ssh/known_hosts2'], [global, '/nonexistent/x'], {
      home,
    });
    expect(store.userFiles[0]).to.equal(join(home, '.ssh', 'known_hosts'));
    expect(store.check('node1', 22, 'ssh-ed25519', keyA).status).to.equal('match');
    expect(store.check('node2', 22, 'ssh-ed25519', keyB).known[0]?.file).to.equal(global);
    expect(store.warnings.map((warning) => warning.line)).to.deep.equal([1]);
  });

  it('appends to the first user file, creating it 0600 in a 0700 directory, and matches afterwards', async () => {
    const file = join(temp.dir, 'fresh', '.ssh', 'known_hosts');
    const store = await KnownHostsStore.load([file, join(temp.dir, 'other')], []);
    expect(store.check('node1', 2222, 'ssh-ed25519', keyA).status).to.equal('unknown');
    expect(await store.append('node1', 2222, 'ssh-ed25519', keyA)).to.equal(file);
    expect(store.check('node1', 2222, 'ssh-ed25519', keyA).status).to.equal('match');
    expect(readFileSync(file, 'utf8')).to.equal(`${knownHostsLine('[node1]:2222', keyA)}\n`);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(statSync(join(temp.dir, 'fresh', '.ssh')).mode & 0o777).to.equal(0o700);
    const reloaded = await KnownHostsStore.load([file], []);
    expect(reloaded.check('node1', 2222, 'ssh-ed25519', keyA).status).to.equal('match');
  });

  it('records the line number of appended keys and repairs a missing final newline', async () => {
    const file = join(temp.dir, 'no_newline');
    writeFileSync(file, knownHostsLine('node1', keyA));
    const store = await KnownHostsStore.load([file], []);
    await store.append('node2', 22, 'ssh-ed25519', keyB);
    expect(parseKnownHosts(readFileSync(file, 'utf8'), file)).to.have.length(2);
    expect(store.check('node2', 22, 'ssh-ed25519', keyB).known[0]?.line).to.equal(2);
  });

  it('keeps 50 concurrent appends as 50 intact lines', async () => {
    const file = join(temp.dir, 'concurrent');
    const store = await KnownHostsStore.load([file], []);
    const keys = Array.from({ length: 50 }, (_, index) => fakeKeyBlob('ssh-ed25519', index + 10));
    await Promise.all(keys.map((key, index) => store.append(`node${index}`, 22, 'ssh-ed25519', key, { hash: index % 2 === 0 })));
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines).to.have.length(50);
    const recordedLines = keys.map((key, index) => store.check(`node${index}`, 22, 'ssh-ed25519', key).known[0]?.line);
    expect(new Set(recordedLines).size).to.equal(50);
    const reloaded = await KnownHostsStore.load([file], []);
    expect(reloaded.warnings).to.deep.equal([]);
    keys.forEach((key, index) => {
      expect(reloaded.check(`node${index}`, 22, 'ssh-ed25519', key).status).to.equal('match');
    });
  });

  it('writes a racing first-use key for the same host only once, even from two stores', async () => {
    const file = join(temp.dir, 'race');
    const [first, second] = await Promise.all([KnownHostsStore.load([file], []), KnownHostsStore.load([file], [])]);
    await Promise.all([
      first.append('node1', 22, 'ssh-ed25519', keyA),
      first.append('node1', 22, 'ssh-ed25519', keyA),
      second.append('node1', 22, 'ssh-ed25519', keyA),
    ]);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).to.have.length(1);
    expect(second.check('node1', 22, 'ssh-ed25519', keyA).status).to.equal('match');
  });

  it('writes hashed lines that OpenSSH itself finds (ssh-keygen -F) and that match on reload', async () => {
    const file = join(temp.dir, 'hashed_append');
    const store = await KnownHostsStore.load([file], []);
    await store.append('node7', 2222, 'ssh-ed25519', hashedKey, { hash: true });
    const text = readFileSync(file, 'utf8');
    expect(text).to.match(/^\|1\|[A-Za-z0-9+/=]{28}\|[A-Za-z0-9+/=]{28} ssh-ed25519 /);
    expect(text).to.not.contain('node7');
    expect(store.check('node7', 2222, 'ssh-ed25519', hashedKey).status).to.equal('match');
    const found = execFileSync('ssh-keygen', ['-F', '[node7]:2222', '-f', file], { encoding: 'utf8' });
    expect(found).to.contain('ssh-ed25519');
    const reloaded = await KnownHostsStore.load([file], []);
    expect(reloaded.check('node7', 2222, 'ssh-ed25519', hashedKey).status).to.equal('match');
  });

  it('remembers accepted keys in memory when no user file is configured', async () => {
    const store = await KnownHostsStore.load([], []);
    expect(store.writableFile).to.equal(undefined);
    expect(await store.append('node1', 22, 'ssh-ed25519', keyA)).to.equal(undefined);
    expect(store.check('node1', 22, 'ssh-ed25519', keyA).status).to.equal('match');
    expect(store.knownKeyTypes('node1', 22)).to.deep.equal(['ssh-ed25519']);
  });
});
