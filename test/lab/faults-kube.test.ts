/**
 * The lab's Kubernetes-side faults: `lab fault HOST hang-kubelet|heal-kubelet` (the node agent keeps
 * running but stops posting node status) and `slow-apt|fast-apt` (the lab's apt repository holds that
 * host's requests unanswered). The repository server's stall is also checked on its own, without a lab.
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

describe('lab faults: hang-kubelet and slow-apt', function () {
  this.timeout(120_000);
  let stateDir = '';

  const record = (): LabRecord => readLabRecord(join(stateDir, 'lab.json'))!;
  const target = (name: string): SshTarget => {
    const r = record();
    return { address: r.hosts.find((h) => h.name === name)!.address, clientKey: r.paths.clientKey, knownHosts: r.paths.knownHosts };
  };
  const fault = (host: string, action: string) => labCli(['fault', host, action, '--state-dir', stateDir]);
  const ready = async (node: string): Promise<string | undefined> => {
    const got = await loadKubeConfig({ kubeconfigPath: join(stateDir, 'kubeconfig') }).getNode(node);
    return got.status.conditions?.find((c) => c.type === 'Ready')?.status;
  };
  const eventually = async (what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(1000);
    }
  };
  const aptUpdate = async (host: string) => {
    const started = Date.now();
    const result = await sshRun(target(host), 'timeout 5 apt-get update -q', 30_000);
    return { code: result.code, ms: Date.now() - started, output: result.stdout + result.stderr };
  };

  before(async function () {
    const reason = labUnsupportedReason();
    if (reason) throw new Error(`the lab fault tests cannot run here: ${reason}`);
    this.timeout(600_000);
    stateDir = mkdtempSync(join(tmpdir(), 'drydock-lab-faults-test-'));
    await labCli(['up', '--state-dir', stateDir, '--control-planes', '1', '--workers', '1']);
    await eventually('cp1 and worker1 Ready', async () => (await ready('cp1')) === 'True' && (await ready('worker1')) === 'True', 60_000);
  });

  after(async function () {
    this.timeout(120_000);
    if (stateDir) await labCli(['down', '--purge', '--state-dir', stateDir]).catch((err) => console.log(`      lab down failed: ${String(err)}`));
  });

  it('hang-kubelet turns the node NotReady while its kubelet keeps running; heal-kubelet brings it back', async () => {
    // The lab's apt repository is cached per machine, shared by every lab: one built from an older agent has no hang fault.
    const installed = await sshRun(target('worker1'), 'grep -c drydock-fault-hang /usr/bin/kubelet', 10_000);
    expect(installed.stdout.trim(), 'the installed node agent predates the hang fault (lab repository cache rebuilt by another tree?)').to.not.equal('0');
    await fault('worker1', 'hang-kubelet');
    // The real node-lifecycle controller's grace is 50 s after the last Lease renewal (at most 10 s old).
    await eventually('worker1 NotReady', async () => (await ready('worker1')) !== 'True', 90_000);
    const kubelet = await sshRun(target('worker1'), 'systemctl is-active kubelet; journalctl -u kubelet --no-pager -q | grep -c "hang fault"', 10_000);
    expect(kubelet.stdout.trim().split('\n')[0]).to.equal('active');
    expect(await ready('cp1')).to.equal('True');
    await fault('worker1', 'heal-kubelet');
    await eventually('worker1 Ready again', async () => (await ready('worker1')) === 'True', 20_000);
  });

  it('slow-apt stalls only that host\'s apt-get update; fast-apt makes it fast again', async () => {
    await fault('worker1', 'slow-apt');
    const slow = await aptUpdate('worker1');
    expect(slow.code, slow.output).to.not.equal(0);
    expect(slow.ms).to.be.at.least(4500);
    const other = await aptUpdate('cp1');
    expect(other.code, other.output).to.equal(0);
    expect(other.ms).to.be.below(4500);
    await fault('worker1', 'fast-apt');
    const fast = await aptUpdate('worker1');
    expect(fast.code, fast.output).to.equal(0);
    expect(fast.ms).to.be.below(4500);
  });
});
