/**
 * Entry point of a lab's supervisor process (started detached by `lab up`): argv[2] is the lab.json path.
 */
import { LabSupervisor } from './supervisor.js';

const labJson = process.argv[2];
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
if (!labJson) {
  log('usage: supervisor-main LAB_JSON');
  process.exit(2);
}
const supervisor = new LabSupervisor(labJson, log);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => {
    log(`received ${signal}; stopping the lab's hosts`);
    void supervisor.shutdown();
  });
}
try {
  await supervisor.start();
} catch (err) {
  log(`cannot start: ${(err as Error).message}`);
  await supervisor.shutdown().catch(() => undefined);
  process.exit(1);
}
await supervisor.done;
// Give the last reply on the control socket a moment to flush.
setTimeout(() => process.exit(0), 100);
