/**
 * Cluster access for a command that runs kube_* work: opened once per run, on first use, from --kubeconfig,
 * KUBECONFIG, ~/.kube/config, or — what kubespray users expect — /etc/kubernetes/admin.conf read over SSH
 * (with sudo) from the first control plane of the inventory. The context and server are announced before
 * anything changes.
 */
import { ConfigError } from '../errors.js';
import type { RunEvent } from '../events/events.js';
import { firstControlPlane } from '../inventory/control-plane.js';
import type { Inventory } from '../inventory/types.js';
import { ADMIN_CONF_PATH, describeClusterAccess, lazyKube, openClusterAccess, type AdminConf, type LazyKube } from '../kube/access.js';
import type { Connection, ConnectionSpec } from '../transport/types.js';

export interface RunKubeOptions {
  kubeconfig?: string;
  context?: string;
  inventory: Inventory;
  specFor(host: string): ConnectionSpec;
  connect(spec: ConnectionSpec): Promise<Connection>;
  emit(event: RunEvent): void;
  env?: NodeJS.ProcessEnv;
}

export function createRunKube(options: RunKubeOptions): LazyKube {
  const host = firstControlPlane(options.inventory);
  const fetchAdminConf = host
    ? async (): Promise<AdminConf> => {
        const spec = options.specFor(host);
        const connection = await options.connect(spec);
        const result = await connection.exec(`cat ${ADMIN_CONF_PATH}`, { become: { enabled: true }, timeoutMs: 30_000 });
        if (result.code !== 0) {
          const why = result.stderr.trim().split('\n').pop() || `exit status ${result.code ?? result.signal}`;
          throw new ConfigError(`${host}: cannot read ${ADMIN_CONF_PATH} (with sudo): ${why}`);
        }
        return { host, text: result.stdout, address: spec.hostname };
      }
    : undefined;
  return lazyKube(
    () =>
      openClusterAccess({
        env: options.env ?? process.env,
        ...(options.kubeconfig !== undefined ? { kubeconfigPath: options.kubeconfig } : {}),
        ...(options.context !== undefined ? { context: options.context } : {}),
        ...(fetchAdminConf ? { fetchAdminConf } : {}),
      }),
    (access) => options.emit({ type: 'warning', message: describeClusterAccess(access.info) }),
  );
}
