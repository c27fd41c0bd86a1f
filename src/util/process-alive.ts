/**
 * Whether a process of this machine still runs, as the journal (`drydock runs`, resume) and the local run
 * locks need to know about the controller that wrote them. A pid can be reused after its process died: on
 * Linux the process's start time (/proc/PID/stat) tells a new process with the same pid apart.
 */
import { readFileSync } from 'node:fs';

/** Whether a process with this pid exists on this machine. */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's start time in clock ticks since boot (Linux), or undefined where /proc does not say. */
export function processStartTime(pid: number, readText: (path: string) => string = (path) => readFileSync(path, 'utf8')): string | undefined {
  try {
    const stat = readText(`/proc/${pid}/stat`);
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19]; // field 22 of the whole line
  } catch {
    return undefined;
  }
}

/**
 * Whether the process that recorded (pid, startTime) is still the one running under that pid: alive, and
 * (where the start time is known on both sides) started at the same moment.
 */
export function sameProcessAlive(pid: number, startTime: string | undefined, isAlive: (pid: number) => boolean = processAlive): boolean {
  if (!isAlive(pid)) return false;
  if (startTime === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined || now === startTime;
}
