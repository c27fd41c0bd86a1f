/**
 * `drydock play` options as the command-function tests call it: two hosts named on the command line
 * (`alpha,beta,`), five forks, no prompts, no retry files, everything else off. Tests override what they need.
 */
import type { PlayOptions } from '../../src/cli/play-run.js';

export function playOptions(extra: Partial<PlayOptions> = {}): PlayOptions {
  return {
    inventory: ['alpha,beta,'],
    forks: 5,
    extraVars: {},
    become: false,
    json: false,
    check: false,
    diff: false,
    tags: [],
    skipTags: [],
    listHosts: false,
    listTasks: false,
    syntaxCheck: false,
    yes: true,
    retryFiles: false,
    countUnreachableInMaxFail: true,
    ...extra,
  };
}

/** Streams for a command function that keep what it writes (out.stdout, out.stderr). */
export function captureStreams() {
  const out = { stdout: '', stderr: '' };
  return { out, streams: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } } };
}
