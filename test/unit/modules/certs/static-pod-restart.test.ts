import { expect } from 'chai';
import { KubeApiError } from '../../../../src/errors.js';
import type { KubePod, KubePort } from '../../../../src/kube/port.js';
import { TASK_MODULES, taskModules } from '../../../../src/modules/catalogue.js';
import type { ModuleResult } from '../../../../src/modules/types.js';
import { checkModuleArgs } from '../../../../src/playbook/modules.js';
import type { Connection, ExecOptions } from '../../../../src/transport/types.js';
import { execResult, fakeContext, type ExecAnswer } from '../fake-context.js';

const MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';
const PARKED = '/backup/parked/kube-apiserver.yaml';

/**
 * One control plane as the module sees it: where the manifest is, and a kubelet that removes the mirror pod
 * `removeAfter` API reads after the manifest left, and brings a new one back `readyAfter` reads after it returned.
 */
class FakeControlPlane {
  manifest: 'in' | 'parked' | 'missing' = 'in';
  pod: KubePod | null = pod('uid-1', true);
  readsSinceMove = 0;
  removeAfter = 2;
  readyAfter = 2;
  /** A single control plane: its API server goes away with the manifest, and the old mirror pod stays. */
  apiGoesWithManifest = false;
  movedBack = false;
  forbidWhileParked = false;
  component = 'kube-apiserver';
  commands: string[] = [];
  uids = 1;
  /** A kubelet in local mode whose kube-apiserver is stopped: it cannot remove the mirror pod, the process is gone. */
  staleMirror = false;
  processRunning(): boolean {
    if (this.manifest === 'in') return true;
    if (this.apiGoesWithManifest || this.staleMirror) return false;
    return this.pod !== null && this.readsSinceMove < this.removeAfter;
  }

  exec = (command: string): ExecAnswer => {
    this.commands.push(command);
    if (command.startsWith('if [ -f /etc')) return { stdout: `${this.manifest}\n` };
    if (command.startsWith('mkdir -p')) {
      this.manifest = 'parked';
      this.readsSinceMove = 0;
      return {};
    }
    if (command.startsWith('if [ -f /backup')) {
      if (this.manifest === 'parked') {
        this.manifest = 'in';
        this.movedBack = true;
        this.readsSinceMove = 0;
      }
      return {};
    }
    if (command.includes('crictl')) return this.manifest === 'parked' ? { stdout: '' } : { stdout: 'abc123\n' };
    // pgrep: exit 1 when no such process. The process stops when the kubelet removes the pod (or, with the API
    // gone, as soon as the manifest is out); `staleMirror`: the pod stays in the API though the process is gone.
    if (command.startsWith('pgrep -x')) return { code: this.forbidWhileParked && this.manifest === 'parked' ? 0 : this.processRunning() ? 0 : 1 };
    return { code: 1, stderr: `unexpected command ${command}` };
  };

  port: KubePort = {
    getPod: async (namespace: string, name: string) => {
      expect(namespace).to.equal('kube-system');
      expect(name).to.equal(`${this.component}-cp1`);
      this.readsSinceMove++;
      if (this.forbidWhileParked && this.manifest === 'parked') throw new KubeApiError(`pods "${this.component}-cp1" is forbidden`, 403);
      if (this.apiGoesWithManifest) {
        if (this.manifest === 'parked') throw new KubeApiError('connect ECONNREFUSED 10.0.0.1:6443');
        if (this.movedBack && this.pod?.status.phase === 'Running' && !(this.pod.status as { startTime?: string }).startTime) {
          this.pod = { ...pod('uid-1', true), status: { ...pod('uid-1', true).status, startTime: '2026-11-25T18:00:00Z' } as KubePod['status'] };
        }
        return this.pod;
      }
      if (this.staleMirror && this.manifest === 'parked') return this.pod;
      if (this.staleMirror && this.movedBack && this.pod && !(this.pod.status as { startTime?: string }).startTime) {
        this.pod = { ...pod(this.pod.metadata.uid!, true), status: { ...pod('x', true).status, startTime: '2026-11-25T18:00:00Z' } as KubePod['status'] };
      }
      if (this.staleMirror) return this.pod;
      if (this.manifest === 'parked' && this.pod && this.readsSinceMove >= this.removeAfter) this.pod = null;
      if (this.movedBack && this.pod === null && this.readsSinceMove >= 1) this.pod = pod(`uid-${++this.uids}`, false);
      if (this.manifest === 'in' && this.pod && !podIsReady(this.pod) && this.readsSinceMove >= this.readyAfter) this.pod = pod(this.pod.metadata.uid!, true);
      return this.pod;
    },
  } as unknown as KubePort;
}

function pod(uid: string, ready: boolean): KubePod {
  return {
    metadata: { name: 'kube-apiserver-cp1', namespace: 'kube-system', uid },
    spec: { nodeName: 'cp1' },
    status: { phase: ready ? 'Running' : 'Pending', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

const podIsReady = (p: KubePod) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

async function restart(cp: FakeControlPlane, given: Record<string, unknown> = {}, signal?: AbortSignal): Promise<ModuleResult> {
  const spec = TASK_MODULES.find((m) => m.name === 'kube_static_pod_restart')!.spec;
  const { args, problems } = checkModuleArgs(spec, { component: 'kube-apiserver', park_dir: '/backup/parked', node: 'cp1', poll: 0.5, ...given }, { applyDefaults: true });
  expect(problems).to.deep.equal([]);
  const connection = {
    exec: async (command: string, _options?: ExecOptions) => {
      const answer = cp.exec(command);
      if (answer instanceof Error) throw answer;
      return execResult(answer);
    },
  } as unknown as Connection;
  const ctx = fakeContext(args, (command) => cp.exec(command), {
    host: 'cp1',
    kube: async () => cp.port,
    connection: async () => connection,
    ...(signal ? { signal } : {}),
  });
  return taskModules().get('kube_static_pod_restart')!.run(ctx);
}

describe('modules: kube_static_pod_restart', () => {
  it('moves the manifest out until the mirror pod is gone, back until a new one is Ready', async () => {
    const cp = new FakeControlPlane();
    const result = await restart(cp);
    expect(result.failed, result.msg).to.equal(undefined);
    expect(result).to.include({ changed: true, restarted: true, old_uid: 'uid-1', new_uid: 'uid-2', pod: 'kube-system/kube-apiserver-cp1' });
    expect(cp.manifest).to.equal('in');
    const moves = cp.commands.filter((c) => !c.startsWith('pgrep'));
    expect(moves[1]).to.equal(`mkdir -p -- /backup/parked && mv -f -- ${MANIFEST} ${PARKED}`);
    expect(moves[2]).to.equal(`if [ -f ${PARKED} ]; then mv -f -- ${PARKED} ${MANIFEST}; fi`);
  });

  it('takes the process gone from the host as stopped when the stale mirror pod stays (a kubelet in local mode without its API server)', async () => {
    const cp = new FakeControlPlane();
    cp.staleMirror = true;
    const result = await restart(cp);
    expect(result.failed, result.msg).to.equal(undefined);
    expect(result).to.include({ changed: true, restarted: true });
    expect(cp.commands).to.include('pgrep -x kube-apiserver >/dev/null');
    expect(cp.manifest).to.equal('in');
  });

  it('touches nothing when the kubelet reports no such mirror pod (wrong node name)', async () => {
    const cp = new FakeControlPlane();
    cp.pod = null;
    const result = await restart(cp);
    expect(result.failed).to.equal(true);
    expect(result.msg).to.include('no mirror pod kube-system/kube-apiserver-cp1').and.include('not touching its manifest');
    expect(cp.commands).to.have.length(1);
    expect(cp.manifest).to.equal('in');
  });

  it('puts the manifest back and fails when the kubelet never removes the pod', async () => {
    const cp = new FakeControlPlane();
    cp.removeAfter = Infinity;
    const result = await restart(cp, { gone_timeout: 5 });
    expect(result.failed).to.equal(true);
    expect(result.msg).to.include('did not remove kube-system/kube-apiserver-cp1 within 5 s').and.include('the manifest is back in place');
    expect(cp.manifest).to.equal('in');
  });

  it('fails with what it saw when the pod comes back but never turns Ready, the manifest in place', async () => {
    const cp = new FakeControlPlane();
    cp.readyAfter = Infinity;
    const result = await restart(cp, { ready_timeout: 4 });
    expect(result.failed).to.equal(true);
    expect(result.msg).to.include('waiting for kube-system/kube-apiserver-cp1: not back and Ready within 4 s (mirror pod Pending, Ready=False)');
    expect(cp.manifest).to.equal('in');
  });

  it('stops waiting and puts the manifest back when the API refuses the check', async () => {
    const cp = new FakeControlPlane();
    cp.component = 'kube-scheduler';
    cp.forbidWhileParked = true;
    const result = await restart(cp, { component: 'kube-scheduler' });
    expect(result.failed).to.equal(true);
    expect(result.msg).to.equal('checking failed (pods "kube-scheduler-cp1" is forbidden); the manifest is back in place, kube-scheduler was not restarted');
    expect(cp.manifest).to.equal('in');
  });

  it('waits out 401/403 while kube-apiserver itself restarts (its RBAC caches not filled yet), until the timeout', async () => {
    const cp = new FakeControlPlane();
    cp.forbidWhileParked = true;
    const result = await restart(cp, { gone_timeout: 2, ready_timeout: 2 });
    // Not a refusal that ends the wait at once: the forbidden answers count as "not back yet".
    expect(result.msg).to.not.match(/checking failed|forbidden/);
    expect(result.failed).to.equal(true);
    expect(cp.manifest).to.equal('in');
  });

  it('still moves the manifest back when the task is interrupted while waiting', async () => {
    const cp = new FakeControlPlane();
    cp.removeAfter = Infinity;
    const abort = new AbortController();
    abort.abort();
    const result = await restart(cp, {}, abort.signal);
    expect(result.failed).to.equal(true);
    expect(result.msg).to.include('interrupted');
    expect(cp.manifest).to.equal('in');
  });

  it('with the API down (a single control plane restarting its API server), asks the host, and takes the same mirror pod restarted', async () => {
    const cp = new FakeControlPlane();
    cp.apiGoesWithManifest = true;
    const result = await restart(cp);
    expect(result.failed, result.msg).to.equal(undefined);
    expect(cp.commands).to.include('pgrep -x kube-apiserver >/dev/null');
    expect(result).to.include({ restarted: true, old_uid: 'uid-1', new_uid: 'uid-1' });
  });

  it('moves back a manifest an earlier run left parked, then waits for the pod', async () => {
    const cp = new FakeControlPlane();
    cp.manifest = 'parked';
    cp.pod = null;
    const result = await restart(cp);
    expect(result.failed, result.msg).to.equal(undefined);
    expect(cp.manifest).to.equal('in');
    expect(cp.commands.filter((c) => c.startsWith('mkdir'))).to.have.length(0);
  });

  it('skips a component without a manifest with missing_ok (external etcd), fails without it', async () => {
    const cp = new FakeControlPlane();
    cp.manifest = 'missing';
    expect(await restart(cp, { missing_ok: true })).to.include({ skipped: true, changed: false });
    const result = await restart(cp);
    expect(result.failed).to.equal(true);
    expect(result.msg).to.include(`${MANIFEST} does not exist on cp1`);
  });

  it('refuses a component name that is not a manifest name', async () => {
    const result = await restart(new FakeControlPlane(), { component: '../kube-apiserver' });
    expect(result.failed).to.equal(true);
    expect(result.msg).to.include('is not a manifest name');
  });
});
