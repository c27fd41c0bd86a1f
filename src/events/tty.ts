/**
 * The human renderer: one block per host as it finishes (Ansible's ad hoc layout), a status line naming
 * the hosts still running, warnings, and the PLAY RECAP. On a terminal the status line is one line redrawn
 * in place; elsewhere each status event becomes a plain line (the engine emits them every 10 s there).
 */
import type { HostResult, RunEvent } from './events.js';
import { ANSI, formatRecap, paint } from './recap.js';

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

const CLEAR_LINE = '\r\x1b[2K';

/** "[WARNING]: host: message", as both renderers print a warning event. */
export function formatWarning(event: Extract<RunEvent, { type: 'warning' }>, color: boolean): string {
  return `${paint('[WARNING]:', ANSI.purple, color)} ${event.host ? `${event.host}: ` : ''}${event.message}\n`;
}

/**
 * The "still running" line: on a terminal one line redrawn in place (cut to the width) and cleared before
 * any other output; elsewhere a plain line each time.
 */
export class StatusLine {
  private shown = false;
  constructor(private readonly out: TextOutput) {}

  /** `live` is drawn on a terminal; `plain` (default: the same text) is written as a line elsewhere. */
  show(live: string, plain: string = live): void {
    if (!this.out.isTTY) {
      this.out.write(`${plain}\n`);
      return;
    }
    // A pty without a window size reports 0 columns.
    const width = Math.max(20, (this.out.columns || 80) - 1);
    this.out.write(`${CLEAR_LINE}${live.length > width ? `${live.slice(0, width - 1)}…` : live}`);
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    this.out.write(CLEAR_LINE);
    this.shown = false;
  }
}

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
      return `${paint(`${result.host} | UNREACHABLE! (${result.phase ?? 'connect'})`, ANSI.red, color)} => ${result.msg ?? ''}\n`;
    case 'failed': {
      const why = result.timedOut ? (result.msg ?? 'timed out') : result.signal ? `killed by SIG${result.signal}` : `rc=${result.rc ?? '?'}`;
      const head = paint(`${result.host} | FAILED | ${why} >>`, ANSI.red, color);
      const stderr = result.stderr ? body(tailLines(result.stderr, stderrTailLines)) : '';
      const note = result.rc === undefined && !result.timedOut && result.msg ? `${result.msg}\n` : '';
      return `${head}\n${body(result.stdout)}${stderr}${note}`;
    }
    case 'skipped':
      return `${paint(`${result.host} | SKIPPED`, ANSI.cyan, color)} => ${result.msg ?? ''}\n`;
    default: {
      const label = result.status === 'changed' ? 'CHANGED' : 'SUCCESS';
      const head = paint(`${result.host} | ${label} | rc=${result.rc ?? 0} >>`, result.status === 'changed' ? ANSI.yellow : ANSI.green, color);
      return `${head}\n${body(result.stdout)}${body(result.stderr)}`;
    }
  }
}

export class HumanRenderer {
  private readonly status: StatusLine;
  constructor(private readonly options: HumanRendererOptions) {
    this.status = new StatusLine(options.out);
  }

  handle(event: RunEvent): void {
    const { out } = this.options;
    switch (event.type) {
      case 'host.result':
        if (!this.options.hostBlocks) return;
        this.status.clear();
        out.write(formatHostBlock(event.result, this.options.color, this.options.stderrTailLines));
        return;
      case 'warning':
        this.status.clear();
        out.write(formatWarning(event, this.options.color));
        return;
      case 'status':
        if (event.waitingOn.length === 0) return this.status.clear();
        this.status.show(`[${Math.round(event.elapsedMs / 1000)}s] ${formatStatusLine(event.waitingOn)}`, formatStatusLine(event.waitingOn));
        return;
      case 'recap':
        this.status.clear();
        out.write(formatRecap(event.stats, this.options.color));
        return;
      case 'run.end':
        this.status.clear();
        return;
      default:
        return;
    }
  }
}
