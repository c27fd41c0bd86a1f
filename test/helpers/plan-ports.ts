/**
 * The planning ports (src/run/plan.ts RunPlanPorts) for tests that plan without this machine's files: the
 * real inventory loader and pattern logic, an empty ~/.ssh/config, connection specs resolved as for a user
 * `ops` with no home, every file present and no open-file limit. Tests override what they need.
 */
import { applyLimit, hostVars, loadInventory, resolvePattern } from '../../src/inventory/index.js';
import type { RunPlanPorts } from '../../src/run/plan.js';
import { resolveConnectionSpec } from '../../src/transport/resolve.js';
import { emptySshConfig } from '../../src/transport/ssh-config.js';

export function offlinePlanPorts(overrides: Partial<RunPlanPorts> = {}): RunPlanPorts {
  return {
    loadInventory: (sources, options) => loadInventory(sources, options),
    resolvePattern,
    applyLimit,
    hostVars: (inventory, host, extra) => hostVars(inventory, host, extra),
    loadSshConfig: async () => emptySshConfig(),
    resolveSpec: (input) => resolveConnectionSpec({ ...input, env: { home: '/nonexistent', localUser: 'ops', fileExists: () => false } }),
    fileExists: () => true,
    openFileLimit: () => null,
    ...overrides,
  };
}
