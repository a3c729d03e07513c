// The dashboard in real headless chromium against a real svscan and a real svhttp (issue 8):
// restart from the page, refusal without a token or with a read-only one, live updates over SSE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { startSvscan, statusPid, waitUp } from '../scenarios/_svscan.ts';
import { field, missing, openBrowser, RO, RW, signIn, startSvhttp } from './_dashboard.ts';

const skip = missing();

async function world(box: Sandbox): Promise<{ url: string; web: number }> {
  box.service('sc/web', 'echo started $$; exec sleep 1000');
  box.service('sc/other', 'exec sleep 1000');
  startSvscan(box, 'sc');
  const web = await waitUp(box.path('sc/web'));
  await waitUp(box.path('sc/other'));
  const http = await startSvhttp(box, box.path('sc'));
  return { url: http.url, web };
}

test('signed in with an rw token, "restart" on a service shows its new pid and the restart event', { skip }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const { url, web } = await world(box);
  const b = await openBrowser(box);
  try {
    const { page } = b;
    await signIn(page, url, RW);
    await waitFor(async () => (await field(page, 'web', 'pid')) === String(web), 20_000, `pid ${web} on web's card`);
    assert.equal(await page.locator('#readonly').isHidden(), true, 'no read-only notice for an rw token');
    // The SSE feed is open before the click, so the restart's events reach the page.
    await page.locator('#conn.ok').waitFor();
    await page.getByRole('button', { name: 'restart web' }).click();
    let fresh = 0;
    await waitFor(() => { fresh = statusPid(box.path('sc/web')); return fresh !== 0 && fresh !== web; }, 20_000, 'a new pid of web in supervise/status');
    await waitFor(async () => (await field(page, 'web', 'pid')) === String(fresh), 20_000, `new pid ${fresh} on web's card`);
    // The feed's events of the restart (from supervise/events): the restart, and the new run's start with its pid.
    await page.locator('#event-list li.k-restart', { hasText: / web restart\b/ }).first().waitFor();
    await page.locator('#event-list li.k-start', { hasText: new RegExp(` web start pid ${fresh}\\b`) }).first().waitFor()
      .catch(async (e: Error) => { throw new Error(`${e.message}\nevents on the page:\n${await page.locator('#event-list').innerText()}`); });
    assert.equal(await field(page, 'web', 'state'), 'up');
    assert.match(await page.locator('#action-result').innerText(), /^restart web: done$/);
    assert.deepEqual(b.problems, [], 'no script error and no CSP violation on the page');
    // The token is traded for a cookie: nothing of it stays in the page's storage.
    const stored = String(await page.evaluate('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie'));
    assert.ok(!stored.includes(RW), `token kept by the page: ${stored}`);
  } finally {
    await b.close();
  }
});

test('without a token the page shows only the prompt and the server refuses; with an ro token the buttons are disabled and the server refuses too', { skip }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const { url, web } = await world(box);
  const b = await openBrowser(box);
  try {
    const { page } = b;
    await page.goto(url);
    await page.getByLabel('Access token').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#board').isHidden(), true, 'no service list before sign-in');
    assert.equal(await page.locator('.controls button').count(), 0, 'no control button before sign-in');
    const bare = await page.evaluate(async () => (await fetch('/api/v1/services/web/restart', { method: 'POST' })).status);
    assert.equal(bare, 401, 'a control request without a token or session is refused');

    await page.getByLabel('Access token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#login-error', { hasText: 'refused' }).waitFor();
    assert.equal(await page.locator('#board').isHidden(), true, 'a wrong token does not open the board');

    await signIn(page, url, RO);
    await waitFor(async () => (await field(page, 'web', 'pid')) === String(web), 20_000, `pid ${web} on web's card`);
    assert.equal(await page.locator('#readonly').isVisible(), true, 'the read-only notice is shown');
    assert.match(await page.locator('#readonly').innerText(), /Read-only access: the control buttons are disabled/);
    const buttons = page.locator('li.service[data-name="web"] .controls button');
    assert.equal(await buttons.count(), 9);
    for (let i = 0; i < 9; i++) {
      assert.equal(await buttons.nth(i).isDisabled(), true, `button ${await buttons.nth(i).innerText()} disabled`);
      assert.equal(await buttons.nth(i).getAttribute('title'), 'read-only access: controls disabled');
    }
    // The session cookie of an ro token reads but does not control.
    const ro = await page.evaluate(async () => (await fetch('/api/v1/services/web/restart', { method: 'POST' })).status);
    assert.equal(ro, 403, 'a control request with a read-only session is refused');
    const still = await runTool('svstat', ['sc/web'], { cwd: box.root });
    assert.match(still.stdout, new RegExp(`^sc/web: up \\(pid ${web}\\) `), 'web was not restarted');
  } finally {
    await b.close();
  }
});

test('a service brought down from the command line (svc -d) shows down on the open page, and up again after svc -u', { skip }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const { url, web } = await world(box);
  const b = await openBrowser(box);
  try {
    const { page } = b;
    await signIn(page, url, RW);
    await waitFor(async () => (await field(page, 'web', 'pid')) === String(web), 20_000, `pid ${web} on web's card`);
    await page.locator('#conn.ok').waitFor();
    const down = await runTool('svc', ['-w', '20', '-d', 'sc/web'], { cwd: box.root });
    assert.deepEqual([down.code, down.stderr], [0, '']);
    await page.locator('li.service[data-name="web"] .state', { hasText: /^down$/ }).waitFor();
    assert.equal(await field(page, 'web', 'pid'), '–');
    await page.locator('#event-list li', { hasText: new RegExp(` web (exit|down) .*\\b${web}\\b`) }).first().waitFor();
    assert.equal(await field(page, 'other', 'state'), 'up', 'the other service is untouched');
    const up = await runTool('svc', ['-w', '20', '-u', 'sc/web'], { cwd: box.root });
    assert.deepEqual([up.code, up.stderr], [0, '']);
    const fresh = statusPid(box.path('sc/web'));
    await waitFor(async () => (await field(page, 'web', 'pid')) === String(fresh), 20_000, `pid ${fresh} after svc -u`);
    assert.equal(await field(page, 'web', 'state'), 'up');
    assert.deepEqual(b.problems, [], 'no script error and no CSP violation on the page');
  } finally {
    await b.close();
  }
});

test('the page fits a phone: one column, no horizontal scrolling, buttons at least 32 px tall', { skip }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const { url } = await world(box);
  const b = await openBrowser(box);
  try {
    const { page } = b;
    await page.setViewportSize({ width: 375, height: 740 });
    await signIn(page, url, RW);
    await page.locator('li.service[data-name="web"]').waitFor();
    const wide = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    assert.ok(wide <= 0, `page scrolls sideways by ${wide} px on a phone`);
    const h = await page.getByRole('button', { name: 'restart web' }).boundingBox();
    assert.ok(h !== null && h.height >= 32, `restart button ${h?.height} px tall`);
  } finally {
    await b.close();
  }
});
