/**
 * Which nodes a run leaves cordoned, and why, read from the kube_* results as they stream by. Printed under
 * the PLAY RECAP so the admin sees at once which nodes still need attention: a node cordoned before the run
 * (left as it was, the kubespray/Kured rule), or one cordoned by this run whose maintenance did not finish.
 */
import type { HostResult } from './events.js';

export class CordonTracker {
  private readonly left = new Map<string, string>();
  private readonly touched = new Set<string>();

  observe(result: HostResult): void {
    const data = result.data;
    if (!data || typeof data['node'] !== 'string' || result.status === 'skipped') return;
    const node = data['node'];
    this.touched.add(node);
    // --check: kube_cordon/kube_drain only said what they would do; the node was never cordoned.
    if (data['simulated'] === true) return;
    if (data['left_cordoned'] === false) {
      this.left.delete(node);
      return;
    }
    if (data['left_cordoned'] === true) {
      this.left.set(node, result.msg?.split('\n').pop() ?? 'left cordoned');
      return;
    }
    // kube_cordon / kube_drain succeeded: cordoned until a later kube_uncordon says otherwise.
    if ('cordoned_by_drydock' in data || 'was_cordoned' in data) {
      this.left.set(node, data['was_cordoned'] === true ? 'was cordoned before this run' : 'cordoned by this run, not uncordoned');
    }
  }

  /** Node → why it is still cordoned, for the nodes this run left cordoned. */
  notes(): ReadonlyMap<string, string> {
    return this.left;
  }

  /** Every node a kube_* task of this run reported on (cordoned, drained, waited for, uncordoned...). */
  nodesTouched(): ReadonlySet<string> {
    return this.touched;
  }

  /** The section under the recap, or '' when every node drydock touched is schedulable again. */
  summary(): string {
    if (this.left.size === 0) return '';
    const lines = [...this.left].sort(([a], [b]) => a.localeCompare(b)).map(([node, why]) => `  ${node}: ${why}`);
    return `NODES LEFT CORDONED\n${lines.join('\n')}\n\n`;
  }
}
