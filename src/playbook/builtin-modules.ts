/**
 * Argument specs of the modules drydock's engine implements: the subset of each Ansible module's documented
 * arguments that we support, with Ansible's names, aliases, choices and defaults. An argument not listed here
 * is rejected at load time rather than silently ignored on a production node.
 */
import { FREE_FORM, ModuleRegistry, type ArgSpec, type ModuleSpec } from './modules.js';

const str: ArgSpec = { type: 'str' };
const path: ArgSpec = { type: 'path' };
const bool: ArgSpec = { type: 'bool' };
const int: ArgSpec = { type: 'int' };
const ownership = { owner: str, group: str, mode: { type: 'raw' } } as const satisfies Record<string, ArgSpec>;

export const BUILTIN_MODULES: readonly ModuleSpec[] = [
  {
    name: 'command',
    freeForm: true,
    args: {
      cmd: str,
      argv: { type: 'list', splitString: false },
      chdir: path,
      creates: path,
      removes: path,
      stdin: str,
      stdin_add_newline: { type: 'bool', default: true },
      strip_empty_ends: { type: 'bool', default: true },
    },
    requiredOneOf: [[FREE_FORM, 'cmd', 'argv']],
    mutuallyExclusive: [[FREE_FORM, 'cmd', 'argv']],
  },
  {
    name: 'shell',
    freeForm: true,
    args: {
      cmd: str,
      chdir: path,
      creates: path,
      removes: path,
      executable: path,
      stdin: str,
      stdin_add_newline: { type: 'bool', default: true },
    },
    requiredOneOf: [[FREE_FORM, 'cmd']],
    mutuallyExclusive: [[FREE_FORM, 'cmd']],
  },
  {
    name: 'apt',
    args: {
      name: { type: 'list', aliases: ['package', 'pkg'] },
      state: { type: 'str', choices: ['absent', 'latest', 'present'], default: 'present' },
      update_cache: { type: 'bool', aliases: ['update-cache'], default: false },
      cache_valid_time: { type: 'int', default: 0 },
      allow_downgrade: { type: 'bool', aliases: ['allow-downgrade', 'allow_downgrades', 'allow-downgrades'], default: false },
      allow_change_held_packages: { type: 'bool', default: false },
      install_recommends: { type: 'bool', aliases: ['install-recommends'] },
      purge: { type: 'bool', default: false },
      autoremove: { type: 'bool', default: false },
      lock_timeout: { type: 'int', default: 60 },
    },
    requiredOneOf: [['name', 'update_cache', 'autoremove']],
  },
  {
    name: 'service',
    args: {
      name: { type: 'str', required: true },
      state: { type: 'str', choices: ['reloaded', 'restarted', 'started', 'stopped'] },
      enabled: bool,
    },
    requiredOneOf: [['state', 'enabled']],
  },
  {
    name: 'systemd',
    aliases: ['systemd_service'],
    args: {
      name: { type: 'str', aliases: ['service', 'unit'] },
      state: { type: 'str', choices: ['reloaded', 'restarted', 'started', 'stopped'] },
      enabled: bool,
      masked: bool,
      daemon_reload: { type: 'bool', aliases: ['daemon-reload'], default: false },
      daemon_reexec: { type: 'bool', aliases: ['daemon-reexec'], default: false },
      scope: { type: 'str', choices: ['system', 'user', 'global'], default: 'system' },
      no_block: { type: 'bool', default: false },
    },
    requiredOneOf: [['state', 'enabled', 'masked', 'daemon_reload', 'daemon_reexec']],
    requiredIf: [
      ['state', 'started', ['name']],
      ['state', 'stopped', ['name']],
      ['state', 'restarted', ['name']],
      ['state', 'reloaded', ['name']],
    ],
  },
  {
    name: 'copy',
    args: {
      src: path,
      content: { type: 'str' },
      dest: { type: 'path', required: true },
      ...ownership,
      backup: { type: 'bool', default: false },
      force: { type: 'bool', aliases: ['thirsty'], default: true },
      remote_src: { type: 'bool', default: false },
      validate: str,
      directory_mode: { type: 'raw' },
    },
    mutuallyExclusive: [['src', 'content']],
    requiredOneOf: [['src', 'content']],
  },
  {
    name: 'fetch',
    args: {
      src: { type: 'str', required: true },
      dest: { type: 'str', required: true },
      flat: { type: 'bool', default: false },
      fail_on_missing: { type: 'bool', default: true },
      validate_checksum: { type: 'bool', default: true },
    },
  },
  {
    name: 'file',
    args: {
      path: { type: 'path', required: true, aliases: ['dest', 'name'] },
      state: { type: 'str', choices: ['absent', 'directory', 'file', 'hard', 'link', 'touch'] },
      src: path,
      ...ownership,
      recurse: { type: 'bool', default: false },
      force: { type: 'bool', default: false },
      follow: { type: 'bool', default: true },
    },
    requiredIf: [
      ['state', 'link', ['src']],
      ['state', 'hard', ['src']],
    ],
  },
  {
    name: 'lineinfile',
    args: {
      path: { type: 'path', required: true, aliases: ['dest', 'destfile', 'name'] },
      regexp: { type: 'str', aliases: ['regex'] },
      search_string: str,
      state: { type: 'str', choices: ['absent', 'present'], default: 'present' },
      line: { type: 'str', aliases: ['value'] },
      backrefs: { type: 'bool', default: false },
      insertafter: str,
      insertbefore: str,
      create: { type: 'bool', default: false },
      backup: { type: 'bool', default: false },
      firstmatch: { type: 'bool', default: false },
      validate: str,
      ...ownership,
    },
    mutuallyExclusive: [
      ['insertbefore', 'insertafter'],
      ['regexp', 'search_string'],
      ['backrefs', 'search_string'],
    ],
    requiredIf: [
      ['backrefs', true, ['regexp']],
      ['state', 'present', ['line']],
    ],
  },
  {
    name: 'wait_for',
    args: {
      host: { type: 'str', default: '127.0.0.1' },
      port: int,
      path: path,
      state: { type: 'str', choices: ['absent', 'drained', 'present', 'started', 'stopped'], default: 'started' },
      timeout: { type: 'int', default: 300 },
      delay: { type: 'int', default: 0 },
      sleep: { type: 'int', default: 1 },
      connect_timeout: { type: 'int', default: 5 },
      search_regex: str,
      msg: str,
    },
    mutuallyExclusive: [['port', 'path']],
  },
  {
    name: 'reboot',
    args: {
      reboot_timeout: { type: 'int', default: 600 },
      connect_timeout: int,
      pre_reboot_delay: { type: 'int', default: 0 },
      post_reboot_delay: { type: 'int', default: 0 },
      test_command: { type: 'str', default: 'whoami' },
      msg: { type: 'str', default: 'Reboot initiated by drydock' },
      reboot_command: str,
      boot_time_command: { type: 'str', default: 'cat /proc/sys/kernel/random/boot_id' },
    },
  },
  {
    name: 'assert',
    args: {
      that: { type: 'list', required: true, splitString: false },
      fail_msg: { type: 'raw', aliases: ['msg'] },
      success_msg: { type: 'raw' },
      quiet: { type: 'bool', default: false },
    },
  },
  {
    name: 'fail',
    args: { msg: { type: 'raw', default: 'Failed as requested from task' } },
  },
  {
    name: 'debug',
    args: {
      msg: { type: 'raw' },
      var: str,
      verbosity: { type: 'int', default: 0 },
    },
    mutuallyExclusive: [['msg', 'var']],
  },
  {
    name: 'set_fact',
    freeKeys: true,
    args: { cacheable: { type: 'bool', default: false } },
  },
  {
    name: 'pause',
    args: {
      minutes: int,
      seconds: int,
      prompt: str,
      echo: { type: 'bool', default: true },
    },
    mutuallyExclusive: [['minutes', 'seconds']],
  },
  {
    name: 'meta',
    freeForm: true,
    freeFormChoices: ['flush_handlers', 'noop', 'clear_host_errors', 'end_batch', 'end_host', 'end_play'],
    args: {},
    requiredOneOf: [[FREE_FORM]],
  },
];

/** A registry holding the built-in module specs; later modules register their own specs on top. */
export function builtinModuleRegistry(): ModuleRegistry {
  const registry = new ModuleRegistry();
  for (const spec of BUILTIN_MODULES) registry.register(spec);
  return registry;
}
