/**
 * The Ansible compatibility suite's common ground: what a playbook run did, in a shape both ansible-playbook's
 * JSON callback (`ansible.posix.json`) and drydock's `--report` reduce to, so the two can be compared task by
 * task and host by host.
 *
 * A run is the list of task executions in the order they ran (a serial play lists its tasks once per batch),
 * each with every host's status and, for `debug`, the value it printed; then each host's recap counters and
 * the exit code. Statuses are Ansible's: a failure that `ignore_errors` ignored is `failed` on the task (the
 * recap's `ignored` counter tells them apart), and so is a failure a `rescue` section caught.
 */

export type CompatStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export interface CompatHost {
  status: CompatStatus;
  /** What `debug` printed: `msg`, or the value of `var` under its name. */
  shown?: unknown;
  /** A loop's items, in order. */
  items?: CompatHost[];
}

export interface CompatTask {
  /** The task's own name; absent for an unnamed task (Ansible and drydock name those differently). */
  name?: string;
  hosts: Record<string, CompatHost>;
}

export interface CompatRecap {
  ok: number;
  changed: number;
  failures: number;
  skipped: number;
  unreachable: number;
  ignored: number;
  rescued: number;
}

export interface CompatRun {
  exitCode: number;
  tasks: CompatTask[];
  recap: Record<string, CompatRecap>;
}

type Json = Record<string, unknown>;

/** Whether a task's shown name is only its module's (an unnamed task), short or fully qualified. */
function isActionName(name: string, action: string): boolean {
  const short = (s: string): string => s.slice(s.lastIndexOf('.') + 1);
  return name === '' || short(name) === short(action);
}

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The status Ansible's callback would show for one host's result. */
function ansibleStatus(result: Json): CompatStatus {
  if (result['unreachable'] === true) return 'unreachable';
  if (result['failed'] === true) return 'failed';
  if (result['skipped'] === true) return 'skipped';
  return result['changed'] === true ? 'changed' : 'ok';
}

/** What a debug result printed: `msg`, or the one key `var` named (neither when skipped or failed). */
function debugShown(result: Json, varName: string | undefined): unknown {
  if (varName !== undefined) return result[varName];
  return result['msg'];
}

const RESULT_KEYS = ['action', 'changed', 'msg', 'failed', 'item', 'ansible_loop_var', 'ansible_loop', 'ansible_index_var', 'results', 'skipped', 'skip_reason', 'false_condition'];

function ansibleHost(raw: Json, debug: boolean): CompatHost {
  const status = ansibleStatus(raw);
  const out: CompatHost = { status };
  if (Array.isArray(raw['results'])) {
    out.items = (raw['results'] as Json[]).map((r) => ansibleHost(r, debug));
  } else if (debug && (status === 'ok' || status === 'changed')) {
    const keys = Object.keys(raw).filter((k) => !k.startsWith('_ansible') && !RESULT_KEYS.includes(k) && k !== raw['ansible_index_var']);
    out.shown = debugShown(raw, raw['msg'] === undefined ? keys[0] : undefined);
  }
  return out;
}

/**
 * Reduces the JSON that `ansible-playbook` prints with `ANSIBLE_STDOUT_CALLBACK=ansible.posix.json`.
 * `unnamed` holds the names Ansible gives tasks without one (the action's name), so they are left out.
 */
export function fromAnsibleJson(doc: unknown, exitCode: number): CompatRun {
  if (!isRecord(doc) || !Array.isArray(doc['plays'])) throw new Error('not the ansible.posix.json callback output');
  const tasks: CompatTask[] = [];
  for (const play of doc['plays'] as Json[]) {
    for (const entry of (play['tasks'] ?? []) as Json[]) {
      const task = entry['task'] as Json;
      const hosts: Record<string, CompatHost> = {};
      for (const [host, raw] of Object.entries((entry['hosts'] ?? {}) as Record<string, Json>)) {
        hosts[host] = ansibleHost(raw, typeof raw['action'] === 'string' && isActionName('debug', raw['action']));
      }
      const name = typeof task['name'] === 'string' ? task['name'] : '';
      const action = Object.values((entry['hosts'] ?? {}) as Record<string, Json>)[0]?.['action'];
      // A meta task (flush_handlers, end_host...) has no host results: it is not a task run.
      if (Object.keys(hosts).length === 0) continue;
      tasks.push(isActionName(name, typeof action === 'string' ? action : '') ? { hosts } : { name, hosts });
    }
  }
  const recap: Record<string, CompatRecap> = {};
  for (const [host, s] of Object.entries((doc['stats'] ?? {}) as Record<string, Json>)) {
    recap[host] = {
      ok: Number(s['ok'] ?? 0),
      changed: Number(s['changed'] ?? 0),
      failures: Number(s['failures'] ?? 0),
      skipped: Number(s['skipped'] ?? 0),
      unreachable: Number(s['unreachable'] ?? 0),
      ignored: Number(s['ignored'] ?? 0),
      rescued: Number(s['rescued'] ?? 0),
    };
  }
  return { exitCode, tasks, recap };
}

interface DrydockResult {
  host: string;
  status: string;
  msg?: string;
  data?: Json;
}

interface DrydockTask {
  task: string;
  module: string;
  handler: boolean;
  batch: number;
  results: DrydockResult[];
}

function drydockStatus(status: string): CompatStatus {
  if (status === 'ignored' || status === 'rescued') return 'failed';
  return status as CompatStatus;
}

/**
 * Reduces drydock's `--report FILE` JSON. An unnamed task (drydock names it after its module as written) is
 * left without a name, as `fromAnsibleJson` leaves Ansible's.
 */
export function fromDrydockReport(doc: unknown, exitCode: number): CompatRun {
  if (!isRecord(doc) || !Array.isArray(doc['plays'])) throw new Error('not a drydock --report file');
  const tasks: CompatTask[] = [];
  for (const play of doc['plays'] as Json[]) {
    for (const task of (play['tasks'] ?? []) as DrydockTask[]) {
      const hosts: Record<string, CompatHost> = {};
      for (const r of task.results) {
        const item: CompatHost = { status: drydockStatus(r.status) };
        const data = r.data ?? {};
        if (Array.isArray(data['results'])) {
          item.items = (data['results'] as Json[]).map((x) => drydockItem(x, task.module === 'debug'));
        } else if (task.module === 'debug' && (item.status === 'ok' || item.status === 'changed')) {
          const keys = Object.keys(data).filter((k) => !RESULT_KEYS.includes(k));
          if (r.msg !== undefined) item.shown = parseShown(r.msg);
          else if (keys.length > 0) item.shown = data[keys[0]!];
        }
        hosts[r.host] = item;
      }
      tasks.push(isActionName(task.task, task.module) ? { hosts } : { name: task.task, hosts });
    }
  }
  const recap: Record<string, CompatRecap> = {};
  for (const [host, s] of Object.entries((doc['stats'] ?? {}) as Record<string, Record<string, number>>)) {
    // drydock's counters are Ansible's, named by status; `failed` is Ansible's `failures`.
    recap[host] = {
      ok: s['ok'] ?? 0,
      changed: s['changed'] ?? 0,
      failures: s['failed'] ?? 0,
      skipped: s['skipped'] ?? 0,
      unreachable: s['unreachable'] ?? 0,
      ignored: s['ignored'] ?? 0,
      rescued: s['rescued'] ?? 0,
    };
  }
  return { exitCode, tasks, recap };
}

/** One item of a drydock loop result (registered form, as Ansible's `results`). */
function drydockItem(raw: Json, debug: boolean): CompatHost {
  const out: CompatHost = { status: ansibleStatus(raw) };
  if (debug && (out.status === 'ok' || out.status === 'changed')) {
    const keys = Object.keys(raw).filter((k) => !k.startsWith('_ansible') && !RESULT_KEYS.includes(k) && k !== raw['ansible_index_var']);
    out.shown = debugShown(raw, raw['msg'] === undefined ? keys[0] : undefined);
  }
  return out;
}

/** A debug msg reaches the report as text; a boolean, list or map was written as JSON. */
function parseShown(msg: string): unknown {
  if (msg === 'true' || msg === 'false') return msg === 'true';
  if (!/^[[{]/.test(msg)) return msg;
  try {
    return JSON.parse(msg) as unknown;
  } catch {
    return msg;
  }
}
