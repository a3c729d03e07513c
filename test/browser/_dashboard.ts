// Shared helpers of the dashboard's browser tests (not a test file itself): a real svscan and a
// real svhttp on a temp scan dir, and Debian's headless chromium driven by playwright-core.
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserServer, type Page } from 'playwright-core';
import { type Sandbox, waitFor } from '../helpers/sandbox.ts';
import { BIN, startBackground } from '../helpers/tools.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const RW = 'rw-token-0123456789abcdef';
export const RO = 'ro-token-fedcba9876543210';

/** Why the browser tests cannot run here (false when they can); in CI a missing part fails. */
export function missing(): string | false {
  const gone = [
    existsSync(join(BIN, 'svhttp')) ? '' : 'bin/svhttp (branch issue-8-http)',
    existsSync(CHROMIUM) ? '' : `${CHROMIUM} (apt-get install chromium)`,
  ].filter(Boolean);
  if (gone.length === 0) return false;
  if (process.env['CI'] === 'true') throw new Error(`CI: missing for the browser tests: ${gone.join(', ')}`);
  return `not available: ${gone.join(', ')}`;
}

/** A free loopback port (bound and released; svhttp binds it right after). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Svhttp {
  readonly url: string;
  stderr(): string;
}

/** bin/svhttp --listen 127.0.0.1:PORT --token-file F SCANDIR, once it answers GET /. */
export async function startSvhttp(box: Sandbox, scanDir: string): Promise<Svhttp> {
  const tokens = box.write('tokens', `rw ${RW}\nro ${RO}\n`, 0o600);
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = box.track(startBackground('svhttp', ['--listen', `127.0.0.1:${port}`, '--token-file', tokens, scanDir], { cwd: box.root }));
    let err = '';
    child.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
    child.stdout?.resume();
    const url = `http://127.0.0.1:${port}`;
    let exited = false;
    child.on('exit', () => { exited = true; });
    await waitFor(async () => {
      if (exited) return true;
      const res = await fetch(`${url}/`);
      return res.status === 200;
    }, 20_000, `svhttp answering on ${url} (stderr ${JSON.stringify(err)})`);
    if (!exited) return { url, stderr: () => err };
    // Someone took the port between our probe and svhttp's bind: try another.
    if (attempt >= 3) throw new Error(`svhttp did not start: ${err}`);
  }
}

export interface Chromium {
  readonly browser: Browser;
  readonly page: Page;
  /** Messages of the page's console and uncaught errors (a CSP violation shows here). */
  readonly problems: string[];
}

/**
 * Headless chromium in its own process group, tracked by the sandbox (its whole group is
 * killed at cleanup whatever happens), then connected over its websocket. close() in finally.
 */
export async function openBrowser(box: Sandbox): Promise<Chromium & { close(): Promise<void> }> {
  const server: BrowserServer = await chromium.launchServer({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container has no user namespace for chromium's sandbox.
    chromiumSandbox: false,
    args: ['--disable-dev-shm-usage', '--no-first-run'],
  });
  const pid = server.process().pid;
  if (pid !== undefined) box.trackPid(pid);
  const browser = await chromium.connect(server.wsEndpoint());
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // An answer the page expects (401 before sign-in, 404 of /favicon.ico) is not a problem.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`); });
  page.setDefaultTimeout(20_000);
  return {
    browser, page, problems,
    async close() {
      await browser.close().catch(() => {});
      await server.close().catch(() => {});
      if (pid !== undefined) await waitFor(() => { try { process.kill(pid, 0); return false; } catch { return true; } }, 20_000, 'chromium gone');
    },
  };
}

/** Signs in through the page's token prompt. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#board').waitFor({ state: 'visible' });
}

/** The text of FIELD (pid, uptime, ...) of service NAME's card. */
export function field(page: Page, name: string, cls: string): Promise<string> {
  return page.locator(`li.service[data-name="${name}"] .${cls}`).innerText();
}
