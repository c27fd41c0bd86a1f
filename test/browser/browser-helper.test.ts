/**
 * The browser helper itself: Debian's Chromium starts through playwright-core, a page from file:// draws, and
 * every request that would leave the file is refused before it leaves (a loopback HTTP server the page points
 * at sees nothing) and written down for the report tests to assert on.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, pngSize, type TestBrowser } from '../helpers/browser.js';

describe('browser helper: headless Chromium, offline', function () {
  this.timeout(60_000);
  let browser: TestBrowser;
  let server: Server;
  let hits: string[];
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-browser-helper-'));
    hits = [];
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    browser = await launchBrowser({ viewport: { width: 640, height: 480 } });
  });

  after(async () => {
    await browser?.close();
    await new Promise((done) => server?.close(done));
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens a file:// page, runs its script and refuses every request that is not file://', async () => {
    const port = (server.address() as AddressInfo).port;
    const base = `http://127.0.0.1:${port}`;
    const file = join(dir, 'page.html');
    writeFileSync(
      file,
      `<!doctype html><html><head><link rel="stylesheet" href="${base}/style.css"></head><body>
<img src="${base}/pixel.png"><p id="out">waiting</p>
<div style="position:fixed;left:100px;top:200px;width:40px;height:20px;background:#d33a2c"></div>
<script>
  fetch('${base}/data.json').then(() => 'fetched', () => 'refused').then((how) => {
    document.getElementById('out').textContent = how;
    document.body.dataset.ready = '1';
  });
</script></body></html>`,
    );
    const page = await browser.open(file);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 10_000 });
    expect(await page.textContent('#out')).to.equal('refused');
    expect(hits, 'the loopback server saw no request').to.deep.equal([]);
    expect(browser.refused.map((u) => u.slice(base.length)).sort()).to.include.members(['/data.json', '/pixel.png', '/style.css']);
    const shot = join(dir, 'page.png');
    await page.screenshot({ path: shot });
    expect(pngSize(readFileSync(shot))).to.deep.equal({ width: 640, height: 480 });
    // What is painted where: inside the red block, and outside it (the white page).
    expect(await browser.pixels(readFileSync(shot), [{ x: 120, y: 210 }, { x: 300, y: 400 }])).to.deep.equal([[211, 58, 44], [255, 255, 255]]);
    await page.close();
  });

  it('writes down what a page\'s own Content-Security-Policy refused, and its script errors', async () => {
    const file = join(dir, 'csp.html');
    writeFileSync(
      file,
      `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'"></head>
<body><img src="http://127.0.0.1:9/logo.png"><script>document.body.dataset.ready = '1'; undefinedFunction();</script></body></html>`,
    );
    const before = browser.problems.length;
    const page = await browser.open(file);
    await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
    await page.waitForTimeout(200);
    const problems = browser.problems.slice(before).join('\n');
    expect(problems).to.contain('http://127.0.0.1:9/logo.png').and.contain('Content Security Policy');
    expect(problems).to.contain('undefinedFunction is not defined');
    await page.close();
  });

  it('fails, saying how to install it, when the browser is missing (never a skipped test)', async () => {
    let failure: Error | undefined;
    await launchBrowser({ executablePath: join(dir, 'no-chromium') }).then(
      (b) => b.close(),
      (err: Error) => (failure = err),
    );
    expect(failure?.message).to.equal(`${join(dir, 'no-chromium')} is missing: the browser tests need Debian's chromium package (run bash scripts/ensure-browser.sh as root)`);
  });

  it('reads a PNG size only from a real PNG', () => {
    expect(pngSize(Buffer.from('not a png at all, just some text'))).to.equal(undefined);
  });
});
