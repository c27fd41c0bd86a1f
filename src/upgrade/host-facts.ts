/**
 * What the upgrade needs to know from each host, read in one command over its SSH connection and changing
 * nothing: the installed kubeadm/kubelet/kubectl versions and hold state (dpkg-query), the Kubernetes apt
 * repository line, and the versions the repository offers for the minors the upgrade goes through. The
 * offers are looked up as the preflight playbook does (playbooks/tasks/upgrade-preflight.yaml): the `vX.Y`
 * of kubernetes.list rewritten to the wanted minor in a throw-away sources list, lists folder and no
 * package cache, so the host's own sources, lists and caches stay untouched. Script and parser are pure.
 */
import { parseMadison } from '../policy/package-versions.js';
import { shellQuote } from '../util/shell.js';

export const KUBE_PACKAGES = ['kubeadm', 'kubelet', 'kubectl'] as const;
export type KubePackage = (typeof KUBE_PACKAGES)[number];

export const KUBERNETES_LIST = '/etc/apt/sources.list.d/kubernetes.list';

export interface InstalledPackage {
  version: string;
  held: boolean;
}

export interface RepoFacts {
  /** The first `deb ...` line of kubernetes.list. */
  line?: string;
  /** `1.28` from `.../core:/stable:/v1.28/deb/`. */
  minor?: string;
  /** Why the repository cannot serve the upgrade (missing, legacy, not per-minor). */
  problem?: string;
}

export interface MinorOffer {
  minor: string;
  /** Package versions the minor's repository offers, newest first as apt lists them. */
  versions: Record<KubePackage, string[]>;
  /** The index of that repository could not be fetched: the last lines apt-get update printed. */
  error?: string;
}

export interface HostFacts {
  installed: Partial<Record<KubePackage, InstalledPackage>>;
  repo: RepoFacts;
  offers: MinorOffer[];
}

const MINOR = /^\d+\.\d+$/;
const LEGACY_REPO = /(apt|packages\.cloud\.google)\.kubernetes\.io|packages\.cloud\.google\.com\/apt/;

/**
 * The read-only script, for `sh -c` with sudo. `minors` are `X.Y` strings (checked: they end up in the
 * script). apt-get update runs against a temporary folder only; the temporary folder is removed.
 */
export function factsScript(minors: readonly string[], listPath: string = KUBERNETES_LIST): string {
  for (const minor of minors) if (!MINOR.test(minor)) throw new Error(`not a minor version: ${minor}`);
  const aptOptions = [
    '-o "Dir::Etc::SourceList=$tmp/sources.list"',
    '-o Dir::Etc::SourceParts=/nonexistent',
    '-o "Dir::State::Lists=$tmp/lists"',
    '-o Dir::Cache::pkgcache=',
    '-o Dir::Cache::srcpkgcache=',
    '-o APT::Sandbox::User=root',
  ].join(' ');
  return [
    'set -u',
    `list=${shellQuote(listPath)}`,
    "dpkg-query -W -f='@pkg ${Package}\\t${Version}\\t${Status}\\n' kubeadm kubelet kubectl 2>/dev/null",
    'if [ ! -f "$list" ]; then echo "@repo-missing"; exit 0; fi',
    `sed -n 's/^[[:space:]]*\\(deb[[:space:]].*\\)$/@repo \\1/p' "$list"`,
    `for minor in ${minors.join(' ')}; do`,
    '  echo "@offers $minor"',
    '  tmp=$(mktemp -d) || exit 3',
    '  sed -E "s#/v[0-9]+\\.[0-9]+/#/v$minor/#" "$list" > "$tmp/sources.list"',
    '  mkdir -p "$tmp/lists/partial"',
    `  if apt-get ${aptOptions} -q update >"$tmp/update.log" 2>&1; then`,
    `    apt-cache ${aptOptions} madison kubeadm kubelet kubectl 2>/dev/null`,
    '  else',
    '    echo "@offers-error $minor $(grep -v "^Reading" "$tmp/update.log" | tail -n 3 | tr "\\n" " ")"',
    '  fi',
    '  rm -rf "$tmp"',
    'done',
  ].join('\n');
}

/** The script's output → facts. Lines it does not know are ignored (a login banner, apt notices). */
export function parseFactsOutput(stdout: string): HostFacts {
  const facts: HostFacts = { installed: {}, repo: {}, offers: [] };
  let offer: MinorOffer | undefined;
  let madison: string[] = [];
  const closeOffer = (): void => {
    if (!offer) return;
    const text = madison.join('\n');
    for (const pkg of KUBE_PACKAGES) offer.versions[pkg] = parseMadison(text, pkg);
    facts.offers.push(offer);
    offer = undefined;
    madison = [];
  };
  for (const line of stdout.split('\n')) {
    if (line.startsWith('@pkg ')) {
      const [name, version, status] = line.slice(5).split('\t');
      // `${Status}` is "<want> <flag> <state>": "hold ok installed"; "deinstall ok config-files" is not installed.
      const [want, , state] = (status ?? '').trim().split(/\s+/);
      if (isKubePackage(name) && version && state === 'installed') facts.installed[name] = { version: version.trim(), held: want === 'hold' };
    } else if (line === '@repo-missing') {
      facts.repo.problem = `${KUBERNETES_LIST} is missing: this host has no Kubernetes package repository`;
    } else if (line.startsWith('@repo ')) {
      if (facts.repo.line === undefined) facts.repo = repoFacts(line.slice(6).trim());
    } else if (line.startsWith('@offers-error ')) {
      const rest = line.slice('@offers-error '.length);
      const space = rest.indexOf(' ');
      const minor = space < 0 ? rest : rest.slice(0, space);
      if (offer && offer.minor === minor) offer.error = (space < 0 ? '' : rest.slice(space + 1)).trim() || 'apt-get update failed';
    } else if (line.startsWith('@offers ')) {
      closeOffer();
      offer = { minor: line.slice(8).trim(), versions: { kubeadm: [], kubelet: [], kubectl: [] } };
    } else if (offer) madison.push(line);
  }
  closeOffer();
  return facts;
}

function isKubePackage(name: string | undefined): name is KubePackage {
  return (KUBE_PACKAGES as readonly string[]).includes(name ?? '');
}

/** The repository line's minor, or why the upgrade cannot switch it (the preflight refuses the same lines). */
export function repoFacts(line: string): RepoFacts {
  if (LEGACY_REPO.test(line)) {
    return { line, problem: `${KUBERNETES_LIST} still points at the legacy apt.kubernetes.io repository, which is gone; migrate it to pkgs.k8s.io first` };
  }
  const minor = /\/v(\d+\.\d+)\//.exec(line)?.[1];
  if (!minor) return { line, problem: `${KUBERNETES_LIST} has no /vX.Y/ in its line (${line}), so the upgrade cannot switch it to another minor` };
  return { line, minor };
}
