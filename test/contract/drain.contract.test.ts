/**
 * The simulator is held to the real server (issue 12, item 7): every drain scenario runs against the API
 * simulator and against a real kube-apiserver + kube-controller-manager (test/helpers/real-apiserver.ts, the
 * upstream programs built by scripts/build-kube.sh), and both must come to the same outcome: the eviction
 * subresource's verdicts, what drydock's drain evicted and what it could not (with which HTTP status and
 * cause), and the state read back afterwards. The real server's known answers are checked too.
 *
 * When the real programs are missing and cannot be built, the `before all` hook fails with the reason; the
 * scenarios then fail with it, never skip.
 */
import { expect } from 'chai';
import { startRealCluster, startSimulatorCluster, World, type Cluster } from './clusters.js';
import { SCENARIOS } from './scenarios.js';

describe('contract: drain on the API simulator and on the real kube-apiserver', function () {
  // A cold build of the real programs takes tens of minutes on 2 cores (scripts/build-kube.sh shows progress).
  this.timeout(120_000);
  let simulator: Cluster | undefined;
  let real: Awaited<ReturnType<typeof startRealCluster>> | undefined;
  const started = Date.now();

  before(async function () {
    this.timeout(90 * 60_000);
    simulator = await startSimulatorCluster();
    real = await startRealCluster();
    const s = real.real.startup;
    process.stdout.write(
      `      real control plane ${real.real.version} up in ${(s.totalMs / 1000).toFixed(1)} s ` +
        `(certs ${s.certsMs} ms, etcd ${s.etcdMs} ms, kube-apiserver ${s.apiserverMs} ms, controller-manager ${s.controllerManagerMs} ms)\n`,
    );
  });

  after(async function () {
    this.timeout(60_000);
    await simulator?.stop();
    await real?.stop();
    process.stdout.write(`      contract run: ${((Date.now() - started) / 1000).toFixed(1)} s in all\n`);
  });

  for (const scenario of SCENARIOS) {
    it(scenario.title, async () => {
      const namespace = `c-${scenario.key}`;
      const node = `n-${scenario.key}`;
      const [fromSimulator, fromReal] = await Promise.all([
        scenario.run(new World(simulator!, namespace, node)),
        scenario.run(new World(real!, namespace, node)),
      ]);
      if (real!.agent.lastError) process.stdout.write(`      (node agent: ${real!.agent.lastError})\n`);
      scenario.facts(fromReal);
      expect(fromSimulator, `the simulator differs from ${real!.name}`).to.deep.equal(fromReal);
    });
  }
});
