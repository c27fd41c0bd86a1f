/**
 * A real browser for the tests and the benchmark: Debian's Chromium (/usr/bin/chromium, installed by
 * scripts/ensure-browser.sh) driven by playwright-core through executablePath. This file is the only one that
 * imports playwright-core (the door-playwright-core rule of `npm run lint:deps` holds to that); tests and benchmarks get its types
 * from here.
 *
 * Each browser runs headless with a fresh temporary profile, and every request that is not file:// is refused
 * and written down: a run report opens from a mail attachment, so a test asserts it asked the network for
 * nothing (`offline()` lists what it asked for). A missing browser is an error that says how to install it,
 * never a skipped test.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export type { BrowserContext, Locator, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Chromium's flags: headless, no sandbox (root), no GPU, and nothing that talks to the network by itself. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export interface BrowserOptions {
  /** The page size (CSS pixels). Default 1280 × 800. */
  viewport?: { width: number; height: number };
  /** How long one launch may take. Default 30 s. */
  launchTimeoutMs?: number;
  /** The browser program. Default /usr/bin/chromium (the helper's own test points it at a missing one). */
  executablePath?: string;
}

export interface TestBrowser {
  context: BrowserContext;
  /** Every request the pages made that was not file:// (each refused), in order. */
  refused: string[];
  /**
   * The pages' script errors and console errors, in order: a report whose own Content-Security-Policy stops a
   * request before it is made shows up here ("Refused to load ..."), as does a script that broke.
   */
  problems: string[];
  /** A new page with the file loaded (file://), after its load event. */
  open(file: string): Promise<Page>;
  /** The colours (r, g, b) at these points of a PNG (a screenshot), read by the browser's own decoder. */
  pixels(png: Buffer, points: Array<{ x: number; y: number }>): Promise<Array<[number, number, number]>>;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Why the browser cannot run here, or undefined when the program (/usr/bin/chromium) is there. */
export function browserMissing(executablePath: string = CHROMIUM): string | undefined {
  if (existsSync(executablePath)) return undefined;
  return `${executablePath} is missing: the browser tests need Debian's chromium package (run bash scripts/ensure-browser.sh as root)`;
}

/** True for the only requests a report may make: its own file (and data:/blob: URLs, which never leave the page). */
export function isLocalUrl(url: string): boolean {
  return /^(file|data|blob|about):/i.test(url);
}

export async function launchBrowser(options: BrowserOptions = {}): Promise<TestBrowser> {
  const executablePath = options.executablePath ?? CHROMIUM;
  const missing = browserMissing(executablePath);
  if (missing) throw new Error(missing);
  // A fresh profile each time (launchPersistentContext is playwright's way to pass --user-data-dir).
  const profile = mkdtempSync(join(tmpdir(), 'drydock-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      args: [...CHROMIUM_ARGS],
      headless: true,
      viewport: options.viewport ?? { width: 1280, height: 800 },
      timeout: options.launchTimeoutMs ?? 30_000,
      // No proxy, no downloads, no service workers: nothing that could fetch beside the page.
      acceptDownloads: false,
      serviceWorkers: 'block',
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`${executablePath} did not start: ${(err as Error).message}`);
  }
  const refused: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (isLocalUrl(url)) return route.continue();
    refused.push(url);
    return route.abort('blockedbyclient');
  });
  await context.routeWebSocket(/.*/, (socket) => {
    refused.push(socket.url());
    return socket.close();
  });
  // Requests the router never sees (the browser's own, or ones made before a route applies) still count.
  context.on('request', (request) => {
    const url = request.url();
    if (!isLocalUrl(url) && !refused.includes(url)) refused.push(url);
  });
  const problems: string[] = [];
  context.on('weberror', (error) => problems.push(`script error: ${error.error().message}`));
  context.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  return {
    context,
    refused,
    problems,
    async open(file: string): Promise<Page> {
      const page = await context.newPage();
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      return page;
    },
    async pixels(png: Buffer, points: Array<{ x: number; y: number }>): Promise<Array<[number, number, number]>> {
      // about:blank has no Content-Security-Policy, so a string expression may run there (a report's page forbids eval).
      const page = await context.newPage();
      try {
        return (await page.evaluate(`(async () => {
          const image = new Image();
          image.src = 'data:image/png;base64,${png.toString('base64')}';
          await image.decode();
          const canvas = document.createElement('canvas');
          canvas.width = image.naturalWidth;
          canvas.height = image.naturalHeight;
          const draw = canvas.getContext('2d');
          draw.drawImage(image, 0, 0);
          return ${JSON.stringify(points)}.map(({ x, y }) => Array.from(draw.getImageData(Math.floor(x), Math.floor(y), 1, 1).data.slice(0, 3)));
        })()`)) as Array<[number, number, number]>;
      } finally {
        await page.close();
      }
    },
    async close(): Promise<void> {
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

/** PNG's signature and its IHDR size (bytes 16–23): what a screenshot file really holds. */
export function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(signature) || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
