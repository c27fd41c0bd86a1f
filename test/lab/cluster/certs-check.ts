/**
 * `drydock certs check` against the real cluster whose leaf certificates kubeadm issued for 10 days: the real
 * kubeadm layout, read over SSH with sudo, flagged under the default 30-day threshold.
 */
import { expect } from 'chai';
import type { RealLab } from '../helpers/real-lab.js';

export function certsCheckScenarios(lab: RealLab): void {
  describe('drydock certs check (10-day certificates)', () => {
    it("lists the control plane's certificates, flags the apiserver's and exits 2", async () => {
      const res = await lab.drydock(['certs', 'check', '-i', lab.inventory()]);
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

    it("passes with a threshold below the certificates' life", async () => {
      const res = await lab.drydock(['certs', 'check', '-i', lab.inventory(), '--warn-days', '5', '--json']);
      expect(res.code, res.stderr).to.equal(0);
      const records = res.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { host: string; status: string });
      expect(records.length).to.be.at.least(12);
      expect(records.every((r) => r.host === 'cp1' && r.status === 'ok')).to.equal(true);
    });
  });
}
