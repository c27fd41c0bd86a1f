/**
 * Builds the lab's real Kubernetes and etcd programs into the cache outside the repository when they are
 * missing (scripts/build-kube.sh, with its progress line); a warm cache returns at once.
 */
import { ensureKubeBinaries } from '../src/lab/kube/binaries.js';

const started = Date.now();
await ensureKubeBinaries((line) => console.log(line));
console.log(`the lab's Kubernetes programs are built (${((Date.now() - started) / 1000).toFixed(1)} s)`);
