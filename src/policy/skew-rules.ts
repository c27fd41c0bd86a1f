/**
 * Vocabulary of the version skew policy: snapshot and violation types, and the allowed windows of minors.
 * Every window is the intersection over EVERY kube-apiserver instance, so when the apiservers are themselves
 * skewed each window shrinks to fit the oldest one, as kubernetes.io/releases/version-skew-policy says.
 */
import { formatMinor, tryParseKubeVersion, type KubeVersion } from './kube-version.js';

export interface ComponentInstance {
  node: string;
  version: string;
}

export interface ClusterSnapshot {
  apiservers: ComponentInstance[];
  controllerManagers: ComponentInstance[];
  schedulers: ComponentInstance[];
  kubelets: ComponentInstance[];
  kubeProxies?: ComponentInstance[];
  /** The kubectl that drydock (or the admin) uses; compared at warning level. */
  kubectl?: string;
}

export type SkewComponent =
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubelet'
  | 'kube-proxy'
  | 'kubectl';

export type SkewRule =
  | 'no-apiserver'
  | 'unparseable-version'
  | 'major-mismatch'
  | 'apiserver-ha-skew'
  | 'newer-than-apiserver'
  | 'too-old-for-apiserver'
  | 'kube-proxy-kubelet-skew'
  | 'kubectl-skew'
  | 'downgrade'
  | 'minor-skip';

export interface SkewViolation {
  rule: SkewRule;
  component: SkewComponent;
  node: string;
  version: string;
  /** The allowed window, e.g. `1.26 to 1.29`. */
  allowed: string;
  level: 'error' | 'warning';
  message: string;
}

/**
 * How many minors a kubelet/kube-proxy may trail the given apiserver: 3 from 1.28 on (KEP-3935), 2 before.
 */
export function nodeComponentMaxLag(apiserver: KubeVersion): number {
  return apiserver.major > 1 || apiserver.minor >= 28 ? 3 : 2;
}

/** An inclusive window of minors within one major. */
export interface MinorWindow {
  major: number;
  min: number;
  max: number;
}

export function formatWindow(w: MinorWindow): string {
  if (w.min > w.max) return 'none (the apiservers are too far apart)';
  return w.min === w.max ? formatMinor(w.major, w.max) : `${formatMinor(w.major, w.min)} to ${formatMinor(w.major, w.max)}`;
}

export function inWindow(v: KubeVersion, w: MinorWindow): boolean {
  return v.major === w.major && v.minor >= w.min && v.minor <= w.max;
}

/** kubelet and kube-proxy: never newer than any apiserver, and within each apiserver's lag limit. */
export function nodeComponentWindow(apiservers: KubeVersion[]): MinorWindow {
  return intersect(apiservers, (a) => ({ min: a.minor - nodeComponentMaxLag(a), max: a.minor }));
}

/** controller-manager and scheduler: equal to each apiserver or one minor older. */
export function controllerWindow(apiservers: KubeVersion[]): MinorWindow {
  return intersect(apiservers, (a) => ({ min: a.minor - 1, max: a.minor }));
}

/** kubectl: within one minor of each apiserver, either side. */
export function kubectlWindow(apiservers: KubeVersion[]): MinorWindow {
  return intersect(apiservers, (a) => ({ min: a.minor - 1, max: a.minor + 1 }));
}

function intersect(apiservers: KubeVersion[], windowOf: (a: KubeVersion) => { min: number; max: number }): MinorWindow {
  const windows = apiservers.map(windowOf);
  return {
    major: apiservers[0]?.major ?? 1,
    min: Math.max(...windows.map((w) => w.min)),
    max: Math.min(...windows.map((w) => w.max)),
  };
}

export interface ParsedInstance extends ComponentInstance {
  parsed: KubeVersion;
}

/** Checks one instance against a window, naming which side it fell off. Exported for the upgrade checks. */
export function windowCheck(
  violations: SkewViolation[],
  component: SkewComponent,
  instance: ParsedInstance,
  window: MinorWindow,
  explain = 'the kube-apiserver',
): void {
  const allowed = formatWindow(window);
  const where = `${component} on ${instance.node} is ${instance.version}`;
  if (instance.parsed.minor > window.max) {
    violations.push({
      rule: 'newer-than-apiserver',
      component,
      node: instance.node,
      version: instance.version,
      allowed,
      level: 'error',
      message: `${where}, newer than ${explain} allows (${allowed}); it may never be newer than the oldest kube-apiserver`,
    });
  } else if (instance.parsed.minor < window.min) {
    violations.push({
      rule: 'too-old-for-apiserver',
      component,
      node: instance.node,
      version: instance.version,
      allowed,
      level: 'error',
      message: `${where}, older than ${explain} allows (${allowed})`,
    });
  }
}

export function parseInstances(
  component: SkewComponent,
  list: ComponentInstance[],
  violations: SkewViolation[],
): ParsedInstance[] {
  const parsed: ParsedInstance[] = [];
  for (const instance of list) {
    const version = tryParseKubeVersion(instance.version);
    if (version) {
      parsed.push({ ...instance, parsed: version });
    } else {
      violations.push({
        rule: 'unparseable-version',
        component,
        node: instance.node,
        version: instance.version,
        allowed: 'a version like v1.29.4',
        level: 'error',
        message: `${component} on ${instance.node} reports version "${instance.version}", which drydock cannot read`,
      });
    }
  }
  return parsed;
}

export function majorMismatch(component: SkewComponent, instance: ComponentInstance, major: number): SkewViolation {
  return {
    rule: 'major-mismatch',
    component,
    node: instance.node,
    version: instance.version,
    allowed: `${major}.x`,
    level: 'error',
    message: `${component} on ${instance.node} is ${instance.version}, a different major version from the kube-apiserver (${major}.x)`,
  };
}

