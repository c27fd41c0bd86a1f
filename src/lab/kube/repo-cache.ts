/**
 * Where the lab's Kubernetes apt repositories live on the controller: one folder per recipe,
 * `<cache>/kube-repos/<first 12 hex of the recipe hash>/`. Checkouts whose node agent or built programs
 * differ (a branch, work in progress on src/lab/agent/) each get their own folder and never rebuild another's
 * under a running lab.
 *
 * A lab does not copy its repository: its services process serves files straight from the folder named in
 * lab.json (`kube.repoDir`), for the lab's whole life. So a folder is removed only when it is beyond the
 * newest few (by last use), has not been used for an hour (covering a `lab up` that picked it and has not
 * started its services yet), and no running lab's supervisor or services process points at it. Claiming,
 * building and pruning happen under one lock file, so they never interleave.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { link, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { processExists } from '../sys.js';

export const RECIPE_FILE = 'recipe.json';
/** Recipe folders kept whatever their age, newest use first. */
export const KEEP_NEWEST_REPOS = 3;
/** An older folder is kept while used this recently. */
export const REPO_IDLE_BEFORE_PRUNE_MS = 60 * 60_000;
/** The single shared folder used before recipes had their own; pruned like any other once unused. */
const LEGACY_REPO_DIR = 'kube-repo';
const RECIPE_FOLDER = /^[0-9a-f]{12}$/;
/** Temporary folders of a build (`.building-PID`) or of a replaced folder (`.old-PID`). */
const TEMP_FOLDER = /^\.(?:building|old)-(\d+)$/;
const LAB_PROCESS_ENTRY = /(?:supervisor|services)-main\.(?:ts|js)$/;
const LOCK_POLL_MS = 200;
/** Lock files this process holds: a lock naming our pid that is not among them was left by a dead namesake. */
const locksHeldHere = new Set<string>();

export function kubeReposRoot(cacheDir: string): string {
  return join(cacheDir, 'kube-repos');
}

export function recipeFolder(cacheDir: string, recipe: string): string {
  return join(kubeReposRoot(cacheDir), recipe.slice(0, 12));
}

/**
 * Takes the folder for this recipe if it holds a complete build of it, marking it used now (the stamp's
 * mtime is the folder's last use). False when it is missing, half-made or from another recipe.
 */
export async function claimRecipeFolder(dir: string, recipe: string): Promise<boolean> {
  const stamp = join(dir, RECIPE_FILE);
  try {
    if ((JSON.parse(await readFile(stamp, 'utf8')) as { recipe?: unknown }).recipe !== recipe) return false;
  } catch {
    return false;
  }
  const now = new Date();
  await utimes(stamp, now, now);
  return true;
}

export interface RepoFolder {
  path: string;
  lastUsedMs: number;
}

/** Which folders may go: beyond the newest `keepNewest`, idle longer than `idleMs`, and not in use. Pure. */
export function foldersToPrune(
  folders: readonly RepoFolder[],
  options: { inUse: ReadonlySet<string>; nowMs: number; keepNewest?: number; idleMs?: number },
): string[] {
  const keepNewest = options.keepNewest ?? KEEP_NEWEST_REPOS;
  const idleMs = options.idleMs ?? REPO_IDLE_BEFORE_PRUNE_MS;
  return [...folders]
    .sort((a, b) => b.lastUsedMs - a.lastUsedMs)
    .slice(keepNewest)
    .filter((f) => options.nowMs - f.lastUsedMs > idleMs && !options.inUse.has(resolve(f.path)))
    .map((f) => f.path);
}

export interface ReposInUse {
  dirs: Set<string>;
  /** A running lab whose repository could not be read: nothing may be pruned then. */
  unknown: boolean;
}

/**
 * The repository folders running labs serve, from their supervisor and services processes (argv: the entry
 * module, then lab.json). `procDir` is /proc outside tests.
 */
export function repoDirsInUse(procDir = '/proc'): ReposInUse {
  const found: ReposInUse = { dirs: new Set(), unknown: false };
  for (const pid of readdirSync(procDir).filter((name) => /^\d+$/.test(name))) {
    let argv: string[];
    try {
      argv = readFileSync(join(procDir, pid, 'cmdline'), 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    const entry = argv.findIndex((arg) => LAB_PROCESS_ENTRY.test(arg));
    if (entry < 0) continue;
    const labJson = argv[entry + 1] ?? '';
    try {
      const file = isAbsolute(labJson) ? labJson : join(readlinkSync(join(procDir, pid, 'cwd')), labJson);
      const repoDir = (JSON.parse(readFileSync(file, 'utf8')) as { kube?: { repoDir?: unknown } }).kube?.repoDir;
      if (typeof repoDir === 'string') found.dirs.add(resolve(repoDir));
      // A lab without Kubernetes settings serves no repository.
    } catch (err) {
      // A lab.json that is gone belongs to a lab being removed (its processes leave within a second); one
      // that cannot be read or parsed might still name any folder.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') found.unknown = true;
    }
  }
  return found;
}

/** Recipe folders (and the legacy shared one) with their last use; the stamp's mtime, else the folder's. */
function listRepoFolders(cacheDir: string): RepoFolder[] {
  const root = kubeReposRoot(cacheDir);
  const paths = readdirSync(root).filter((name) => RECIPE_FOLDER.test(name)).map((name) => join(root, name));
  const legacy = join(cacheDir, LEGACY_REPO_DIR);
  if (existsSync(legacy)) paths.push(legacy);
  return paths.flatMap((path) => {
    const stamp = join(path, RECIPE_FILE);
    try {
      return [{ path, lastUsedMs: statSync(existsSync(stamp) ? stamp : path).mtimeMs }];
    } catch {
      return []; // removed meanwhile (the legacy folder by a process still running the old code)
    }
  });
}

/**
 * Removes unused recipe folders (see the module comment) and the temporary folders of a process that died
 * mid-build. Call with the lock held. Returns the recipe folders removed.
 */
export async function pruneKubeRepos(cacheDir: string, options: { nowMs?: number; procDir?: string } = {}): Promise<string[]> {
  const root = kubeReposRoot(cacheDir);
  for (const name of readdirSync(root)) {
    const builder = TEMP_FOLDER.exec(name);
    if (builder && Number(builder[1]) !== process.pid && !processExists(Number(builder[1]))) await rm(join(root, name), { recursive: true, force: true });
  }
  const inUse = repoDirsInUse(options.procDir);
  if (inUse.unknown) return [];
  const doomed = foldersToPrune(listRepoFolders(cacheDir), { inUse: inUse.dirs, nowMs: options.nowMs ?? Date.now() });
  for (const path of doomed) await rm(path, { recursive: true, force: true });
  return doomed;
}

/**
 * An exclusive lock file holding its owner's pid, written whole before it appears (link of a finished temp
 * file), so a reader never sees it empty. A lock whose owner is gone (a crash mid-build) is taken over.
 */
export async function lockKubeRepos(cacheDir: string, log: (line: string) => void): Promise<() => Promise<void>> {
  const file = join(kubeReposRoot(cacheDir), '.lock');
  const mine = `${file}.${process.pid}.${randomUUID()}`;
  await writeFile(mine, `${process.pid}\n`);
  try {
    for (let told = false; ; ) {
      try {
        await link(mine, file);
        locksHeldHere.add(file);
        return async () => {
          locksHeldHere.delete(file);
          await rm(file, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (!owner) continue; // released meanwhile
      if (owner === process.pid ? !locksHeldHere.has(file) : !processExists(owner)) {
        await rm(file, { force: true });
        continue;
      }
      if (!told) log(`waiting for process ${owner}, which is preparing the lab's Kubernetes repository in ${kubeReposRoot(cacheDir)}`);
      told = true;
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  } finally {
    await rm(mine, { force: true });
  }
}
