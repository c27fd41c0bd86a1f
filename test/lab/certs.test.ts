/**
 * `drydock certs check` against a small lab (1 control plane, 1 worker) whose leaf certificates were issued
 * for 10 days: the real kubeadm layout on real hosts, read over SSH with sudo, flagged under the default
 * 30-day threshold.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { labUnsupportedReason } from '../../src/lab/platform.js';
import { runDrydock, type CliResult } from '../helpers/cli.js';

const REPO = resolve(import.meta.dirname, '../..');

const drydock = (args: string[]): Promise<CliResult> => runDrydock(args);

describe('lab: drydock certs check on a cluster with 10-day certificates', function () {
  this.timeout(60_000);
  let stateDir = '';

  before(async function () {
    const reason = labUnsupportedReason();
    if (reason) throw new Error(`the lab certs test cannot run here: ${reason}`);
    this.timeout(600_000);
    stateDir = mkdtempSync(join(tmpdir(), 'drydock-lab-certs-test-'));
    // Through the CLI, in its own process: the lab starts helper processes from its ESM entry points.
    const up = await drydock(['lab', 'up', '--control-planes', '1', '--workers', '1', '--cert-days', '10', '--state-dir', stateDir]);
    if (up.code !== 0) throw new Error(`lab up failed (exit ${up.code}):\n${up.stdout}${up.stderr}`);
  });

  after(async function () {
    this.timeout(120_000);
    if (stateDir) {
      const down = await drydock(['lab', 'down', '--purge', '--state-dir', stateDir]);
      if (down.code !== 0) console.log(`      lab down failed (exit ${down.code}): ${down.stderr}`);
    }
  });

  it('lists the control plane\'s certificates, flags the apiserver\'s and exits 2', async () => {
    const res = await drydock(['certs', 'check', '-i', join(stateDir, 'inventory.yaml')]);
    expect(res.code, res.stderr).to.equal(2);
    const rows = res.stdout.trimEnd().split('\n').slice(1);
    const row = (name: string) => rows.find((l) => l.split(/ {3,}/)[1] === name);
    expect(row('apiserver.crt')).to.match(/^cp1 +apiserver\.crt +.* (9d|10d) +kubernetes +WARNING$/);
    for (const name of ['etcd/server.crt', 'front-proxy-client.crt', 'admin.conf', 'scheduler.conf', 'controller-manager.conf', '/var/lib/kubelet/pki/kubelet-client-current.pem']) {
      expect(row(name), name).to.match(/WARNING$/);
    }
    expect(row('ca.crt')).to.match(/ 9y +kubernetes \(self-signed CA\)$/);
    expect(rows.every((l) => l.startsWith('cp1 '))).to.equal(true);
    expect(res.stderr).to.include('fewer than 30 days left');
  });

  it('passes with a threshold below the certificates\' life', async () => {
    const res = await drydock(['certs', 'check', '-i', join(stateDir, 'inventory.yaml'), '--warn-days', '5', '--json']);
    expect(res.code, res.stderr).to.equal(0);
    const records = res.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { host: string; status: string });
    expect(records.length).to.be.at.least(12);
    expect(records.every((r) => r.host === 'cp1' && r.status === 'ok')).to.equal(true);
  });
});
