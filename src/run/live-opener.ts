/**
 * The production `SshOpener`: ssh.ts's handshake with known_hosts stores loaded once per distinct set of
 * UserKnownHostsFile/GlobalKnownHostsFile (every host usually shares one), so 500 hosts read the files once.
 */
import { KnownHostsStore } from '../transport/known-hosts.js';
import type { SshOpener } from '../transport/pool.js';
import { openSshConnection } from '../transport/ssh.js';

export interface LiveOpenerOptions {
  /** Warnings from the known_hosts files (malformed lines, once per store) and changed keys let through. */
  onWarning?: (message: string) => void;
}

export function createLiveOpener(options: LiveOpenerOptions = {}): SshOpener {
  const stores = new Map<string, Promise<KnownHostsStore>>();
  const storeFor = (user: readonly string[], global: readonly string[]): Promise<KnownHostsStore> => {
    const key = JSON.stringify([user, global]);
    let store = stores.get(key);
    if (!store) {
      store = KnownHostsStore.load(user, global).then((loaded) => {
        for (const w of loaded.warnings) options.onWarning?.(`${w.file ?? 'known_hosts'}${w.line ? `:${w.line}` : ''}: ${w.message}`);
        return loaded;
      });
      stores.set(key, store);
    }
    return store;
  };
  return async (spec, { sock, signal }) => {
    const knownHosts = await storeFor(spec.userKnownHostsFiles, spec.globalKnownHostsFiles);
    const onWarning = options.onWarning;
    return openSshConnection(spec, { knownHosts, ...(sock ? { sock } : {}), ...(signal ? { signal } : {}), ...(onWarning ? { onWarning } : {}) });
  };
}
