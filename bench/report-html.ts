/**
 * The HTML run report at scale (issue 16: "500 hosts × 40 tasks opens in a browser in under 2 s"): a
 * 500-host × 40-task journal written through the real Journal writer (bench/report-journal.ts), rendered by the
 * real `drydock report RUN_ID -o FILE` (bin/drydock.js, as a user runs it), then opened from file:// in Debian's
 * Chromium (test/helpers/browser.ts) and timed to the report's ready signal: `data-ready` on <body>, set by
 * the renderer once the timeline and the table are drawn. The time is the page's own (performance.now() at the
 * moment the attribute appears, from the start of the navigation), so the browser's start-up is not in it.
 * Five openings, each in a new page; the median is shown. Also: the journal and HTML sizes and the render time.
 *
 *   node --import tsx bench/report-html.ts [--hosts 500] [--tasks 40] [--runs 5] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchBrowser } from '../test/helpers/browser.js';
import { median } from './measure.js';
import { writeSyntheticRun } from './report-journal.js';

const REPO = resolve(import.meta.dirname, '..');
const TARGET_MS = 2000;
const READY_TIMEOUT_MS = 60_000;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

/** Written before any of the page's scripts: notes the moment <body data-ready> appears. */
const READY_PROBE = `
  new MutationObserver((changes, observer) => {
    if (document.body && document.body.hasAttribute('data-ready')) {
      window.__drydockReadyAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { attributes: true, attributeFilter: ['data-ready'], subtree: true });
`;

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<number> {
  const hosts = option('hosts', 500);
  const tasks = option('tasks', 40);
  const runs = option('runs', 5);
  const work = mkdtempSync(join(tmpdir(), 'drydock-bench-report-'));
  try {
    const written = Date.now();
    const run = writeSyntheticRun({ stateDir: work, hosts, tasks });
    console.log(`journal: ${hosts} hosts × ${tasks} tasks, ${run.lines} lines, ${mb(statSync(run.path).size)}, written in ${Date.now() - written} ms`);

    const html = join(work, 'report.html');
    const renders: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      const rendered = spawnSync(process.execPath, ['bin/drydock.js', 'report', run.runId, '-o', html], {
        cwd: REPO,
        env: { ...process.env, DRYDOCK_STATE_DIR: work, NO_COLOR: '1' },
        encoding: 'utf8',
      });
      renders.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (rendered.status !== 0) {
        console.error(`drydock report failed (exit ${rendered.status}):\n${rendered.stdout}${rendered.stderr}`);
        return 1;
      }
    }
    const size = statSync(html).size;
    console.log(`render: drydock report ${run.runId} -o report.html: median ${median(renders).toFixed(0)} ms (${renders.map((ms) => ms.toFixed(0)).join(', ')}); HTML ${mb(size)}`);

    const browser = await launchBrowser({ viewport: { width: 1440, height: 900 } });
    const ready: number[] = [];
    const walls: number[] = [];
    try {
      await browser.context.addInitScript({ content: READY_PROBE });
      for (let i = 0; i < runs; i++) {
        const page = await browser.context.newPage();
        const started = process.hrtime.bigint();
        await page.goto(`file://${html}`, { waitUntil: 'commit' });
        // Functions, not strings: the report's Content-Security-Policy forbids eval.
        await page.waitForFunction(() => (globalThis as { __drydockReadyAt?: number }).__drydockReadyAt !== undefined, null, { timeout: READY_TIMEOUT_MS, polling: 20 });
        walls.push(Number(process.hrtime.bigint() - started) / 1e6);
        ready.push(Number(await page.evaluate(() => (globalThis as { __drydockReadyAt?: number }).__drydockReadyAt)));
        // A ready page that drew nothing would time nothing: the lanes in view and their bars are there.
        const drawn = { lanes: await page.locator('[data-lane]').count(), bars: await page.locator('[data-bar]').count(), cells: await page.locator('[data-cell]').count() };
        if (drawn.lanes === 0 || drawn.bars === 0 || drawn.cells === 0) throw new Error(`the report said ready with nothing drawn: ${JSON.stringify(drawn)}`);
        if (i === 0) {
          console.log(`drawn at ready: ${drawn.lanes} lanes (those in view), ${drawn.bars} bars, ${drawn.cells} table cells`);
          if (process.argv.includes('--keep')) await page.screenshot({ path: join(work, 'report.png') });
        }
        await page.close();
      }
    } finally {
      await browser.close();
    }
    if (browser.refused.length > 0) {
      console.error(`the report asked the network for: ${browser.refused.join(', ')}`);
      return 1;
    }
    const verdict = median(ready) < TARGET_MS ? 'under' : 'OVER';
    console.log(
      `open in Chromium to data-ready: median ${median(ready).toFixed(0)} ms (${ready.map((ms) => ms.toFixed(0)).join(', ')}), ` +
        `${verdict} the ${TARGET_MS} ms target; seen from the test's side ${median(walls).toFixed(0)} ms`,
    );
    console.log(`\n| hosts × tasks | journal | HTML | render (median) | open to ready (median of ${runs}) |`);
    console.log(`| ${hosts} × ${tasks} | ${mb(statSync(run.path).size)} | ${mb(size)} | ${median(renders).toFixed(0)} ms | ${median(ready).toFixed(0)} ms |`);
    if (process.argv.includes('--keep')) console.log(`kept: ${html}`);
    return 0;
  } finally {
    if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
