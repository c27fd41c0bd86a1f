/**
 * The lab's Kubernetes apt repository, laid out like pkgs.k8s.io (one flat repository per minor under
 * `core:/stable:/vX.Y/deb/`), holding kubeadm, kubelet and kubectl debs built with `dpkg-deb`: the real
 * kubeadm and kubectl from the build cache (binaries.ts), the lab's node agent as the kubelet. Built once
 * per recipe (releases, programs, agent, unit files) into its own folder of the cache (`repo-cache.ts`), in
 * a temporary folder renamed into place; another recipe gets another folder.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../errors.js';
import { run } from '../sys.js';
import { agentBundle, binariesIdentity, ensureKubeBinaries, kubeBinary, stampAgent } from './binaries.js';
import { debControl, packagesIndex, parseControl, releaseFile, type IndexedDeb } from './aptindex.js';
import { RECIPE_FILE, claimRecipeFolder, kubeReposRoot, lockKubeRepos, pruneKubeRepos, recipeFolder } from './repo-cache.js';
import { KUBE_RELEASES, releasesByMinor, type KubePackage, type KubeRelease } from './versions.js';

/** Bump when the layout or packaging below changes. */
const REPO_FORMAT = 1;

const KUBELET_UNIT = `[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
`;

const KUBEADM_DROPIN = `# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort. Preferably, the user should use
# the .NodeRegistration.KubeletExtraArgs object in the configuration files instead. KUBELET_EXTRA_ARGS should be sourced from this file.
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;

export const KUBEADM_DROPIN_PATH = 'etc/systemd/system/kubelet.service.d/10-kubeadm.conf';

interface DebFile {
  path: string;
  /** The file's text, or … */
  content?: string;
  /** … a file to copy (a real program from the build cache). */
  source?: string;
  mode: number;
}

interface DebRecipe {
  name: KubePackage;
  depends: string;
  description: string;
  files: DebFile[];
  conffiles: string[];
}

/** Packages of a release: the upstream kubeadm and kubectl as built, and the lab's node agent as the kubelet. */
export function debRecipes(release: KubeRelease, agent: string): DebRecipe[] {
  return [
    {
      name: 'kubelet', depends: 'nodejs (>= 18), openssl, systemd, iproute2',
      description: 'Node agent for Kubernetes clusters (drydock lab node agent: static pods as host services, no containers)',
      files: [
        { path: 'usr/bin/kubelet', content: stampAgent(agent, release.version), mode: 0o755 },
        { path: 'usr/lib/systemd/system/kubelet.service', content: KUBELET_UNIT, mode: 0o644 },
      ],
      conffiles: [],
    },
    {
      name: 'kubectl', depends: '',
      description: 'Command-line utility for interacting with a Kubernetes cluster',
      files: [{ path: 'usr/bin/kubectl', source: kubeBinary(release.version, 'kubectl'), mode: 0o755 }],
      conffiles: [],
    },
    {
      name: 'kubeadm', depends: 'kubelet (>= 1.19.0), kubectl (>= 1.13.0)',
      description: 'Command-line utility for administering a Kubernetes cluster',
      files: [
        { path: 'usr/bin/kubeadm', source: kubeBinary(release.version, 'kubeadm'), mode: 0o755 },
        { path: KUBEADM_DROPIN_PATH, content: KUBEADM_DROPIN, mode: 0o644 },
      ],
      conffiles: [`/${KUBEADM_DROPIN_PATH}`],
    },
  ];
}

/** What a cached repository was built from: any change means another repository (and cache folder). */
export function repoRecipe(architecture: string, agent: string, binaries: string): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ REPO_FORMAT, KUBE_RELEASES, architecture, KUBELET_UNIT, KUBEADM_DROPIN, binaries }));
  hash.update(agent);
  return hash.digest('hex');
}

export async function machineArchitecture(): Promise<string> {
  const result = await run('dpkg', ['--print-architecture']);
  if (result.code !== 0) throw new ConfigError('dpkg --print-architecture failed; the lab needs a Debian-family controller');
  return result.stdout.trim();
}

export interface RepoResult {
  dir: string;
  built: boolean;
  /** Folders of other recipes removed as unused. */
  pruned: string[];
}

export interface KubeRepoOptions {
  /** The node agent bundle to package as the kubelet (default: this checkout's `src/lab/agent/`, bundled). */
  agent?: string;
}

/**
 * Returns the repository folder for the current recipe, building it first when missing, then prunes other
 * recipes' folders no running lab uses.
 */
export async function ensureKubeRepo(cacheDir: string, log: (line: string) => void, options: KubeRepoOptions = {}): Promise<RepoResult> {
  const architecture = await machineArchitecture();
  await ensureKubeBinaries(log);
  // Bundled once: other work may be editing the agent while this builds.
  const agent = options.agent ?? await agentBundle();
  const recipe = repoRecipe(architecture, agent, binariesIdentity());
  const dir = recipeFolder(cacheDir, recipe);
  await mkdir(kubeReposRoot(cacheDir), { recursive: true });
  const unlock = await lockKubeRepos(cacheDir, log);
  try {
    const built = !(await claimRecipeFolder(dir, recipe));
    if (built) await buildKubeRepo(dir, recipe, architecture, agent, log);
    let pruned: string[] = [];
    try {
      pruned = await pruneKubeRepos(cacheDir);
      if (pruned.length > 0) log(`removed ${pruned.length} unused lab Kubernetes repositories of other recipes`);
    } catch (err) {
      // Housekeeping only: the lab has its repository either way.
      log(`could not prune old lab Kubernetes repositories in ${kubeReposRoot(cacheDir)}: ${(err as Error).message}`);
    }
    return { dir, built, pruned };
  } finally {
    await unlock();
  }
}

/** Builds into a temporary folder renamed into place; a half-made folder of the same name is replaced. */
async function buildKubeRepo(dir: string, recipe: string, architecture: string, agent: string, log: (line: string) => void): Promise<void> {
  log(`building the lab's Kubernetes apt repository (${KUBE_RELEASES.join(', ')}) in ${dir}`);
  const temp = join(dirname(dir), `.building-${process.pid}`);
  await rm(temp, { recursive: true, force: true });
  try {
    for (const [minor, releases] of releasesByMinor()) {
      const base = join(temp, releases[0]!.repoPath);
      const debs: IndexedDeb[] = [];
      for (const release of releases) {
        for (const recipeOfDeb of debRecipes(release, agent)) debs.push(await buildDeb(base, recipeOfDeb, release, architecture, join(temp, '.work')));
      }
      const packages = packagesIndex(debs);
      await writeFile(join(base, 'Packages'), packages);
      const entry = { path: 'Packages', size: Buffer.byteLength(packages), md5: digest('md5', packages), sha256: digest('sha256', packages) };
      await writeFile(join(base, 'Release'), releaseFile({ label: `drydock-lab-kubernetes-v${minor}`, architectures: [architecture], date: new Date(), files: [entry] }));
    }
    await rm(join(temp, '.work'), { recursive: true, force: true });
    await writeFile(join(temp, RECIPE_FILE), `${JSON.stringify({ recipe, releases: KUBE_RELEASES, builtAt: new Date().toISOString() })}\n`);
    if (existsSync(dir)) {
      const old = join(dirname(dir), `.old-${process.pid}`);
      await rename(dir, old);
      await rename(temp, dir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(temp, dir);
    }
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
}

function digest(algorithm: 'md5' | 'sha256', data: string | Buffer): string {
  return createHash(algorithm).update(data).digest('hex');
}

async function buildDeb(base: string, recipe: DebRecipe, release: KubeRelease, architecture: string, workDir: string): Promise<IndexedDeb> {
  const root = join(workDir, `${recipe.name}-${release.version}`);
  let bytes = 0;
  for (const file of recipe.files) {
    const target = join(root, file.path);
    await mkdir(dirname(target), { recursive: true });
    if (file.source) await copyFile(file.source, target);
    else await writeFile(target, file.content ?? '');
    await chmod(target, file.mode);
    bytes += (await stat(target)).size;
  }
  await mkdir(join(root, 'DEBIAN'), { recursive: true });
  const control = debControl({
    name: recipe.name, version: release.debVersion, architecture, installedSizeKb: Math.max(1, Math.ceil(bytes / 1024)),
    depends: recipe.depends, description: recipe.description,
  });
  await writeFile(join(root, 'DEBIAN/control'), control);
  if (recipe.conffiles.length) await writeFile(join(root, 'DEBIAN/conffiles'), `${recipe.conffiles.join('\n')}\n`);
  const filename = `${architecture}/${recipe.name}_${release.debVersion}_${architecture}.deb`;
  const out = join(base, filename);
  await mkdir(dirname(out), { recursive: true });
  // The real programs are large (tens of MB): xz would take minutes on 2 cores for a local repository.
  const result = await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z1', '--build', root, out]);
  if (result.code !== 0) throw new ConfigError(`dpkg-deb --build ${recipe.name} ${release.debVersion} failed: ${result.stderr.trim()}`);
  const data = await readFile(out);
  return { control: parseControl(control), filename, size: (await stat(out)).size, md5: digest('md5', data), sha256: digest('sha256', data) };
}

