import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadKubeConfig, loadKubeConfigFromString, type KubeClient } from '../../../src/kube/client.js';
import { ConfigError, KubeApiError } from '../../../src/errors.js';

interface Recorded {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}
type Handler = (req: Recorded) => { status: number; body: unknown; contentType?: string };

function status(code: number, reason: string, message: string, causes?: Array<{ reason: string; message: string }>): unknown {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, ...(causes ? { details: { causes } } : {}) };
}

/** Plain-HTTP test servers need insecure-skip-tls-verify: client-node refuses http:// otherwise. */
function kubeconfig(server: string, context = 'lab'): string {
  const tls = server.startsWith('http:') ? ', insecure-skip-tls-verify: true' : '';
  return [
    'apiVersion: v1',
    'kind: Config',
    `current-context: ${context}`,
    'clusters:',
    `- name: lab-cluster`,
    `  cluster: { server: "${server}"${tls} }`,
    'users:',
    '- name: admin',
    '  user: { token: "s3cret-token" }',
    'contexts:',
    `- name: ${context}`,
    '  context: { cluster: lab-cluster, user: admin }',
  ].join('\n');
}

describe('kube/client against a local HTTP API', () => {
  let server: Server;
  let base: string;
  let requests: Recorded[];
  let handler: Handler;
  let client: KubeClient;

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const rec = { method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body };
        requests.push(rec);
        const reply = handler(rec);
        res.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'application/json', 'X-Secret-Header': 'do-not-show' });
        res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = loadKubeConfigFromString(kubeconfig(base), { source: 'test kubeconfig' });
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    requests = [];
    handler = () => ({ status: 500, body: status(500, 'InternalError', 'no handler') });
  });

  it('reports the context and server it connects to', () => {
    expect(client.info).to.include({ context: 'lab', server: base, cluster: 'lab-cluster', user: 'admin', source: 'test kubeconfig' });
  });

  it('patches nodes with a JSON merge patch content type, not the generated JSON-patch default', async () => {
    handler = () => ({ status: 200, body: { kind: 'Node', metadata: { name: 'w1', uid: 'u1' }, spec: { unschedulable: true }, status: { nodeInfo: { kubeletVersion: 'v1.29.4' } } } });
    const node = await client.patchNode('w1', { spec: { unschedulable: true } });
    expect(requests).to.have.length(1);
    expect(requests[0]).to.include({ method: 'PATCH', url: '/api/v1/nodes/w1', contentType: 'application/merge-patch+json' });
    expect(JSON.parse(requests[0]!.body)).to.deep.equal({ spec: { unschedulable: true } });
    expect(node.spec.unschedulable).to.equal(true);
    expect(node.status.nodeInfo?.kubeletVersion).to.equal('v1.29.4');
  });

  it('turns an ApiException body into a clean KubeApiError (Status reason and message, no headers)', async () => {
    handler = () => ({ status: 404, body: status(404, 'NotFound', 'nodes "ghost" not found') });
    const err = await client.getNode('ghost').then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(KubeApiError);
    const apiErr = err as KubeApiError;
    expect(apiErr.message).to.equal('get node ghost: nodes "ghost" not found (HTTP 404 NotFound)');
    expect(apiErr.status).to.equal(404);
    expect(apiErr.reason).to.equal('NotFound');
    expect(apiErr.message).to.not.contain('do-not-show');
  });

  it('summarises a non-Status body (a proxy error page) in one bounded line', async () => {
    handler = () => ({ status: 502, body: '<html>\n<h1>502 Bad Gateway</h1>\n</html>', contentType: 'text/html' });
    const err = (await client.listNodes().catch((e: unknown) => e)) as KubeApiError;
    expect(err).to.be.instanceOf(KubeApiError);
    expect(err.message).to.equal('list nodes: <html> <h1>502 Bad Gateway</h1> </html> (HTTP 502)');
  });

  it('explains a 401 even though client-node drops its body', async () => {
    handler = () => ({ status: 401, body: status(401, 'Unauthorized', 'Unauthorized') });
    const err = (await client.getVersion().catch((e: unknown) => e)) as KubeApiError;
    expect(err.status).to.equal(401);
    expect(err.message).to.contain('credentials were rejected').and.not.contain('s3cret-token');
  });

  it('returns null for a missing pod and a missing DaemonSet', async () => {
    handler = () => ({ status: 404, body: status(404, 'NotFound', 'not found') });
    expect(await client.getPod('default', 'gone')).to.equal(null);
    expect(await client.getDaemonSet('kube-system', 'gone')).to.equal(null);
    expect(requests.map((r) => r.url)).to.deep.equal(['/api/v1/namespaces/default/pods/gone', '/apis/apps/v1/namespaces/kube-system/daemonsets/gone']);
  });

  it('lists pods on a node with the field selector, following continue tokens', async () => {
    handler = (req) =>
      req.url.includes('continue=')
        ? { status: 200, body: { kind: 'PodList', metadata: {}, items: [{ metadata: { name: 'b', namespace: 'x' } }] } }
        : { status: 200, body: { kind: 'PodList', metadata: { continue: 'tok1' }, items: [{ metadata: { name: 'a', namespace: 'x', deletionTimestamp: '2026-11-25T10:00:00Z' } }] } };
    const pods = await client.listPodsOnNode('w1', 'app=web');
    expect(pods.map((p) => p.metadata.name)).to.deep.equal(['a', 'b']);
    expect(pods[0]!.metadata.deletionTimestamp).to.equal('2026-11-25T10:00:00.000Z');
    const first = new URL(requests[0]!.url, base);
    expect(first.pathname).to.equal('/api/v1/pods');
    expect(first.searchParams.get('fieldSelector')).to.equal('spec.nodeName=w1');
    expect(first.searchParams.get('labelSelector')).to.equal('app=web');
    expect(first.searchParams.get('limit')).to.equal('500');
    expect(new URL(requests[1]!.url, base).searchParams.get('continue')).to.equal('tok1');
  });

  describe('evictPod', () => {
    it('POSTs a policy/v1 Eviction, with deleteOptions only when a grace period is given', async () => {
      handler = () => ({ status: 201, body: { kind: 'Status', status: 'Success', code: 201 } });
      expect(await client.evictPod('shop', 'web-1')).to.include({ outcome: 'evicted' });
      await client.evictPod('shop', 'web-2', 30);
      expect(requests[0]).to.include({ method: 'POST', url: '/api/v1/namespaces/shop/pods/web-1/eviction' });
      expect(JSON.parse(requests[0]!.body)).to.deep.equal({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-1', namespace: 'shop' } });
      expect(JSON.parse(requests[1]!.body).deleteOptions).to.deep.equal({ gracePeriodSeconds: 30 });
    });

    it('maps 429 to blocked with the PDB cause, 404 to gone, 500 to fatal', async () => {
      handler = () => ({
        status: 429,
        body: status(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", [
          { reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently' },
        ]),
      });
      const blocked = await client.evictPod('shop', 'web-1');
      expect(blocked).to.include({ outcome: 'blocked', status: 429 });
      expect(blocked.causes).to.deep.equal(['The disruption budget web-pdb needs 2 healthy pods and has 2 currently']);
      expect(blocked.message).to.contain("would violate the pod's disruption budget");

      handler = () => ({ status: 404, body: status(404, 'NotFound', 'pods "web-1" not found') });
      expect(await client.evictPod('shop', 'web-1')).to.include({ outcome: 'gone' });

      handler = () => ({ status: 500, body: status(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.') });
      const fatal = await client.evictPod('shop', 'web-1');
      expect(fatal.outcome).to.equal('fatal');
      expect(fatal.message).to.equal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support. (HTTP 500 InternalError)');
    });

    it('recognises 403 NamespaceTerminating', async () => {
      handler = () => ({ status: 403, body: status(403, 'Forbidden', 'namespace shop is being terminated', [{ reason: 'NamespaceTerminating', message: 'namespace shop is being terminated' }]) });
      expect(await client.evictPod('shop', 'web-1')).to.include({ outcome: 'namespace-terminating' });
      handler = () => ({ status: 403, body: status(403, 'Forbidden', 'pods "web-1" is forbidden: User cannot create evictions') });
      expect(await client.evictPod('shop', 'web-1')).to.include({ outcome: 'fatal' });
    });
  });

  it('deletes pods with a grace period and reports an already-missing pod as gone', async () => {
    handler = () => ({ status: 200, body: { kind: 'Pod', metadata: { name: 'p' } } });
    expect(await client.deletePod('default', 'p', 0)).to.equal('deleted');
    expect(requests[0]).to.include({ method: 'DELETE' });
    expect(new URL(requests[0]!.url, base).searchParams.get('gracePeriodSeconds')).to.equal('0');
    handler = () => ({ status: 404, body: status(404, 'NotFound', 'gone') });
    expect(await client.deletePod('default', 'p')).to.equal('gone');
  });

  it('reads /version', async () => {
    handler = () => ({ status: 200, body: { major: '1', minor: '29', gitVersion: 'v1.29.4', platform: 'linux/amd64' } });
    expect(await client.getVersion()).to.deep.equal({ gitVersion: 'v1.29.4', major: '1', minor: '29', platform: 'linux/amd64' });
    expect(requests[0]!.url).to.equal('/version');
  });

  it('creates and replaces leases with MicroTime timestamps and the read resourceVersion', async () => {
    handler = (req) => ({ status: req.method === 'POST' ? 201 : 200, body: { kind: 'Lease', ...JSON.parse(req.body), metadata: { ...JSON.parse(req.body).metadata, resourceVersion: '8' } } });
    const lease = {
      metadata: { name: 'drydock-lock', namespace: 'kube-system' },
      spec: { holderIdentity: 'alice@host', leaseDurationSeconds: 300, acquireTime: '2026-11-25T12:00:00.000Z', renewTime: '2026-11-25T12:00:00.000Z' },
    };
    const created = await client.createLease(lease);
    expect(requests[0]).to.include({ method: 'POST', url: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases' });
    expect(JSON.parse(requests[0]!.body).spec.acquireTime).to.equal('2026-11-25T12:00:00.000000Z');
    expect(created.metadata.resourceVersion).to.equal('8');
    await client.replaceLease({ ...lease, metadata: { ...lease.metadata, resourceVersion: '8' } });
    expect(requests[1]).to.include({ method: 'PUT', url: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/drydock-lock' });
    expect(JSON.parse(requests[1]!.body).metadata.resourceVersion).to.equal('8');

    handler = () => ({ status: 409, body: status(409, 'Conflict', 'Operation cannot be fulfilled on leases.coordination.k8s.io "drydock-lock": the object has been modified') });
    const conflict = (await client.replaceLease(lease).catch((e: unknown) => e)) as KubeApiError;
    expect(conflict).to.be.instanceOf(KubeApiError);
    expect([conflict.status, conflict.reason]).to.deep.equal([409, 'Conflict']);
  });

  it('reports an unreachable API server with the server address', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dead = loadKubeConfigFromString(kubeconfig(`http://127.0.0.1:${port}`));
    const err = (await dead.getVersion().catch((e: unknown) => e)) as KubeApiError;
    expect(err).to.be.instanceOf(KubeApiError);
    expect(err.message).to.contain(`cannot reach the API server http://127.0.0.1:${port}`).and.contain('ECONNREFUSED');
  });
});

describe('kube/client kubeconfig loading', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'drydock-kubeconfig-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('never falls back to localhost:8080 when no kubeconfig exists', () => {
    expect(() => loadKubeConfig({ env: {}, homeDir: dir })).to.throw(ConfigError, /no kubeconfig found.*never falls back to localhost:8080/);
  });

  it('uses ~/.kube/config when neither flag nor KUBECONFIG is given', () => {
    mkdirSync(path.join(dir, '.kube'));
    writeFileSync(path.join(dir, '.kube', 'config'), kubeconfig('https://10.0.0.1:6443'));
    const client = loadKubeConfig({ env: {}, homeDir: dir });
    expect(client.info).to.include({ context: 'lab', server: 'https://10.0.0.1:6443' });
    expect(client.info.source).to.contain('~/.kube/config');
  });

  it('prefers --kubeconfig over KUBECONFIG, and errors on a missing --kubeconfig file', () => {
    const flag = path.join(dir, 'flag.yaml');
    const env = path.join(dir, 'env.yaml');
    writeFileSync(flag, kubeconfig('https://flag:6443'));
    writeFileSync(env, kubeconfig('https://env:6443'));
    expect(loadKubeConfig({ kubeconfigPath: flag, env: { KUBECONFIG: env } }).info.server).to.equal('https://flag:6443');
    expect(loadKubeConfig({ env: { KUBECONFIG: env } }).info.server).to.equal('https://env:6443');
    expect(() => loadKubeConfig({ kubeconfigPath: path.join(dir, 'nope') })).to.throw(ConfigError, /kubeconfig file not found/);
    expect(() => loadKubeConfig({ env: { KUBECONFIG: path.join(dir, 'nope') } })).to.throw(ConfigError, /none of the files in KUBECONFIG exist/);
  });

  it('merges KUBECONFIG files with the first definition winning', () => {
    const a = path.join(dir, 'a.yaml');
    const b = path.join(dir, 'b.yaml');
    writeFileSync(a, kubeconfig('https://a:6443', 'alpha'));
    writeFileSync(b, kubeconfig('https://b:6443', 'beta').replace(/lab-cluster/g, 'other-cluster'));
    const merged = loadKubeConfig({ env: { KUBECONFIG: `${a}${path.delimiter}${b}` } });
    expect(merged.info).to.include({ context: 'alpha', server: 'https://a:6443' });
    expect(loadKubeConfig({ env: { KUBECONFIG: `${a}${path.delimiter}${b}` }, context: 'beta' }).info.server).to.equal('https://b:6443');
  });

  it('names the available contexts when the requested one does not exist', () => {
    expect(() => loadKubeConfigFromString(kubeconfig('https://x:6443'), { context: 'prod' })).to.throw(ConfigError, /context "prod" is not in .*contexts: lab/);
  });

  it('refuses a kubeconfig without a current-context', () => {
    const text = kubeconfig('https://x:6443').replace('current-context: lab\n', '');
    expect(() => loadKubeConfigFromString(text, { source: 'admin.conf from cp1' })).to.throw(ConfigError, /admin.conf from cp1 sets no current-context; pass --context \(contexts: lab\)/);
  });

  it('reports unreadable kubeconfig text as a ConfigError', () => {
    expect(() => loadKubeConfigFromString('clusters: [unclosed', { source: 'broken' })).to.throw(ConfigError, /cannot read kubeconfig/);
  });
});
