import type { Command } from 'commander';

// Placeholder until the lab commands land; replaced by their owner.
export function register(_program: Command): void {}
