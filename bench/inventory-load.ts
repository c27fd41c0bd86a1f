/**
 * `npm run bench` (also alone: `node --import tsx bench/inventory-load.ts`): how long drydock takes to load
 * large inventories in-process, the cost every command pays before contacting a host. Cases: one range line
 * `w[000001:100000]` (100,000 hosts) in YAML and INI, and an 80,000-line INI of one group with inline vars
 * (the shape that took 83 s when membership was checked with Array.includes). Target (docs/benchmarks.md): under 2 s each. Exits non-zero only when a load
 * is broken (wrong host count), never for speed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventory } from '../src/inventory/index.js';
import { median } from './measure.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);

interface Case {
  name: string;
  file: string;
  text: string;
  hosts: number;
}

function cases(dir: string): Case[] {
  const ini80k: string[] = ['[workers:vars]', 'ansible_user=ops', '[workers]'];
  for (let i = 0; ini80k.length < 80_000; i++) ini80k.push(`node-${i} ansible_host=10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
  const lineCount = ini80k.length;
  return [
    { name: 'YAML range w[000001:100000]', file: join(dir, 'range.yaml'), text: 'all:\n  children:\n    workers:\n      hosts:\n        w[000001:100000]:\n', hosts: 100_000 },
    { name: 'INI range w[000001:100000]', file: join(dir, 'range.ini'), text: '[workers]\nw[000001:100000]\n', hosts: 100_000 },
    { name: `INI of ${lineCount.toLocaleString('en-US')} lines`, file: join(dir, 'big.ini'), text: ini80k.join('\n') + '\n', hosts: 80_000 - 3 },
  ];
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-inventory-'));
  let broken = 0;
  try {
    console.log(`inventory load, in-process, median of ${RUNS} runs`);
    console.log('| inventory | hosts | load (s) |');
    console.log('|---|---|---|');
    for (const c of cases(dir)) {
      writeFileSync(c.file, c.text);
      const samples: number[] = [];
      let count = 0;
      for (let r = 0; r < RUNS; r++) {
        const started = process.hrtime.bigint();
        const inv = await loadInventory([c.file]);
        samples.push(Number(process.hrtime.bigint() - started) / 1e9);
        count = inv.hosts.size;
      }
      if (count !== c.hosts) {
        broken++;
        console.log(`| ${c.name} | BROKEN: ${count} hosts, expected ${c.hosts} | |`);
      } else {
        console.log(`| ${c.name} | ${count.toLocaleString('en-US')} | ${median(samples).toFixed(2)} |`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return broken === 0 ? 0 : 1;
}

process.exitCode = await main();
