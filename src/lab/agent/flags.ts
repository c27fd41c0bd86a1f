/** The kubelet flags the node agent reads; the others (container runtime endpoint, …) mean nothing without containers. */

export interface Flags {
  config?: string;
  kubeconfig: string;
  bootstrapKubeconfig: string;
  hostnameOverride?: string;
  nodeIp?: string;
}

export function parseFlags(argv: string[]): Flags | 'version' {
  const flags: Flags = { kubeconfig: '/etc/kubernetes/kubelet.conf', bootstrapKubeconfig: '/etc/kubernetes/bootstrap-kubelet.conf' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const takeValue = () => (eq > 0 ? arg.slice(eq + 1) : argv[++i] ?? '');
    switch (name) {
      case '--version': if (eq < 0 || arg.slice(eq + 1) !== 'false') return 'version'; break;
      case '--config': flags.config = takeValue(); break;
      case '--kubeconfig': flags.kubeconfig = takeValue(); break;
      case '--bootstrap-kubeconfig': flags.bootstrapKubeconfig = takeValue(); break;
      case '--hostname-override': flags.hostnameOverride = takeValue(); break;
      case '--node-ip': flags.nodeIp = takeValue(); break;
      default: break; // the kubelet's other flags (container runtime endpoint, …) mean nothing here
    }
  }
  return flags;
}
