/**
 * Names the expression engine knows but refuses on purpose (with the reason shown at load time), and the
 * lookups it runs. Kept apart from the filter tables so the load-time check can name them without running them.
 */

/** Filters of Ansible's docs that drydock refuses, each with the reason. */
export const REFUSED_FILTERS: Record<string, string> = {
  password_hash: 'crypt hashes need the target-independent passlib/crypt schemes drydock does not ship; hash the password beforehand and pass the hash as a variable',
  random: 'a random value differs on every run and on a resumed run; pick the value beforehand and pass it as a variable',
  shuffle: 'a random order differs on every run and on a resumed run; sort the list or pass the order as a variable',
  win_basename: 'Windows paths are not supported (drydock manages Linux hosts)',
  win_dirname: 'Windows paths are not supported (drydock manages Linux hosts)',
  win_splitdrive: 'Windows paths are not supported (drydock manages Linux hosts)',
  vault: 'Ansible Vault is not supported',
  unvault: 'Ansible Vault is not supported',
};

/** The lookup plugins lookup()/query()/q() and with_<lookup> loops can use. */
export const LOOKUP_NAMES: string[] = [];
