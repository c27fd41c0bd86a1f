/**
 * The workers lab: a real cluster of 1 control plane and 3 workers at 1.36.3 (kubeadm, the real control plane,
 * the node agent as kubelet), one boot for a chain of scenarios that each start where the last one left it:
 *   1. drydock reboot at the starting release (workers/reboot.ts);
 *   2. the control plane to 1.37.2 with real kubeadm, which drydock never kills (workers/control-plane.ts);
 *   3. the worker upgrade's failure paths: a blocking budget, a kubelet never Ready, a worker gone mid-batch
 *      (workers/failures.ts);
 *   4. the controller killed with SIGKILL mid-batch and `drydock resume` completing the upgrade (workers/resume.ts).
 */
import { useRealLab } from './helpers/real-lab.js';
import { controlPlaneScenarios } from './workers/control-plane.js';
import { failureScenarios } from './workers/failures.js';
import { rebootScenarios } from './workers/reboot.js';
import { resumeScenario } from './workers/resume.js';

describe('lab: 1 control plane + 3 workers, real 1.36.3 → 1.37.2', function () {
  this.timeout(120_000);
  const lab = useRealLab({ name: 'workers', controlPlanes: 1, workers: 3 });
  rebootScenarios(lab);
  controlPlaneScenarios(lab, '1.37.2');
  failureScenarios(lab);
  resumeScenario(lab);
});
