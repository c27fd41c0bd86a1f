/**
 * The human renderer: one block per host as it finishes (Ansible's ad hoc layout), a status line naming
 * the hosts still running, warnings, and the PLAY RECAP. On a terminal the status line is one line redrawn
 * in place; elsewhere each status event becomes a plain line (the engine emits them every 10 s there).
 */
import type { HostResult, RunEvent } from './events.js';
import { formatRecap, paint } from './recap.js';

export interface TextOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface HumanRendererOptions {
  out: TextOutput;
  color: boolean;
  /** False with --json: per-host blocks go to stdout as JSON instead; status and recap stay human. */
  hostBlocks: boolean;
  /** Lines of stderr shown for a failed host (the JSON log keeps everything). */
  stderrTailLines?: number;
}

const GREEN = '\x1b[0;32m';
const YELLOW = '\x1b[0;33m';
const RED = '\x1b[0;31m';
const CLEAR_LINE = '\r\x1b[2K';

/** "still running on: a, b, c (+4 more)". */
export function formatStatusLine(waitingOn: readonly string[], maxNames = 5): string {
  const shown = waitingOn.slice(0, maxNames).join(', ');
  const more = waitingOn.length > maxNames ? ` (+${waitingOn.length - maxNames} more)` : '';
  return `still running on: ${shown}${more}`;
}

/** The last `lines` lines of a text, without a trailing newline. */
export function tailLines(text: string, lines: number): string {
  const all = text.replace(/\n+$/, '').split('\n');
  return all.slice(-lines).join('\n');
}

/** Ansible's ad hoc result block: "web1 | CHANGED | rc=0 >>" then the output. */
export function formatHostBlock(result: HostResult, color = false, stderrTailLines = 20): string {
  const body = (text: string | undefined): string => (text ? `${text.replace(/\n+$/, '')}\n` : '');
  switch (result.status) {
    case 'unreachable':
      return `${paint(`${result.host} | UNREACHABLE! (${result.phase ?? 'connect'})`, RED, color)} => ${result.msg ?? ''}\n`;
    case 'failed': {
      const why = result.timedOut ? (result.msg ?? 'timed out') : result.signal ? `killed by SIG${result.signal}` : `rc=${result.rc ?? '?'}`;
      const head = paint(`${result.host} | FAILED | ${why} >>`, RED, color);
      const stderr = result.stderr ? body(tailLines(result.stderr, stderrTailLines)) : '';
      const note = result.rc === undefined && !result.timedOut && result.msg ? `${result.msg}\n` : '';
      return `${head}\n${body(result.stdout)}${stderr}${note}`;
    }
    case 'skipped':
      return `${paint(`${result.host} | SKIPPED`, '\x1b[0;36m', color)} => ${result.msg ?? ''}\n`;
    default: {
      const label = result.status === 'changed' ? 'CHANGED' : 'SUCCESS';
      const head = paint(`${result.host} | ${label} | rc=${result.rc ?? 0} >>`, result.status === 'changed' ? YELLOW : GREEN, color);
      return `${head}\n${body(result.stdout)}${body(result.stderr)}`;
    }
  }
}

export class HumanRenderer {
  private statusShown = false;
  constructor(private readonly options: HumanRendererOptions) {}

  handle(event: RunEvent): void {
    const { out } = this.options;
    switch (event.type) {
      case 'host.result':
        if (!this.options.hostBlocks) return;
        this.clearStatus();
        out.write(formatHostBlock(event.result, this.options.color, this.options.stderrTailLines));
        return;
      case 'warning':
        this.clearStatus();
        out.write(`${paint('[WARNING]:', '\x1b[1;35m', this.options.color)} ${event.host ? `${event.host}: ` : ''}${event.message}\n`);
        return;
      case 'status':
        this.showStatus(event.waitingOn, event.elapsedMs);
        return;
      case 'recap':
        this.clearStatus();
        out.write(formatRecap(event.stats, this.options.color));
        return;
      case 'run.end':
        this.clearStatus();
        return;
      default:
        return;
    }
  }

  private showStatus(waitingOn: string[], elapsedMs: number): void {
    const { out } = this.options;
    if (waitingOn.length === 0) return this.clearStatus();
    if (!out.isTTY) {
      out.write(`${formatStatusLine(waitingOn)}\n`);
      return;
    }
    const line = `[${Math.round(elapsedMs / 1000)}s] ${formatStatusLine(waitingOn)}`;
    // A pty without a window size reports 0 columns.
    const width = Math.max(20, (out.columns || 80) - 1);
    out.write(`${CLEAR_LINE}${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    this.statusShown = true;
  }

  private clearStatus(): void {
    if (!this.statusShown) return;
    this.options.out.write(CLEAR_LINE);
    this.statusShown = false;
  }
}
