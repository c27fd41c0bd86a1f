/**
 * Reads whether each host has the reboot sentinel, before the admin is asked, so the plan names the hosts
 * that will really reboot. Read-only: one `test -e` per host, a bounded number of hosts at a time. A host
 * that cannot be asked is reported as such (the command refuses to start rather than guess).
 */
import type { Connection } from '../transport/types.js';
import { REBOOT_SENTINEL } from './plan.js';

export type SentinelState = { host: string; present: boolean } | { host: string; error: string };

const SENTINEL_COMMAND = `test -e ${REBOOT_SENTINEL}`;
const READ_TIMEOUT_MS = 30_000;

/** `connect` opens (or reuses) the host's connection; transport failures reject and are reported per host. */
export async function readSentinels(
  hosts: readonly string[],
  connect: (host: string) => Promise<Connection>,
  concurrency: number,
): Promise<SentinelState[]> {
  const results: SentinelState[] = new Array(hosts.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < hosts.length) {
      const index = next++;
      const host = hosts[index]!;
      results[index] = await readOne(host, connect);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, hosts.length)) }, worker));
  return results;
}

async function readOne(host: string, connect: (host: string) => Promise<Connection>): Promise<SentinelState> {
  try {
    const connection = await connect(host);
    const result = await connection.exec(SENTINEL_COMMAND, { timeoutMs: READ_TIMEOUT_MS });
    if (result.code === 0) return { host, present: true };
    if (result.code === 1) return { host, present: false };
    const detail = result.stderr.trim() || `exit status ${result.code}`;
    return { host, error: `\`${SENTINEL_COMMAND}\` failed: ${detail}` };
  } catch (err) {
    return { host, error: err instanceof Error ? err.message : String(err) };
  }
}
