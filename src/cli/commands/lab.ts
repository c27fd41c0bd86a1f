/**
 * `drydock lab ...`: the rehearsal lab. `up | down | status | ssh | fault` manage the namespaced Debian hosts
 * (src/lab/cli.ts); `apiserver` runs the Kubernetes API simulator standalone: it prints one ready line (URL and
 * kubeconfig path) and serves until SIGINT or SIGTERM.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { parseListen, startApiServer } from '../../lab/apiserver/index.js';
import { registerLabHostCommands } from '../../lab/cli.js';
import type { Invocation } from '../exit.js';

interface ApiserverOptions {
  listen: string;
  kubeconfig: string;
  seed?: string;
  stateDir?: string;
  replaceDelay: string;
  heartbeatGrace: string;
  externalKubelets?: boolean;
}

function nonNegative(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} wants a non-negative number, got "${value}"`);
  return n;
}

export function register(program: Command, { exit }: Invocation): void {
  const lab = program.command('lab').description('the rehearsal lab: namespaced Debian hosts and a simulated Kubernetes API');
  registerLabHostCommands(lab);
  lab
    .command('apiserver')
    .description('serve a simulated Kubernetes API (HTTPS) that real kubectl and drydock can drain against')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:6443')
    .requiredOption('--kubeconfig <file>', 'where to write a kubeconfig for the simulator (mode 0600)')
    .option('--seed <file>', 'multi-document YAML of Nodes, Pods, PDBs, Deployments, ReplicaSets, DaemonSets')
    .option('--state-dir <dir>', 'keep certificates, token and objects here across restarts')
    .option('--replace-delay <ms>', 'delay before a ReplicaSet replaces a lost pod', '2000')
    .option('--heartbeat-grace <seconds>', 'heartbeat silence after which a node turns NotReady', '40')
    .option('--external-kubelets', 'nodes heartbeat only when something PATCHes their status or renews their Lease')
    .action(async (opts: ApiserverOptions) => {
      try {
        parseListen(opts.listen);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const server = await startApiServer({
        listen: opts.listen,
        kubeconfigPath: resolve(opts.kubeconfig),
        ...(opts.seed ? { seed: opts.seed } : {}),
        ...(opts.stateDir ? { stateDir: resolve(opts.stateDir) } : {}),
        replaceDelayMs: nonNegative(opts.replaceDelay, '--replace-delay'),
        heartbeatGraceMs: nonNegative(opts.heartbeatGrace, '--heartbeat-grace') * 1000,
        autoHeartbeat: !opts.externalKubelets,
      });
      process.stdout.write(`drydock lab apiserver: ready at ${server.url} (kubeconfig: ${server.kubeconfigPath})\n`);
      await new Promise<void>((done) => {
        const stop = (signal: string) => {
          process.stdout.write(`drydock lab apiserver: ${signal}, stopping\n`);
          done();
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
      await server.stop();
    });
}
