/**
 * A large run's report stays usable in the browser: 500 hosts (the report's synthetic run, rendered by
 * renderRunReport), of which only the lanes in view are drawn; scrolling to the end draws the last hosts, the
 * host filter and "failed hosts only" narrow the lanes to what was asked for.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderRunReport } from '../../src/report/html.js';
import { launchBrowser, type Page, type TestBrowser } from '../helpers/browser.js';
import { syntheticJournal } from '../helpers/synthetic-journal.js';

const HOSTS = 500;
const name = (i: number): string => `node-${String(i + 1).padStart(3, '0')}`;

async function laneHosts(page: Page): Promise<string[]> {
  return page.locator('[data-lane]').evaluateAll((lanes) => lanes.map((lane) => lane.getAttribute('data-host') ?? ''));
}

describe('a 500-host run report in Chromium', function () {
  this.timeout(60_000);
  let dir: string;
  let browser: TestBrowser;
  let page: Page;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-report-large-'));
    const file = join(dir, 'large.html');
    // node-042 fails at the third task; the rest finish.
    writeFileSync(file, renderRunReport([syntheticJournal({ hosts: HOSTS, tasks: 8, batchSize: 50, failHost: 41, failAtTask: 2 })]));
    browser = await launchBrowser();
    page = await browser.open(file);
    await page.waitForSelector('body[data-ready]', { state: 'attached', timeout: 20_000 });
  });

  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws the lanes in view, and the last hosts once the timeline is scrolled to its end', async () => {
    const first = await laneHosts(page);
    expect(first[0]).to.equal(name(0));
    expect(first.length, 'only the lanes in view (and a few more) exist').to.be.within(5, 80);
    expect(first).to.not.include(name(HOSTS - 1));
    await page.locator('#timeline-scroller').evaluate((scroller) => scroller.scrollTo(0, scroller.scrollHeight));
    await page.waitForSelector(`[data-lane][data-host="${name(HOSTS - 1)}"]`, { timeout: 5_000 });
    const last = page.locator(`[data-lane][data-host="${name(HOSTS - 1)}"]`);
    expect(await last.locator('[data-bar]').count(), 'its bars are drawn too').to.equal(8);
    const seen = (await page.locator('#timeline-scroller').boundingBox())!;
    const lane = (await last.boundingBox())!;
    expect(lane.y + lane.height, 'the last lane is inside the scrolled timeline').to.be.at.most(seen.y + seen.height + 1);
    expect(await laneHosts(page)).to.not.include(name(0));
  });

  it('narrows the lanes with the host filter and to the failed host with "failed hosts only"', async () => {
    await page.locator('[data-filter]').fill(name(250));
    expect(await laneHosts(page)).to.deep.equal([name(250)]);
    await page.locator('[data-filter]').fill('');
    await page.locator('[data-failed-only]').check();
    expect(await laneHosts(page)).to.deep.equal([name(41)]);
    expect(await page.locator(`[data-lane][data-host="${name(41)}"] [data-bar][data-status="failed"]`).count()).to.equal(1);
    await page.locator('[data-failed-only]').uncheck();
    expect((await laneHosts(page)).length).to.be.above(5);
    expect(browser.refused).to.deep.equal([]);
    expect(browser.problems).to.deep.equal([]);
  });
});
