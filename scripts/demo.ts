/**
 * `npm run demo`: boots a fresh local lab (a running one is taken down first, so every demo starts from
 * Kubernetes 1.36.3: the real control plane, made by the real kubeadm) and runs drydock's daily jobs against it,
 * through the real CLI, printing what an admin would see:
 *   1. the inventory the lab wrote, as drydock reads it;
 *   2. an ad hoc command across every host;
 *   3. ad hoc work across a group: certificate expiry on the control planes;
 *   4. a verified etcd snapshot, copied to the controller with its SHA-256;
 *   5. the upgrade plan for 1.37.2 (`drydock plan upgrade`: hops, backup, each control plane, worker batches),
 *      first refused for the unmanaged pod a drain would stop on, then with -e drain_force=true;
 *   6. `drydock upgrade --to 1.37.2 --yes --backup-max-age 1h`: the snapshot of step 4 satisfies the backup
 *      rule; then the first control plane, the others, then the workers in a canary-then-20% ramp, each
 *      drained, upgraded, waited Ready and uncordoned, as one run under the cluster lock.
 * The lab stays up afterwards for exploring (`drydock lab ssh cp1`); `drydock lab down` removes it.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..');

function drydock(args: string[], options: { capture?: boolean } = {}): { status: number; stdout: string } {
  process.stdout.write(`\n$ drydock ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, ['bin/drydock.js', ...args], {
    cwd: REPO,
    stdio: options.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
  });
  return { status: result.status ?? 1, stdout: result.stdout ?? '' };
}

function step(title: string): void {
  process.stdout.write(`\n=== ${title} ${'='.repeat(Math.max(0, 72 - title.length))}\n`);
}

function must(result: { status: number }, what: string): void {
  if (result.status !== 0) {
    process.stderr.write(`\ndemo: ${what} failed (exit ${result.status}); the lab is left as it is for a look: drydock lab status\n`);
    process.exit(result.status);
  }
}

if (process.platform !== 'linux' || process.getuid?.() !== 0) {
  process.stderr.write('demo: the lab needs Linux and root (it creates namespaces, mounts and a bridge); run npm run demo as root\n');
  process.exit(1);
}

step('boot the lab: 1 control plane + 2 workers (Debian hosts with systemd, sshd, apt; real kubeadm 1.36.3)');
// A lab left by an earlier demo is already upgraded: its disks go, and it starts again from 1.36.3. The first
// run builds the real Kubernetes programs from the Go module proxy (tens of minutes, progress shown); later
// runs take them from the cache.
must(drydock(['lab', 'down', '--purge']), 'lab down');
must(drydock(['lab', 'up']), 'lab up');
const status = JSON.parse(drydock(['lab', 'status', '--json'], { capture: true }).stdout) as { inventory: string; kubeconfig: string | null };
const inventory = status.inventory;

step('the inventory drydock reads');
must(drydock(['inventory', 'graph', '-i', inventory]), 'inventory graph');

step('job: ad hoc command across every host (one SSH connection each, strict host keys)');
must(drydock(['run', 'all', '-i', inventory, '--', 'hostname; uname -r; systemctl is-system-running || true']), 'drydock run');

step('job: ad hoc work across a group: certificate expiry on the control planes');
must(drydock(['run', 'control_plane', '-i', inventory, '-b', '--', 'kubeadm certs check-expiration']), 'certs check-expiration');

if (!status.kubeconfig) {
  process.stderr.write('demo: the lab has no Kubernetes API (kubeconfig missing); see drydock lab status\n');
  process.exit(1);
}
const kube = ['--kubeconfig', status.kubeconfig];

step('job: verified etcd backup (snapshot, status check, copy to the controller with its SHA-256)');
must(drydock(['play', 'playbooks/etcd-backup.yaml', '-i', inventory, '-e', 'backup_dir=backups/etcd']), 'etcd backup');

step('plan: what the upgrade to 1.37.2 would do (reads the cluster and every host, changes nothing)');
// The lab runs one unmanaged pod (default/scratch-job): the plan finds that a drain would stop on it and refuses
// (exit 1) before anything changes, naming the pod and the flag; with drain_force it lists the pod as lost.
const refused = drydock(['plan', 'upgrade', '--to', '1.37.2', '-i', inventory, ...kube, '-e', 'backup_dir=backups/etcd']);
if (refused.status !== 1) {
  process.stderr.write(`\ndemo: plan upgrade should have refused the drain of the unmanaged pod (exit 1), got exit ${refused.status}\n`);
  process.exit(1);
}
must(drydock(['plan', 'upgrade', '--to', '1.37.2', '-i', inventory, ...kube, '-e', 'drain_force=true', '-e', 'backup_dir=backups/etcd']), 'plan upgrade');

step('job: upgrade the cluster to 1.37.2 (etcd snapshot, real kubeadm upgrade apply, then workers in batches)');
// The lab runs one unmanaged pod (default/scratch-job), which kubectl drain also refuses without --force.
must(drydock(['upgrade', '--to', '1.37.2', '--yes', '--backup-max-age', '1h', '-i', inventory, ...kube, '-e', 'drain_force=true', '-e', 'backup_dir=backups/etcd']), 'upgrade');

step('after: every node and its kubelet version');
must(drydock(['run', 'all', '-i', inventory, '--', 'kubelet --version']), 'kubelet versions');

step('done');
process.stdout.write('The lab is still running: drydock lab status | drydock lab ssh cp1 | drydock lab down\n');
