/** What the rest of drydock reads from the Kubernetes task modules: fact names and the drain default. */
export { CORDONS_FACT, CORDONED_BY_DRYDOCK_FACT, WAS_CORDONED_FACT, type CordonRecord } from './common.js';
export { DEFAULT_DRAIN_TIMEOUT_SECONDS } from './drain.js';
export { LEFT_CORDONED_BEFORE_RUN } from './uncordon.js';
export { drainSettingsFromArgs, kubeDrainSpec } from './drain.js';
