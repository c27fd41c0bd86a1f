/**
 * Entry point of a lab's Kubernetes services process (started detached by `lab up`): argv[2] is lab.json.
 */
import { runKubeServices } from './services.js';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
const labJson = process.argv[2];
if (!labJson) {
  log('usage: services-main LAB_JSON');
  process.exit(2);
}
try {
  await runKubeServices(labJson, log);
} catch (err) {
  log(`cannot start: ${(err as Error).message}`);
  process.exit(1);
}
