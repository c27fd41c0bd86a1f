/**
 * The two output streams of a remote command: stdout/stderr tails of bounded size, and the stderr preamble
 * in which exec.ts's wrapper reports the command's PID and sudo asks for its password.
 */
import type { BecomeWrap } from './become.js';

/** Stderr kept while looking for the wrapper's markers; past this the markers are not coming. */
const PREAMBLE_LIMIT = 64 * 1024;

/** What the preamble needs of exec.ts's CommandPlan: the markers to look for. */
export interface PreamblePlan {
  pidTag: string;
  become?: Pick<BecomeWrap, 'promptMarker' | 'successMarker'>;
}

/** Keeps the last `limit` bytes of a stream and counts all of them, so huge output costs bounded memory. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  total = 0;
  truncated = false;
  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (chunk.length >= this.limit) {
      this.truncated ||= chunk.length > this.limit || this.size > 0;
      // Copy so a huge chunk's memory is not kept alive by a small slice of it.
      this.chunks = [Buffer.from(chunk.subarray(chunk.length - this.limit))];
      this.size = this.limit;
      return;
    }
    // A copy: ssh2's chunks are slices of buffers up to twice their size, which a kept slice would pin.
    this.chunks.push(Buffer.from(chunk));
    this.size += chunk.length;
    while (this.size > this.limit) {
      this.truncated = true;
      const first = this.chunks[0]!;
      const excess = this.size - this.limit;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
    }
  }

  text(): string {
    let buffer = Buffer.concat(this.chunks);
    // A cut tail may start inside a UTF-8 sequence: drop the orphaned continuation bytes.
    if (this.truncated) {
      let start = 0;
      while (start < buffer.length && start < 3 && (buffer[start]! & 0xc0) === 0x80) start++;
      buffer = buffer.subarray(start);
    }
    return buffer.toString('utf8');
  }
}

export interface PreambleEvents {
  pid(pid: number): void;
  prompt(): void;
  success(): void;
  output(chunk: Buffer): void;
}

/**
 * Reads stderr until the wrapper's last marker (the PID line, or the become success line), handling sudo's
 * prompts on the way; from then on stderr passes straight through. Anything else before the marker (login
 * shell noise, sudo's messages) is passed on too and, after the PID line, remembered as sudo's output.
 */
export class StderrPreamble {
  private pending: Buffer = Buffer.alloc(0);
  private done = false;
  pidSeen = false;
  successSeen = false;
  prompts = 0;
  sudoOutput = '';

  constructor(
    private readonly plan: PreamblePlan,
    private readonly on: PreambleEvents,
  ) {}

  push(chunk: Buffer): void {
    if (this.done) return this.on.output(chunk);
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const prompt = this.plan.become?.promptMarker;
    while (!this.done) {
      const promptAt = prompt ? this.pending.indexOf(prompt) : -1;
      const newlineAt = this.pending.indexOf(0x0a);
      if (promptAt >= 0 && (newlineAt < 0 || promptAt < newlineAt)) {
        this.text(this.pending.subarray(0, promptAt));
        this.pending = this.pending.subarray(promptAt + prompt!.length);
        this.prompts++;
        this.on.prompt();
        continue;
      }
      if (newlineAt < 0) break;
      const line = this.pending.subarray(0, newlineAt + 1);
      this.pending = this.pending.subarray(newlineAt + 1);
      this.line(line);
    }
    if (this.done || this.pending.length > PREAMBLE_LIMIT) this.flush();
  }

  /** The channel closed: whatever is left is plain output. */
  flush(): void {
    this.done = true;
    if (this.pending.length) this.text(this.pending);
    this.pending = Buffer.alloc(0);
  }

  private line(line: Buffer): void {
    const text = line.toString('latin1').replace(/\r?\n$/, '');
    if (!this.pidSeen && text.startsWith(`${this.plan.pidTag} `)) {
      this.pidSeen = true;
      this.on.pid(Number.parseInt(text.slice(this.plan.pidTag.length + 1), 10));
      if (!this.plan.become) this.done = true;
      return;
    }
    if (this.plan.become && text === this.plan.become.successMarker) {
      this.successSeen = true;
      this.done = true;
      this.on.success();
      return;
    }
    this.text(line);
  }

  private text(bytes: Buffer): void {
    if (!bytes.length) return;
    if (this.pidSeen && !this.successSeen) this.sudoOutput += bytes.toString('utf8');
    this.on.output(bytes);
  }
}
