/**
 * The upgrade lab: a real cluster of 3 control planes (real `kubeadm join --control-plane`, stacked etcd of three
 * members) and 2 workers at 1.36.3, its certificates issued for 10 days; one boot for a chain of scenarios:
 *   1. drydock certs renew, one control plane at a time, stopping at a failing one (upgrade/certs-renew.ts);
 *   2. the upgrade to 1.37.2: refusals, plan, --check, the upgrade sampled from the API, a rerun (upgrade/upgrade.ts).
 */
import { useRealLab } from './helpers/real-lab.js';
import { certsRenewScenarios } from './upgrade/certs-renew.js';
import { upgradeScenarios } from './upgrade/upgrade.js';

describe('lab: 3 control planes + 2 workers, real 1.36.3 → 1.37.2', function () {
  this.timeout(120_000);
  const lab = useRealLab({ name: 'upgrade', controlPlanes: 3, workers: 2, certDays: 10 });
  certsRenewScenarios(lab);
  upgradeScenarios(lab);
});
