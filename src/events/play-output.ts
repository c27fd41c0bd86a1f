/**
 * The human renderer for playbook runs, in ansible-playbook's default layout: `PLAY [name] ***`,
 * `TASK [name] ***`, `ok: [h]`, `changed: [h -> d]`, `fatal: [h]: FAILED! => {...}` (stderr tail below it),
 * `skipping: [h]`, `...ignoring`, the "still running on" status line and the PLAY RECAP (recap.ts), then for a
 * run that failed the FAILED section (failure-summary.ts) and the nodes left cordoned (cordon-summary.ts).
 */
import type { HostResult, RunEvent } from './events.js';
import { ANSI, banner, formatRecap, paint } from './recap.js';
import { CordonTracker } from './cordon-summary.js';
import { FailureTracker, formatNodeStatesEvent } from './failure-summary.js';
import { formatStatusLine, formatWarning, StatusLine, type TextOutput } from './tty.js';
import { formatDiff } from './diff-text.js';
import { jsonShowingFloats } from '../util/pyfloat.js';

export interface PlayRendererOptions {
  out: TextOutput;
  color: boolean;
}

function target(event: Extract<RunEvent, { type: 'task.result' }>): string {
  return event.delegatedTo ? `[${event.result.host} -> ${event.delegatedTo}]` : `[${event.result.host}]`;
}

function isUnreachable(result: HostResult): boolean {
  return result.phase !== undefined || (result.data?.['unreachable'] === true);
}

/** The text of one task.result event (without colour), or '' when nothing is shown. */
export function formatTaskResult(event: Extract<RunEvent, { type: 'task.result' }>, color = false): string {
  const { result, item, show } = event;
  const isLoopSummary = item === undefined && Array.isArray(result.data?.['results']);
  const where = target(event);
  const itemText = item !== undefined ? ` => (item=${item})` : '';
  const stderr = typeof show?.['stderr'] === 'string' ? (show['stderr'] as string) : undefined;
  const shown = show ? Object.fromEntries(Object.entries(show).filter(([k]) => k !== 'stderr')) : undefined;
  const compact = shown && Object.keys(shown).length ? jsonShowingFloats(shown) : '{}';
  const tail = stderr ? `${stderr.split('\n').map((l) => `  stderr: ${l}`).join('\n')}\n` : '';
  const failure = (): string => {
    const unreachable = isUnreachable(result);
    const head = item !== undefined ? `failed: ${where} (item=${item})` : `fatal: ${where}: ${unreachable ? 'UNREACHABLE!' : 'FAILED!'}`;
    return `${paint(`${head} => ${compact}`, ANSI.red, color)}\n${tail}`;
  };
  switch (result.status) {
    case 'ok':
    case 'changed': {
      if (isLoopSummary) return '';
      const label = result.status === 'changed' ? 'changed' : 'ok';
      const extra = shown && Object.keys(shown).length ? ` => ${jsonShowingFloats(shown, 4)}` : '';
      return `${paint(`${label}: ${where}${itemText}${extra}`, result.status === 'changed' ? ANSI.yellow : ANSI.green, color)}\n`;
    }
    case 'skipped': {
      if (isLoopSummary && (result.data?.['results'] as unknown[]).length > 0) return '';
      const extra = shown?.['msg'] ? ` => ${jsonShowingFloats(shown)}` : '';
      return `${paint(`skipping: ${where}${itemText}${extra}`, ANSI.cyan, color)}\n`;
    }
    case 'failed':
    case 'unreachable':
    case 'rescued':
      return failure();
    case 'ignored':
      return `${failure()}${paint('...ignoring', ANSI.cyan, color)}\n`;
  }
  return '';
}

/** Before/after of the files a result changed (present only when the module was asked for a diff). */
export function formatResultDiffs(result: HostResult): string {
  const diffs = result.data?.['diff'];
  if (!Array.isArray(diffs)) return '';
  return diffs
    .filter((d): d is { path?: string; before: string; after: string } => typeof d === 'object' && d !== null && typeof d.before === 'string' && typeof d.after === 'string')
    .map((d) => formatDiff(d))
    .join('');
}

export class PlayRenderer {
  private readonly status: StatusLine;
  private readonly cordons = new CordonTracker();
  private readonly failures = new FailureTracker();
  constructor(private readonly options: PlayRendererOptions) {
    this.status = new StatusLine(options.out);
  }

  private write(text: string): void {
    if (!text) return;
    this.status.clear();
    this.options.out.write(text);
  }

  /** Node → why this run left it cordoned; for `nodeStateRows` after the run. */
  cordonNotes(): ReadonlyMap<string, string> {
    return this.cordons.notes();
  }

  /** Nodes a kube_* task reported on: when empty, the run did not touch the cluster's nodes. */
  nodesTouched(): ReadonlySet<string> {
    return this.cordons.nodesTouched();
  }

  handle(event: RunEvent): void {
    const { color } = this.options;
    this.failures.observe(event);
    switch (event.type) {
      case 'batch.start':
        return this.write(`\n${banner(`PLAY [${event.play}]`)}\n`);
      case 'play.start':
        if (event.hosts.length === 0) this.write(`\n${banner(`PLAY [${event.name}]`)}\nskipping: no hosts matched\n`);
        return;
      case 'task.start':
        return this.write(`\n${banner(`TASK [${event.name}]`)}\n`);
      case 'handler.start':
        return this.write(`\n${banner(`RUNNING HANDLER [${event.name}]`)}\n`);
      case 'task.result':
        this.cordons.observe(event.result);
        this.write(formatTaskResult(event, color));
        return this.write(formatResultDiffs(event.result));
      case 'task.retry':
        return this.write(`FAILED - RETRYING: [${event.host}]: ${event.task} (${event.retriesLeft} retries left).\n`);
      case 'play.stop':
        return this.write(`\n${paint(`NO MORE HOSTS LEFT: play "${event.play}" stopped (${event.reason}): ${event.message}`, ANSI.red, color)}\n`);
      case 'warning':
        return this.write(formatWarning(event, color));
      case 'host.output':
        // Live output of a long step that streams it (kubeadm), each line under its host's name.
        return this.write(event.text.replace(/\n$/, '').split('\n').map((line) => `  ${event.host} | ${line}\n`).join(''));
      case 'status':
        if (event.waitingOn.length === 0) return this.status.clear();
        return this.status.show(`[${Math.round(event.elapsedMs / 1000)}s] ${event.task}: ${formatStatusLine(event.waitingOn)}`);
      case 'recap':
        this.write(formatRecap(event.stats, color));
        this.write(this.failures.summary(color));
        return this.write(paint(this.cordons.summary(), ANSI.yellow, color && this.cordons.summary() !== ''));
      case 'run.end':
        return this.status.clear();
      case 'nodes.state':
        return this.write(formatNodeStatesEvent(event, color));
      default:
        return;
    }
  }
}
