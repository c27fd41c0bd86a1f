/**
 * drydock's exit codes, written once. They follow Ansible where it has one: 0 ok, 1 error, 2 failed hosts (also a
 * play stopped early, as ansible-playbook), 4 unreachable hosts (wins over 2); then 64 usage, 75 temporary
 * failure (the cluster lock is held), 74 the run journal could not be written (EX_IOERR: the run stopped), 130 interrupted (Ctrl-C), 255 a bug in drydock. Outcomes carry them;
 * only cli/main.ts hands one to the process.
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
  INTERNAL: 255,
} as const;
