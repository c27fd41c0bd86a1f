/**
 * drydock's exit codes, written once. They follow Ansible where it has one: 0 ok, 1 error, 2 failed hosts (also a
 * play stopped early, as ansible-playbook), 4 unreachable hosts (wins over 2); then 64 usage, 75 temporary
 * failure (the maintenance window closed), 74 the run journal could not be written (EX_IOERR: the run stopped),
 * 128 + the signal for a run stopped by one (130 Ctrl-C, 129 SIGHUP, 143 SIGTERM), 255 a bug in drydock. A lock
 * held by another run is a refusal: 1. Outcomes carry them; only cli/main.ts hands one to the process.
 */
export const EXIT = {
  OK: 0,
  ERROR: 1,
  FAILED_HOSTS: 2,
  UNREACHABLE_HOSTS: 4,
  USAGE: 64,
  JOURNAL: 74,
  TEMPFAIL: 75,
  INTERRUPTED: 130,
  HANGUP: 129,
  TERMINATED: 143,
  INTERNAL: 255,
} as const;
