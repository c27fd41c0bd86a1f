/**
 * Runs the real kubectl against a simulator: finds (or installs, through scripts/ensure-deps.sh) the
 * client, gives each test its own discovery cache, and collects exit code and output.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const FIXTURES = join(REPO, 'test/fixtures/apiserver');

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `DRYDOCK_KUBECTL` picks a specific binary; otherwise ensure-deps installs Debian's package if needed. */
export function findKubectl(): { path?: string; note: string } {
  const override = process.env.DRYDOCK_KUBECTL;
  if (override) return { path: override, note: `DRYDOCK_KUBECTL=${override}` };
  const ensure = spawnSync('bash', [join(REPO, 'scripts/ensure-deps.sh'), '--kubectl'], { encoding: 'utf8', cwd: REPO });
  const found = spawnSync('bash', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
  if (found) return { path: found, note: found };
  return { note: `no kubectl available (ensure-deps.sh --kubectl exited ${ensure.status}: ${(ensure.stderr || ensure.stdout).trim()})` };
}

export function kubectlVersion(path: string): string {
  const out = spawnSync(path, ['version', '--client', '-o', 'json'], { encoding: 'utf8' }).stdout;
  try {
    return JSON.parse(out).clientVersion.gitVersion as string;
  } catch {
    return 'unknown';
  }
}

export class Kubectl {
  private readonly cacheDir = mkdtempSync(join(tmpdir(), 'drydock-kubectl-cache-'));

  constructor(
    private readonly binary: string,
    private readonly kubeconfig: string,
  ) {}

  /** For long-running commands (`get -w`): the caller owns and ends the process. */
  spawn(args: string[]): ChildProcess {
    return spawn(this.binary, ['--kubeconfig', this.kubeconfig, '--cache-dir', this.cacheDir, ...args], { env: this.env() });
  }

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, KUBECONFIG: this.kubeconfig, HOME: this.cacheDir };
  }

  run(args: string[], timeoutMs = 30_000): Promise<KubectlResult> {
    return new Promise((resolve) => {
      execFile(
        this.binary,
        ['--kubeconfig', this.kubeconfig, '--cache-dir', this.cacheDir, ...args],
        { timeout: timeoutMs, env: this.env() },
        (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  async json(args: string[]): Promise<any> {
    const result = await this.run([...args, '-o', 'json']);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return JSON.parse(result.stdout);
  }

  dispose(): void {
    rmSync(this.cacheDir, { recursive: true, force: true });
  }
}

/** Polls until `check` returns true or the deadline passes. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
