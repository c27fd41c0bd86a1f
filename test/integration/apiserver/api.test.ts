/**
 * The simulator's HTTP surface where kubectl's output hides the details other clients (client-node,
 * drydock's kube_drain, kubelet stand-ins) depend on: exact Status bodies, watch semantics, paging,
 * node-status heartbeats.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from '../../../src/lab/apiserver/server.js';
import { eventually, FIXTURES, REPO } from './kubectl-harness.js';
import type { ApiServer } from '../../../src/lab/apiserver/server.js';

interface Reply {
  code: number;
  body: any;
}

function call(server: ApiServer, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      { method, ca: server.caPem, headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': contentType, Accept: 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

/** Opens a watch and collects its events until `close()`. */
function openWatch(server: ApiServer, path: string): { events: any[]; close(): void } {
  const events: any[] = [];
  let buffer = '';
  const req = request(`${server.url}${path}`, { ca: server.caPem, headers: { Authorization: `Bearer ${server.token}` } }, (res) => {
    res.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) if (line.trim()) events.push(JSON.parse(line));
    });
  });
  req.on('error', () => {});
  req.end();
  return { events, close: () => req.destroy() };
}

describe('lab apiserver: HTTP API details', function () {
  this.timeout(20_000);
  let server: ApiServer | undefined;

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('answers a blocked eviction with the real 429 Status body and a missing pod with 404', async () => {
    server = await startApiServer({ seed: join(FIXTURES, 'drain-pdb-blocked.yaml') });
    const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'db-0', namespace: 'default' } };
    const blocked = await call(server, 'POST', '/api/v1/namespaces/default/pods/db-0/eviction', eviction);
    expect(blocked.code).to.equal(429);
    expect(blocked.body).to.deep.equal({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 429, reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget db-pdb needs 1 healthy pods and has 1 currently' }] },
    });
    const missing = await call(server, 'POST', '/api/v1/namespaces/default/pods/ghost/eviction', { ...eviction, metadata: { name: 'ghost' } });
    expect(missing.code).to.equal(404);
    expect(missing.body).to.include({ reason: 'NotFound', message: 'pods "ghost" not found' });
  });

  it('lists pods by node with paging, and watches with selectors (leaving the selector is DELETED)', async () => {
    server = await startApiServer({ seed: join(FIXTURES, 'drain-reschedule.yaml') });
    const first = await call(server, 'GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1&limit=2');
    expect(first.body.items).to.have.length(2);
    expect(first.body.metadata.continue).to.be.a('string');
    const rest = await call(server, 'GET', `/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1&limit=2&continue=${first.body.metadata.continue}`);
    const names = [...first.body.items, ...rest.body.items].map((p: any) => p.metadata.name);
    expect(names.filter((n: string) => !n.startsWith('node-agent'))).to.deep.equal(['cache-a', 'web-a', 'web-b']);
    expect(rest.body.metadata.continue).to.equal(undefined);

    const list = await call(server, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
    const watch = openWatch(server, `/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dweb&resourceVersion=${list.body.metadata.resourceVersion}`);
    try {
      await new Promise((r) => setTimeout(r, 200));
      const relabel = await call(server, 'PATCH', '/api/v1/namespaces/default/pods/web-a', { metadata: { labels: { app: 'moved' } } }, 'application/merge-patch+json');
      expect(relabel.code).to.equal(200);
      await eventually(() => watch.events.some((e) => e.type === 'DELETED' && e.object.metadata.name === 'web-a'), 3000, 'web-a leaving the selector');
    } finally {
      watch.close();
    }
  });

  it('with external kubelets, a node-status PATCH is the heartbeat that keeps a node Ready', async () => {
    server = await startApiServer({ seed: join(FIXTURES, 'drain-unmanaged.yaml'), autoHeartbeat: false, heartbeatGraceMs: 700 });
    const beat = setInterval(() => {
      void call(server!, 'PATCH', '/api/v1/nodes/node-1/status', { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } }, 'application/strategic-merge-patch+json');
    }, 200);
    try {
      const ready = async (name: string) => (await call(server!, 'GET', `/api/v1/nodes/${name}`)).body.status.conditions.find((c: any) => c.type === 'Ready').status;
      await eventually(async () => (await ready('node-2')) === 'Unknown', 3000, 'node-2 NotReady');
      expect(await ready('node-1')).to.equal('True');
      const taints = (await call(server, 'GET', '/api/v1/nodes/node-2')).body.spec.taints;
      expect(taints.map((t: any) => t.key)).to.deep.equal(['node.kubernetes.io/unreachable']);
    } finally {
      clearInterval(beat);
    }
  });

  it('serves the discovery kubectl drain relies on: pods/eviction as policy/v1 Eviction', async () => {
    server = await startApiServer();
    const core = await call(server, 'GET', '/api/v1');
    expect(core.body.resources).to.deep.include({ name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
    const groups = await call(server, 'GET', '/apis');
    expect(groups.body.groups.map((g: any) => g.preferredVersion.groupVersion)).to.deep.equal(['apps/v1', 'batch/v1', 'policy/v1', 'coordination.k8s.io/v1']);
    expect((await call(server, 'GET', '/openapi/v3')).code).to.equal(404);
  });

  it('drydock lab apiserver: prints the ready line, serves the seed, stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-cli-apiserver-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), 'lab', 'apiserver', '--listen', '127.0.0.1:0', '--kubeconfig', kubeconfig, '--seed', join(FIXTURES, 'drain-unmanaged.yaml')], { cwd: REPO });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await eventually(() => out.includes('ready at'), 10_000, 'the ready line');
      expect(out).to.match(new RegExp(`^drydock lab apiserver: ready at https://127\\.0\\.0\\.1:\\d+ \\(kubeconfig: ${kubeconfig.replace(/[.]/g, '\\.')}\\)`));
      expect(statSync(kubeconfig).mode & 0o777).to.equal(0o600);
      const config = readFileSync(kubeconfig, 'utf8');
      const url = /server: (https:\S+)/.exec(config)![1]!;
      const token = /token: (\S+)/.exec(config)![1]!;
      const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(config)![1]!, 'base64').toString();
      const nodes = await new Promise<any>((resolve, reject) => {
        request(`${url}/api/v1/nodes`, { ca, headers: { Authorization: `Bearer ${token}` } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve(JSON.parse(text)));
        }).on('error', reject).end();
      });
      expect(nodes.items.map((n: any) => n.metadata.name)).to.deep.equal(['node-1', 'node-2']);
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
      expect(out).to.contain('SIGTERM, stopping');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
