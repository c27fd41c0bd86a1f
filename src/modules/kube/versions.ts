/**
 * kube_versions: what runs where — the API server's /version, every node's kubelet, and the control-plane
 * components read from kubeadm's static pods — as a result to `register:` and test in later tasks
 * (`when: versions.control_plane_version is version('1.30', '<')`).
 */
import { surveyVersions } from '../../kube/versions.js';
import { compareKubeVersions, formatKubeVersion, tryParseKubeVersion } from '../../policy/kube-version.js';
import { checkSkew, type ComponentInstance } from '../../policy/skew.js';
import type { ModuleSpec } from '../../playbook/modules.js';
import { failed } from '../failure.js';
import { KubeApiError } from '../../errors.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from '../types.js';
import { kubePort } from './common.js';
import { defineModule } from '../define.js';

export const kubeVersionsSpec: ModuleSpec = { name: 'kube_versions', args: {} };

const instances = (list: ComponentInstance[]): Array<{ node: string; version: string }> => list.map(({ node, version }) => ({ node, version }));

/** The oldest version of a list, as `1.29.4`; null when none parses. */
export function oldestVersion(list: ComponentInstance[]): string | null {
  const parsed = list.map((i) => tryParseKubeVersion(i.version)).filter((v) => v !== null);
  if (parsed.length === 0) return null;
  return formatKubeVersion(parsed.sort((a, b) => compareKubeVersions(a, b))[0]!);
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const port = await kubePort(ctx, 'kube_versions');
  try {
    const survey = await surveyVersions(port);
    const { snapshot } = survey;
    const violations = checkSkew(snapshot);
    const controlPlaneVersion = oldestVersion(snapshot.apiservers);
    return {
      changed: false,
      msg: `API server ${survey.apiserverVersion}; ${survey.nodes.length} node(s)`,
      apiserver_version: survey.apiserverVersion,
      control_plane_version: controlPlaneVersion,
      oldest_kubelet_version: oldestVersion(snapshot.kubelets),
      apiservers: instances(snapshot.apiservers),
      controller_managers: instances(snapshot.controllerManagers),
      schedulers: instances(snapshot.schedulers),
      kube_proxies: instances(snapshot.kubeProxies ?? []),
      kubelets: Object.fromEntries(survey.nodes.map((n) => [n.name, n.kubeletVersion])),
      nodes: survey.nodes.map((n) => ({
        name: n.name,
        kubelet_version: n.kubeletVersion,
        ready: n.ready,
        unschedulable: n.unschedulable,
        control_plane: n.controlPlane,
      })),
      skew_violations: violations.map((v) => ({ rule: v.rule, level: v.level, component: v.component, node: v.node, message: v.message })),
      notes: survey.notes,
    };
  } catch (err) {
    if (err instanceof KubeApiError) return failed(err.message);
    throw err;
  }
}

export const kubeVersions: ModuleDefinition = defineModule(kubeVersionsSpec, { supportsCheck: true, controllerOnly: true, run });
