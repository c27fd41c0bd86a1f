/** drydock's inventory: Ansible-compatible loading, variable precedence and host patterns. */
export type { Inventory, InventoryGroup, InventoryHost, SourceRef, Vars } from './types.js';
export { loadInventory, isYamlInventory } from './load.js';
export type { LoadInventoryOptions } from './load.js';
export { nodeInventoryFs } from './fs.js';
export type { InventoryFs, EntryKind } from './fs.js';
export { InventoryBuilder, GROUP_PRIORITY_VAR } from './model.js';
export type { LoadedInventory, LoadedGroup, LoadedHost, VarLayers } from './model.js';
export { parseIniInventory, varsSectionValue } from './ini-source.js';
export { parseYamlInventory } from './yaml-source.js';
export { expandHostRange, hasHostRange, MAX_RANGE_HOSTS } from './ranges.js';
export type { RangeExpansion } from './ranges.js';
export { parseHostAddress, looksLikeIPv6 } from './address.js';
export { parsePythonLiteral } from './python-literal.js';
export { hostVars, magicVars, groupsOf, groupHosts, groupDepths, groupPriority, sortGroups } from './vars.js';
export type { HostVarsOptions } from './vars.js';
export { resolvePattern, resolvePatternDetailed, splitPattern, applyLimit, expandLimitTerms, setPatternPolicy, patternPolicyOf } from './patterns.js';
export type { PatternResult, PatternPolicy } from './patterns.js';
export { readLimitFile } from './limit-file.js';
export {
  formatInventoryList,
  inventoryListData,
  formatInventoryGraph,
  formatHostVars,
  hostVarsForDisplay,
  maskSecrets,
  SECRET_KEY,
} from './format.js';
export type { GraphOptions } from './format.js';
