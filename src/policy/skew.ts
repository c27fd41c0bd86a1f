/**
 * The Kubernetes version skew policy as pure checks: what is wrong with a cluster snapshot now (checkSkew),
 * and whether a kubelet or control-plane upgrade would stay within policy.
 */
import { formatMinor, tryParseKubeVersion } from './kube-version.js';
import {
  controllerWindow,
  formatWindow,
  inWindow,
  kubectlWindow,
  majorMismatch,
  nodeComponentWindow,
  parseInstances,
  windowCheck,
  type ClusterSnapshot,
  type ComponentInstance,
  type ParsedInstance,
  type SkewComponent,
  type SkewViolation,
} from './skew-rules.js';

export * from './skew-rules.js';

/** Without a kube-apiserver version every rule lacks its reference point; `consequence` says what is lost. */
function noApiserver(consequence: string): SkewViolation {
  return {
    rule: 'no-apiserver',
    component: 'kube-apiserver',
    node: '',
    version: '',
    allowed: 'at least one kube-apiserver',
    level: 'error',
    message: `no kube-apiserver version is known, so ${consequence}`,
  };
}

/** Every violation of the skew policy in the snapshot; an empty list means the cluster is within policy. */
export function checkSkew(snapshot: ClusterSnapshot): SkewViolation[] {
  const violations: SkewViolation[] = [];
  const parse = (component: SkewComponent, list: ComponentInstance[] | undefined): ParsedInstance[] =>
    parseInstances(component, list ?? [], violations);

  const apiservers = parse('kube-apiserver', snapshot.apiservers);
  if (apiservers.length === 0) {
    if (snapshot.apiservers.length === 0) {
      violations.push(noApiserver('no skew rule can be checked'));
    }
    return violations;
  }
  const major = apiservers[0]!.parsed.major;
  const sameMajor = (component: SkewComponent, list: ParsedInstance[]): ParsedInstance[] =>
    list.filter((i) => {
      if (i.parsed.major === major) return true;
      violations.push(majorMismatch(component, i, major));
      return false;
    });

  const servers = sameMajor('kube-apiserver', apiservers);
  const versions = servers.map((s) => s.parsed);
  const newest = Math.max(...versions.map((v) => v.minor));
  for (const server of servers) {
    if (newest - server.parsed.minor > 1) {
      violations.push({
        rule: 'apiserver-ha-skew',
        component: 'kube-apiserver',
        node: server.node,
        version: server.version,
        allowed: formatWindow({ major, min: newest - 1, max: newest }),
        level: 'error',
        message: `kube-apiserver on ${server.node} is ${server.version}, more than one minor behind the newest kube-apiserver (${formatMinor(major, newest)}); HA apiservers must be within one minor of each other`,
      });
    }
  }

  const nodeWindow = nodeComponentWindow(versions);
  const kubelets = sameMajor('kubelet', parse('kubelet', snapshot.kubelets));
  for (const kubelet of kubelets) windowCheck(violations, 'kubelet', kubelet, nodeWindow);
  const proxies = sameMajor('kube-proxy', parse('kube-proxy', snapshot.kubeProxies));
  for (const proxy of proxies) {
    windowCheck(violations, 'kube-proxy', proxy, nodeWindow);
    const kubelet = kubelets.find((k) => k.node === proxy.node);
    if (kubelet && Math.abs(kubelet.parsed.minor - proxy.parsed.minor) > 3) {
      violations.push({
        rule: 'kube-proxy-kubelet-skew',
        component: 'kube-proxy',
        node: proxy.node,
        version: proxy.version,
        allowed: formatWindow({ major, min: kubelet.parsed.minor - 3, max: kubelet.parsed.minor + 3 }),
        level: 'error',
        message: `kube-proxy on ${proxy.node} is ${proxy.version}, more than 3 minors from the kubelet on the same node (${kubelet.version})`,
      });
    }
  }

  const ctrlWindow = controllerWindow(versions);
  for (const cm of sameMajor('kube-controller-manager', parse('kube-controller-manager', snapshot.controllerManagers))) {
    windowCheck(violations, 'kube-controller-manager', cm, ctrlWindow);
  }
  for (const sched of sameMajor('kube-scheduler', parse('kube-scheduler', snapshot.schedulers))) {
    windowCheck(violations, 'kube-scheduler', sched, ctrlWindow);
  }

  if (snapshot.kubectl !== undefined) {
    const [kubectl] = sameMajor('kubectl', parse('kubectl', [{ node: 'local', version: snapshot.kubectl }]));
    const window = kubectlWindow(versions);
    if (kubectl && !inWindow(kubectl.parsed, window)) {
      violations.push({
        rule: 'kubectl-skew',
        component: 'kubectl',
        node: kubectl.node,
        version: kubectl.version,
        allowed: formatWindow(window),
        level: 'warning',
        message: `kubectl ${kubectl.version} is outside the supported window ${formatWindow(window)} (within one minor of every kube-apiserver); some commands may misbehave`,
      });
    }
  }
  return violations;
}


export interface UpgradeCheck {
  allowed: boolean;
  violations: SkewViolation[];
}

function verdict(violations: SkewViolation[]): UpgradeCheck {
  return { allowed: violations.every((v) => v.level !== 'error'), violations };
}

/** Parses the apiservers (same major as the first) or explains why no check is possible. */
function currentApiservers(snapshot: ClusterSnapshot, violations: SkewViolation[]): ParsedInstance[] {
  const servers = parseInstances('kube-apiserver', snapshot.apiservers, violations);
  if (servers.length === 0 && violations.length === 0) {
    violations.push(noApiserver('the upgrade cannot be checked against the skew policy'));
  }
  return servers;
}

/**
 * May the kubelet on `node` move to `targetVersion`? Never past the oldest kube-apiserver, never below the
 * window, never a downgrade. Skipping kubelet minors is allowed by the policy (KEP-3935), so it is not refused.
 */
export function checkKubeletUpgrade(snapshot: ClusterSnapshot, node: string, targetVersion: string): UpgradeCheck {
  const violations: SkewViolation[] = [];
  const servers = currentApiservers(snapshot, violations);
  const [target] = parseInstances('kubelet', [{ node, version: targetVersion }], violations);
  if (!target || servers.length === 0) return verdict(violations);
  const major = servers[0]!.parsed.major;
  if (servers.some((s) => s.parsed.major !== major) || target.parsed.major !== major) {
    violations.push(majorMismatch('kubelet', target, major));
    return verdict(violations);
  }
  windowCheck(violations, 'kubelet', target, nodeComponentWindow(servers.map((s) => s.parsed)));
  const current = snapshot.kubelets.find((k) => k.node === node);
  const currentVersion = current ? tryParseKubeVersion(current.version) : null;
  if (current && currentVersion && compareTriples(target.parsed, currentVersion) < 0) {
    violations.push({
      rule: 'downgrade',
      component: 'kubelet',
      node,
      version: targetVersion,
      allowed: `${current.version} or newer`,
      level: 'error',
      message: `kubelet on ${node} is ${current.version}; moving it to ${targetVersion} would be a downgrade`,
    });
  }
  return verdict(violations);
}

/**
 * May the control plane move to `targetVersion`? kubeadm's rules: one minor at a time, no downgrade, every
 * apiserver at N-1 or N, controllers at N-1 or N, and every kubelet/kube-proxy inside the window of the new
 * apiserver while old and new apiservers coexist (so kubelets 3 minors behind block the next upgrade).
 */
export function checkControlPlaneUpgrade(snapshot: ClusterSnapshot, targetVersion: string): UpgradeCheck {
  const violations: SkewViolation[] = [];
  const servers = currentApiservers(snapshot, violations);
  const [target] = parseInstances('kube-apiserver', [{ node: 'target', version: targetVersion }], violations);
  if (!target || servers.length === 0) return verdict(violations);
  const N = target.parsed;
  const major = N.major;
  for (const server of servers) {
    if (server.parsed.major !== major) {
      violations.push(majorMismatch('kube-apiserver', server, major));
      continue;
    }
    const lag = N.minor - server.parsed.minor;
    if (compareTriples(N, server.parsed) < 0) {
      violations.push({
        rule: 'downgrade',
        component: 'kube-apiserver',
        node: server.node,
        version: server.version,
        allowed: `${server.version} or newer`,
        level: 'error',
        message: `kube-apiserver on ${server.node} is already ${server.version}; ${targetVersion} would be a downgrade`,
      });
    } else if (lag > 1) {
      violations.push({
        rule: 'minor-skip',
        component: 'kube-apiserver',
        node: server.node,
        version: server.version,
        allowed: formatWindow({ major, min: N.minor - 1, max: N.minor }),
        level: 'error',
        message: `kube-apiserver on ${server.node} is ${server.version}; upgrading to ${targetVersion} would skip ${lag - 1} minor version(s) — kubeadm upgrades one minor at a time`,
      });
    }
  }
  const sameMajor = servers.filter((s) => s.parsed.major === major).map((s) => s.parsed);
  if (sameMajor.length === 0) return verdict(violations);

  const targetControllers = controllerWindow([N]);
  const explainTarget = `kube-apiserver ${formatMinor(major, N.minor)}`;
  for (const [component, list] of [
    ['kube-controller-manager', snapshot.controllerManagers],
    ['kube-scheduler', snapshot.schedulers],
  ] as const) {
    for (const instance of sameMajorOnly(component, parseInstances(component, list, violations), major, violations)) {
      windowCheck(violations, component, instance, targetControllers, explainTarget);
    }
  }

  // Old and new apiservers coexist during the rollout, so node components must fit both.
  const nodeWindow = nodeComponentWindow([...sameMajor, N]);
  const explainRollout = `the rollout to ${explainTarget} (old and new apiservers together)`;
  for (const [component, list] of [
    ['kubelet', snapshot.kubelets],
    ['kube-proxy', snapshot.kubeProxies ?? []],
  ] as const) {
    for (const instance of sameMajorOnly(component, parseInstances(component, list, violations), major, violations)) {
      windowCheck(violations, component, instance, nodeWindow, explainRollout);
    }
  }
  return verdict(violations);
}

function sameMajorOnly(
  component: SkewComponent,
  list: ParsedInstance[],
  major: number,
  violations: SkewViolation[],
): ParsedInstance[] {
  return list.filter((instance: ComponentInstance & ParsedInstance) => {
    if (instance.parsed.major === major) return true;
    violations.push(majorMismatch(component, instance, major));
    return false;
  });
}

function compareTriples(a: { major: number; minor: number; patch: number }, b: typeof a): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}
