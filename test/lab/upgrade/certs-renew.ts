/**
 * `drydock certs renew` on the upgrade lab's three control planes, whose certificates real kubeadm issued for 10
 * days: the refusal without a terminal, then a run that renews cp1 completely (its static pods restarted one by
 * one, sampled from the API every 100 ms) before cp2 is touched, and stops at cp2, whose kubeadm cannot renew
 * (its CA key moved away), naming the backup; cp1's renewal is kept and cp3 is not started. With the key back,
 * renewing cp2 and cp3 finishes the job without touching cp1.
 */
import { expect } from 'chai';
import { readFileSync, statSync } from 'node:fs';
import { loadKubeConfig } from '../../../src/kube/client.js';
import { podInstance } from '../../../src/modules/certs/mirror-pod.js';
import { runDrydock, type CliResult } from '../../helpers/cli.js';
import type { RealLab } from '../helpers/real-lab.js';

const CONTROL_PLANES = ['cp1', 'cp2', 'cp3'];
const COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'];
const KUBELET_CERT = '/var/lib/kubelet/pki/kubelet-client-current.pem';

interface PodSeen {
  uid: string;
  ready: boolean;
}

interface Sample {
  at: number;
  /** `<component>-<node>` → the mirror pod seen. */
  pods: Map<string, PodSeen>;
}

interface CertRecord {
  host: string;
  signingCa: string;
  certificate: string;
  path: string;
  isCa: boolean;
  notAfter: string;
  residualSeconds: number;
  status: string;
}

export function certsRenewScenarios(lab: RealLab): void {
  describe('drydock certs renew, one control plane at a time (10-day certificates)', function () {
    this.timeout(300_000);
    const inventory = () => lab.inventory();
    const drydock = (args: string[]): Promise<CliResult> => runDrydock(args, { env: { DRYDOCK_STATE_DIR: lab.runsDir(), KUBECONFIG: '' } });
    const renewable = (records: CertRecord[], host: string) => records.filter((r) => r.host === host && !r.isCa && r.path !== KUBELET_CERT);
    const days = (r: CertRecord) => Math.floor(r.residualSeconds / 86_400);

    async function sample(): Promise<Sample> {
      const pods = await loadKubeConfig({ kubeconfigPath: lab.kubeconfig() }).listKubeSystemPods('tier=control-plane');
      return {
        at: Date.now(),
        pods: new Map(pods.map((p) => [p.metadata.name, {
          // A new instance: a new mirror pod, or the same one (a kubelet in local mode keeps it while its own
          // kube-apiserver is away) whose container started again.
          uid: ((i) => `${i.uid} ${i.started}`)(podInstance(p)),
          ready: (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
        }])),
      };
    }

    /** Runs drydock while sampling the control-plane mirror pods every 100 ms. */
    async function watched(args: string[]): Promise<{ res: CliResult; samples: Sample[] }> {
      const samples: Sample[] = [await sample()];
      let running = true;
      const sampler = (async () => {
        while (running) {
          const s = await sample().catch(() => undefined);
          if (s) samples.push(s);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const res = await drydock(args);
      running = false;
      await sampler;
      return { res, samples };
    }

    /**
     * When every static pod of `node` had come back: for each, the first sample showing it a new instance (new uid
     * or start) and Ready; the latest of those. Per pod, since reads through the balancer may come from a
     * kube-apiserver whose cache is a moment behind another's.
     */
    const allBackAt = (samples: Sample[], node: string): number => {
      const first = samples[0]!;
      return Math.max(...COMPONENTS.map((c) => samples.find((s) => {
        const pod = s.pods.get(`${c}-${node}`);
        return pod !== undefined && pod.ready && pod.uid !== first.pods.get(`${c}-${node}`)?.uid;
      })?.at ?? Infinity));
    };
    /**
     * No static pod of `node` was replaced by drydock: the same mirror pods all along (their start may still move
     * when the kubelet restarts a container whose liveness probe failed while another member restarted).
     */
    const untouched = (samples: Sample[], node: string): boolean =>
      samples.every((s) => COMPONENTS.every((c) => s.pods.get(`${c}-${node}`)?.uid.split(' ')[0] === samples[0]!.pods.get(`${c}-${node}`)?.uid.split(' ')[0]));

    before(async function () {
      this.timeout(120_000);
      await lab.eventually('every control-plane mirror pod Ready', 90_000, async () => {
        const s = await sample();
        return CONTROL_PLANES.every((n) => COMPONENTS.every((c) => s.pods.get(`${c}-${n}`)?.ready));
      });
    });

    it('refuses without --yes and without a terminal (exit 64), before touching a host', async () => {
      const res = await drydock(['certs', 'renew', '-i', inventory()]);
      expect(res.code, res.stderr).to.equal(64);
      expect(res.stderr).to.include('refusing to make changes without confirmation: pass --yes');
      expect(await lab.on('cp1', 'test -e /etc/kubernetes/drydock-backup && echo backup || echo none')).to.equal('none');
    });

    it('flags the 10-day apiserver certificate (certs check exits 2)', async () => {
      const res = await drydock(['certs', 'check', '-i', inventory()]);
      expect(res.code, res.stderr).to.equal(2);
      expect(res.stdout).to.match(/^cp1 +apiserver\.crt +.* (9d|10d) +kubernetes +WARNING$/m);
    });

    it('renews cp1 completely before touching cp2, and stops at cp2 (whose kubeadm fails) naming the backup', async () => {
      await lab.on('cp2', 'mv /etc/kubernetes/pki/ca.key /root/ca.key.aside');
      const cp2Before = await lab.on('cp2', 'sha256sum /etc/kubernetes/pki/apiserver.crt | cut -c1-64');
      const clientCert = (text: string) => /client-certificate-data: (\S+)/.exec(text)?.[1] ?? '';
      const kubeconfigBefore = clientCert(readFileSync(lab.kubeconfig(), 'utf8'));
      expect(kubeconfigBefore, 'the lab kubeconfig is a copy of admin.conf').to.equal(clientCert(await lab.on('cp1', 'cat /etc/kubernetes/admin.conf')));
      // --json: the certificates after the run as JSON lines on stdout, the run's progress on stderr.
      const { res, samples } = await watched(['certs', 'renew', '-i', inventory(), '--kubeconfig', lab.kubeconfig(), '--yes', '--json', '-e', 'static_pod_poll=0.25']);
      const output = res.stderr;
      expect(res.code, output).to.equal(2);
      // The plan shown before the run, with the expiry dates as they were.
      expect(output).to.match(/on cp1, cp2, cp3, one control plane at a time/);
      expect(output).to.match(/cp1: \S+ expires in 9d .*(\d+) of \1 expired or under 30 days/);

      // Real kubeadm without the CA key treats the CA as external: `certs renew all` skips what that CA signs and
      // exits 0, so the playbook's own check that every renewed certificate now runs a year is what stops cp2.
      const backup = /certificate renewal failed on cp2 at "every renewed certificate is valid for a year": .*fewer than 364 days left.*are in (\/etc\/kubernetes\/drydock-backup\/\d{8}T\d{6}Z);/s.exec(output)?.[1];
      expect(backup, output).to.be.a('string');
      expect(output).to.include(`cp -a ${backup}/pki/. /etc/kubernetes/pki/`);
      expect(await lab.on('cp2', `sha256sum ${backup}/pki/apiserver.crt | cut -c1-64`)).to.equal(cp2Before);
      expect(await lab.on('cp2', `ls ${backup}`)).to.match(/admin\.conf[\s\S]*manifests[\s\S]*pki/);

      // One at a time: every static pod of cp1 was replaced and Ready before cp2's backup was made, and none of
      // cp2's was restarted.
      const cp1Done = allBackAt(samples, 'cp1');
      const cp2Started = Number(await lab.on('cp2', `date -r ${backup} +%s%3N`));
      expect(cp1Done, 'cp1 static pods back').to.be.lessThan(Infinity);
      expect(cp1Done, 'cp1 done before cp2 began').to.be.lessThan(cp2Started);
      expect(untouched(samples, 'cp2'), 'cp2 static pods untouched').to.equal(true);
      expect(untouched(samples, 'cp3'), 'cp3 never started').to.equal(true);
      expect(output, 'no static pod of cp2 or cp3 restarted by the run').to.not.match(/ restarted on cp[23]: /);

      // cp1 keeps its renewal; cp2 has its old certificates.
      const after = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as CertRecord);
      expect(renewable(after, 'cp1').length).to.be.at.least(10);
      for (const r of renewable(after, 'cp1')) expect(days(r), `cp1 ${r.certificate}`).to.equal(364);
      // cp2: what its missing CA key signs is still short (real kubeadm renewed only what the etcd and
      // front-proxy CAs sign, and the run stopped there, before any static pod restart).
      const cp2ClusterCa = renewable(after, 'cp2').filter((r) => r.signingCa === 'kubernetes');
      expect(cp2ClusterCa.length).to.be.at.least(5);
      for (const r of cp2ClusterCa) expect(days(r), `cp2 ${r.certificate}`).to.be.at.most(9);
      expect(await lab.on('cp1', 'ls /etc/kubernetes/drydock-backup/*/parked | grep -c yaml || true')).to.equal('0');
      // The kubeconfig drydock used was a copy of admin.conf: refreshed with cp1's renewed certificate (0600),
      // and the client still works with it.
      const kubeconfigAfter = clientCert(readFileSync(lab.kubeconfig(), 'utf8'));
      expect(kubeconfigAfter, 'the kubeconfig was refreshed').to.not.equal(kubeconfigBefore);
      expect(kubeconfigAfter).to.equal(clientCert(await lab.on('cp1', 'cat /etc/kubernetes/admin.conf')));
      expect(statSync(lab.kubeconfig()).mode & 0o777).to.equal(0o600);
      expect((await lab.api().listNodes()).length).to.equal(5);
    });

    it('with the CA key back, renews cp2 and cp3 alone; then only the kubelet certificate kubeadm init issued is short', async () => {
      await lab.on('cp2', 'mv /root/ca.key.aside /etc/kubernetes/pki/ca.key');
      const { res, samples } = await watched(['certs', 'renew', 'cp2:cp3', '-i', inventory(), '--kubeconfig', lab.kubeconfig(), '--yes', '-e', 'static_pod_poll=0.25']);
      expect(res.code, res.stdout + res.stderr).to.equal(0);
      expect(res.stdout).to.match(/^drydock certs renew: on cp2, cp3, one control plane at a time:$/m);
      expect(allBackAt(samples, 'cp2'), 'cp2 static pods back').to.be.lessThan(Infinity);
      expect(allBackAt(samples, 'cp3'), 'cp3 static pods back').to.be.greaterThan(allBackAt(samples, 'cp2'));
      expect(untouched(samples, 'cp1'), 'cp1 static pods untouched').to.equal(true);
      // The table after the run: a year on every renewed certificate of both hosts.
      expect(res.stdout).to.match(/^cp2 +apiserver\.crt +.* 364d +kubernetes$/m);

      // certs check: a year on every certificate kubeadm renews, on every control plane; what it still flags is
      // cp1's kubelet client certificate, which `kubeadm init` issued for 10 days and kubeadm does not renew (the
      // kubelet rotates it). cp2's and cp3's came through TLS bootstrap: the real controller-manager signed them for
      // a year (--cluster-signing-duration), so they are not short.
      const check = await drydock(['certs', 'check', '-i', inventory(), '--json']);
      expect(check.code).to.equal(2);
      const after = check.stdout.trim().split('\n').map((l) => JSON.parse(l) as CertRecord);
      for (const host of CONTROL_PLANES) {
        expect(renewable(after, host).length, host).to.be.at.least(10);
        for (const r of renewable(after, host)) expect(days(r), `${host} ${r.certificate}`).to.equal(364);
      }
      expect(after.filter((r) => r.status !== 'ok').map((r) => `${r.host} ${r.path}`)).to.deep.equal([`cp1 ${KUBELET_CERT}`]);
    });
  });
}
