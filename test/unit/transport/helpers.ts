/** Shared by the pool's unit tests: a complete ConnectionSpec for a fake host, with overrides. */
import type { ConnectionSpec } from '../../../src/transport/types.js';

export function spec(name: string, extra: Partial<ConnectionSpec> = {}): ConnectionSpec {
  return {
    name,
    hostname: `${name}.example`,
    port: 22,
    user: 'admin',
    identityFiles: [],
    identitiesOnly: false,
    proxyJump: [],
    userKnownHostsFiles: [],
    globalKnownHostsFiles: [],
    hostKeyPolicy: 'strict',
    connectTimeoutMs: 10_000,
    keepaliveIntervalMs: 15_000,
    keepaliveCountMax: 3,
    become: { enabled: false, user: 'root', method: 'sudo' },
    ...extra,
  };
}
