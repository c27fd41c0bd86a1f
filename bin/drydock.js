#!/usr/bin/env node
// Starts drydock from dist/ (plain JavaScript, fast to start) when it was built after the last change to
// src/, and otherwise straight from the TypeScript sources through tsx, so a clone always runs what it holds.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt() {
  try {
    return statSync(join(repo, 'dist', '.built')).mtimeMs;
  } catch {
    return -1;
  }
}

if (builtAt() >= newestMtime(join(repo, 'src'))) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
