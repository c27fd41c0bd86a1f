/**
 * The HTML run report as a person sees it: reports of real runs (`drydock play` on the loopback fleet, a rolling
 * drain against the API simulator), written by `drydock report RUN_ID -o FILE`, opened from file:// in Debian's
 * Chromium. One lane per host, bars coloured by result (read off the screenshot's pixels), the batches as bands,
 * a drain's label naming the budget that held it, the failed host, a table cell's click showing the output tail,
 * a screenshot, and no request that leaves the file. The hooks the test finds things by are listed at the top of
 * src/report/html.ts.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startApiServer, type ApiServer } from '../../src/lab/apiserver/index.js';
import { STATUS_COLOURS } from '../../src/report/style.js';
import { launchBrowser, pngSize, type Page, type TestBrowser } from '../helpers/browser.js';
import { startFleet, type Fleet } from '../helpers/fleet.js';
import { drainPlaybook, playRun, rollingPlaybook, writeReport } from '../helpers/report-runs.js';

const REPO = resolve(import.meta.dirname, '../..');
const VIEWPORT = { width: 1280, height: 800 };

type Rgb = [number, number, number];
const rgb = (hex: string): Rgb => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
const near = (a: Rgb, b: Rgb): boolean => a.every((v, i) => Math.abs(v - b[i]!) <= 8);

/** What each host's bars must say, task by task, for the rolling play (rollingPlaybook). */
function expectedBars(hosts: string[]): Record<string, Record<string, string>> {
  const [first, second, third, fourth] = hosts;
  return {
    [first!]: { 'apply config': 'changed', 'only on the first host': 'changed', 'check disk': 'ok', report: 'changed' },
    [second!]: { 'apply config': 'changed', 'only on the first host': 'skipped', 'check disk': 'ok', report: 'changed' },
    [third!]: { 'apply config': 'changed', 'only on the first host': 'skipped', 'check disk': 'failed' },
    [fourth!]: { 'apply config': 'changed', 'only on the first host': 'skipped', 'check disk': 'ok', report: 'changed' },
  };
}

async function attributes(page: Page, selector: string, names: string[]): Promise<Array<Record<string, string | null>>> {
  const found = page.locator(selector);
  const rows: Array<Record<string, string | null>> = [];
  for (let i = 0; i < (await found.count()); i++) {
    const row: Record<string, string | null> = {};
    for (const name of names) row[name] = await found.nth(i).getAttribute(name);
    rows.push(row);
  }
  return rows;
}

describe('the HTML run report in Chromium', function () {
  this.timeout(120_000);
  let dir: string;
  let fleet: Fleet;
  let drainFleet: Fleet;
  let server: ApiServer;
  let browser: TestBrowser;
  let rollingReport: string;
  let drainReport: string;
  let failedHost: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-report-browser-'));
    [fleet, drainFleet, server, browser] = await Promise.all([
      startFleet({ hosts: 4, firstAddress: '127.0.58.1' }),
      startFleet({ hosts: 2, firstAddress: '127.0.58.11' }),
      startApiServer({ seed: join(REPO, 'test/fixtures/apiserver/drain-reschedule.yaml'), replaceDelayMs: 300, podStartDelayMs: 200, podShutdownMs: 300 }),
      launchBrowser({ viewport: VIEWPORT }),
    ]);
    // The two runs side by side (the drains wait on the budget most of their time), each on its own fleet.
    const rolling = rollingPlaybook(dir, fleet);
    failedHost = rolling.failedHost;
    const drain = drainPlaybook(dir, drainFleet);
    const [played, drained] = await Promise.all([
      playRun([rolling.file, '-i', fleet.inventoryFile], join(dir, 'state-rolling')),
      playRun([drain.file, '-i', drainFleet.inventoryFile, '-i', drain.inventory, '--kubeconfig', server.kubeconfigPath], join(dir, 'state-drain'), { KUBECONFIG: '' }),
    ]);
    expect(played.result.code, played.result.stdout + played.result.stderr).to.equal(2);
    expect(drained.result.code, drained.result.stdout + drained.result.stderr).to.equal(0);
    rollingReport = join(dir, 'rolling.html');
    drainReport = join(dir, 'drain.html');
    await Promise.all([writeReport(played, rollingReport), writeReport(drained, drainReport)]);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await fleet?.stop();
    await drainFleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(file: string): Promise<Page> {
    const page = await browser.open(file);
    await page.waitForSelector('body[data-ready]', { state: 'attached', timeout: 10_000 });
    return page;
  }

  it('draws one lane per host and each task as a bar whose colour on screen is its result', async () => {
    const page = await open(rollingReport);
    const hosts = fleet.hosts.map((h) => h.name);
    const lanes = await attributes(page, '[data-lane]', ['data-host']);
    expect(lanes.map((l) => l['data-host'])).to.deep.equal(hosts);
    const bars = await attributes(page, '[data-bar]', ['data-host', 'data-task', 'data-status']);
    const seen: Record<string, Record<string, string>> = {};
    for (const bar of bars) (seen[bar['data-host']!] ??= {})[bar['data-task']!] = bar['data-status']!;
    expect(seen).to.deep.equal(expectedBars(hosts));

    // Every bar is painted, inside its own host's lane, in its result's colour (the legend's).
    await page.locator('[data-section=timeline]').scrollIntoViewIfNeeded();
    const shot = await page.screenshot();
    const points: Array<{ x: number; y: number }> = [];
    const wanted: Rgb[] = [];
    for (const host of hosts) {
      const lane = (await page.locator(`[data-lane][data-host="${host}"]`).boundingBox())!;
      for (const [task, status] of Object.entries(expectedBars(hosts)[host]!)) {
        const box = (await page.locator(`[data-bar][data-host="${host}"][data-task="${task}"]`).boundingBox())!;
        expect(box.width, `${host} ${task}: a bar that can be seen`).to.be.at.least(2);
        expect(box.y >= lane.y && box.y + box.height <= lane.y + lane.height, `${host} ${task}: the bar is in its lane`).to.equal(true);
        points.push({ x: box.x + box.width / 2, y: box.y + box.height / 2 });
        wanted.push(rgb(STATUS_COLOURS[status]!));
      }
    }
    const painted = await browser.pixels(shot, points);
    painted.forEach((colour, i) => expect(near(colour, wanted[i]!), `bar ${i}: painted ${colour}, its result's colour is ${wanted[i]}`).to.equal(true));
    // Four results, four colours a person can tell apart.
    expect(new Set(['ok', 'changed', 'skipped', 'failed'].map((s) => STATUS_COLOURS[s])).size).to.equal(4);
    await page.close();
  });

  it('shows the two batches as bands, the second after the first, each over its own hosts', async () => {
    const page = await open(rollingReport);
    const [a, b, c, d] = fleet.hosts.map((h) => h.name);
    const strip = await attributes(page, '[data-batch]', ['data-batch', 'data-play']);
    expect(strip).to.deep.equal([
      { 'data-batch': '1', 'data-play': 'rolling maintenance' },
      { 'data-batch': '2', 'data-play': 'rolling maintenance' },
    ]);
    const first = (await page.locator('[data-batch="1"]').boundingBox())!;
    const second = (await page.locator('[data-batch="2"]').boundingBox())!;
    expect(second.x, 'batch 2 starts where batch 1 ends').to.be.at.least(first.x + first.width - 2);
    for (const [host, batch] of [[a, '1'], [b, '1'], [c, '2'], [d, '2']] as const) {
      const bands = await attributes(page, `[data-lane][data-host="${host}"] [data-lane-batch]`, ['data-lane-batch']);
      expect(bands.map((x) => x['data-lane-batch']), host).to.deep.equal([batch]);
    }
    // The second batch's hosts start work only after the first batch ended.
    const firstBar = (await page.locator(`[data-bar][data-host="${c}"][data-task="apply config"]`).boundingBox())!;
    expect(firstBar.x).to.be.at.least(first.x + first.width - 2);
    expect(await page.locator('[data-batch="2"]').isVisible()).to.equal(true);
    await page.close();
  });

  it('marks the failed host: its lane, and its row in the failed section with the task', async () => {
    const page = await open(rollingReport);
    expect(await attributes(page, '[data-section=failed] [data-failed-host]', ['data-failed-host', 'data-task', 'data-status'])).to.deep.equal([
      { 'data-failed-host': failedHost, 'data-task': 'check disk', 'data-status': 'failed' },
    ]);
    const row = page.locator(`[data-section=failed] [data-failed-host="${failedHost}"]`);
    expect(await row.isVisible()).to.equal(true);
    expect(await row.innerText()).to.contain('non-zero return code');
    const failedLanes = await attributes(page, '[data-lane].failed-host', ['data-host', 'aria-label']);
    expect(failedLanes).to.deep.equal([{ 'data-host': failedHost, 'aria-label': `host ${failedHost} (failed)` }]);
    expect(await page.locator('[data-field=outcome]').getAttribute('data-outcome')).to.equal('failed');
    expect(await page.locator('[data-field=exit-code]').innerText()).to.equal('2');
    await page.close();
  });

  it('shows a host × task cell\'s output tail when the cell is clicked', async () => {
    const page = await open(rollingReport);
    const panel = page.locator('#output');
    expect(await panel.isVisible(), 'no output shown before a click').to.equal(false);
    const first = fleet.hosts[0]!.name;
    await page.locator(`[data-cell][data-host="${first}"][data-task="apply config"]`).click();
    expect(await panel.isVisible()).to.equal(true);
    const text = await panel.locator('[data-output-text]').innerText();
    expect(text).to.contain('config line 12').and.contain(`applied on ${first}`);
    expect(await panel.getAttribute('data-host')).to.equal(first);

    await page.locator(`[data-cell][data-host="${failedHost}"][data-task="check disk"]`).click();
    expect(await panel.locator('[data-output-text]').innerText()).to.contain(`disk full on ${failedHost}`).and.contain('rc: 3');
    await panel.locator('[data-close]').click();
    expect(await panel.isVisible()).to.equal(false);
    await page.close();
  });

  it('labels the drain a budget held with the budget and the time it waited', async () => {
    const page = await open(drainReport);
    const drain = page.locator('[data-lane] [data-drain][data-node="node-1"]');
    expect(await drain.count()).to.equal(1);
    const lane = page.locator(`[data-lane]:has([data-drain][data-node="node-1"])`);
    expect(await lane.getAttribute('data-host')).to.equal(drainFleet.hosts[0]!.name);
    expect(Number(await drain.getAttribute('data-blocked-ms')), 'the drain waited on the budget').to.be.above(1000);
    const label = drain.locator('[data-drain-label]');
    expect(await label.isVisible()).to.equal(true);
    // Readable where they are: each drain's whole label inside the timeline's scrolling box (node-2's drain
    // ends at the run's right edge).
    const seen = (await page.locator('#timeline-scroller').boundingBox())!;
    const labels = page.locator('[data-drain-label]');
    expect(await labels.count()).to.equal(2);
    for (let i = 0; i < 2; i++) {
      const box = (await labels.nth(i).boundingBox())!;
      expect(box.x >= seen.x && box.x + box.width <= seen.x + seen.width, `${await labels.nth(i).innerText()}: not cut off`).to.equal(true);
    }
    expect(await label.innerText()).to.match(/^drain node-1: blocked \d.* by PodDisruptionBudget default\/web-pdb \(pod default\/web-[ab]\)$/);
    expect(await page.locator('[data-bar][data-task="drain"][data-mark="drain"]').count()).to.equal(2);
    await page.close();
  });

  it('takes a screenshot of the report: a PNG of the window\'s size', async () => {
    const page = await open(rollingReport);
    await page.locator('[data-section=timeline]').scrollIntoViewIfNeeded();
    const file = join(dir, 'report.png');
    await page.screenshot({ path: file });
    const png = readFileSync(file);
    expect(png.length).to.be.above(10_000);
    expect(pngSize(png)).to.deep.equal(VIEWPORT);
    await page.close();
  });

  it('asks the network for nothing and breaks no script: both reports opened, scrolled and clicked', async () => {
    for (const file of [rollingReport, drainReport]) {
      const page = await open(file);
      await page.locator('[data-cell]').first().click();
      await page.mouse.wheel(0, 4000);
      await page.waitForTimeout(200);
      await page.close();
    }
    expect(browser.refused).to.deep.equal([]);
    // Nothing the report's own Content-Security-Policy had to stop, no script error, over every page opened.
    expect(browser.problems).to.deep.equal([]);
  });
});
