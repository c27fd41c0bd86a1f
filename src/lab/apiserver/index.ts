/**
 * The Kubernetes API simulator's public surface, for the lab and for tests: start a server (HTTPS,
 * kubeconfig written), reach into its store and simulation, write extra kubeconfigs.
 */
export { startApiServer, parseListen } from './server.js';
export type { ApiServer, ApiServerOptions } from './server.js';
export type { SimulationOptions, Simulation } from './simulation.js';
export type { ObjectStore, Change } from './store.js';
export { writeKubeconfig, kubeconfigYaml } from './kubeconfig.js';
export type { KubeconfigUser } from './kubeconfig.js';
export { SHUTDOWN_SECONDS_ANNOTATION, KUBELET_ANNOTATION } from './lifecycle.js';
export { SIMULATED_KUBERNETES_VERSION } from './defaults.js';
export type { KubeObject, Clock } from './types.js';
