import { expect } from 'chai';
import { createRunKube } from '../../../src/cli/cluster-access.js';
import { firstControlPlane } from '../../../src/inventory/control-plane.js';
import { loadInventory } from '../../../src/inventory/index.js';
import type { Connection, ConnectionSpec, ExecOptions } from '../../../src/transport/types.js';

describe('cli/cluster-access', () => {
  it('picks the first control plane by drydock, kubespray and legacy group names', async () => {
    expect(firstControlPlane(await loadInventory(['w1,w2,']))).to.equal(undefined);
    const kubespray = await loadInventory(['inventory/kubespray/hosts.yaml']);
    expect(firstControlPlane(kubespray)).to.be.a('string');
    const ours = await loadInventory(['inventory/hosts.ini']);
    expect(firstControlPlane(ours)).to.equal('cp1.example.internal');
  });

  it('reads admin.conf with sudo from the first control plane when nothing else works', async () => {
    const inventory = await loadInventory(['inventory/hosts.ini']);
    const calls: Array<{ host: string; command: string; become?: unknown }> = [];
    const kube = createRunKube({
      inventory,
      env: { HOME: '/nonexistent-home' },
      specFor: (host) => ({ name: host, hostname: `${host}.addr` }) as ConnectionSpec,
      connect: async (spec) =>
        ({
          name: spec.name,
          exec: async (command: string, options?: ExecOptions) => {
            calls.push({ host: spec.name, command, become: options?.become });
            return { code: 1, signal: null, stdout: '', stderr: 'cat: /etc/kubernetes/admin.conf: No such file or directory', stdoutBytes: 0, stderrBytes: 0, truncated: false, timedOut: false, ms: 1 };
          },
        }) as unknown as Connection,
      emit: () => {},
    });
    let message = '';
    await kube().catch((err: Error) => (message = err.message));
    expect(calls).to.deep.equal([{ host: 'cp1.example.internal', command: 'cat /etc/kubernetes/admin.conf', become: { enabled: true } }]);
    expect(message).to.contain('admin.conf').and.contain('No such file');
  });
});
