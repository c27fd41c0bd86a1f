/**
 * The lab repository server's stall list (what `lab fault HOST slow-apt|fast-apt` writes), checked on its own,
 * without a lab. The faults on a real lab are in cluster/faults.ts (real-cluster.test.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { loadKubeConfig } from '../../src/kube/client.js';
import { startRepoServer, type RepoServer } from '../../src/lab/kube/reposerver.js';
import { labUnsupportedReason } from '../../src/lab/platform.js';
import { sshRun, type SshTarget } from '../../src/lab/sshcmd.js';
import { readLabRecord, type LabRecord } from '../../src/lab/state.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lab up/down/fault through the CLI in a child process (mocha's tsx hook cannot start the lab's services). */
const LAB_CLI = join(import.meta.dirname, 'helpers/lab-cli.ts');
const labCli = (args: string[]) => run(process.execPath, ['--import', 'tsx', LAB_CLI, ...args], { timeout: 600_000 });

function get(url: string, timeoutMs: number): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Date.now() - started }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('lab repository server: slow-apt stall list', () => {
  let dir = '';
  let server: RepoServer | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-reposerver-stall-'));
    writeFileSync(join(dir, 'Packages'), 'Package: x\n');
  });
  afterEach(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds requests from a listed address until it is unlisted, and serves others at once', async () => {
    const stall = join(dir, 'slow-apt');
    server = await startRepoServer(dir, '127.0.0.1', 0, () => undefined, stall);
    expect((await get(`${server.url}/Packages`, 2000)).status).to.equal(200);
    writeFileSync(stall, '10.0.0.9\n127.0.0.1\n');
    const held = await get(`${server.url}/Packages`, 1500).then(() => 'answered', (err: Error) => err.message);
    expect(held).to.equal('timed out');
    writeFileSync(stall, '10.0.0.9\n');
    expect((await get(`${server.url}/Packages`, 2000)).status).to.equal(200);

    writeFileSync(stall, '127.0.0.1\n');
    const pending = get(`${server.url}/Packages`, 10_000);
    await sleep(1200);
    writeFileSync(stall, '');
    const released = await pending;
    expect(released.status).to.equal(200);
    expect(released.ms).to.be.at.least(1000);
  });
});
