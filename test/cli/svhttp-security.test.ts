// svhttp's security model (docs/svhttp.md), each point against a real server: every test here
// fails if its guard is taken out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { symlinkSync } from 'node:fs';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { startSvscan, statusPid, waitUp } from '../scenarios/_svscan.ts';
import { bearer, http, startSvhttp } from './_svhttp.ts';

const RW = 'rw-token-0123456789abcdef';
const RO = 'ro-token-0123456789abcdef';

function tokens(box: Sandbox, mode = 0o600): string {
  return box.write('tokens', `rw ${RW}\nro ${RO}\n`, mode);
}

test('svhttp refuses a non-loopback address without a token file, a loose or bad token file, and tokens on argv', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/a', 'exec sleep 1000');
  const open = await runTool('svhttp', ['--listen', '0.0.0.0:0', 'sc'], { cwd: box.root });
  assert.deepEqual([open.code, open.stdout, open.stderr], [100, '', 'svhttp: fatal: refusing to listen on 0.0.0.0 without --token-file (only loopback is served without tokens)\n']);
  const loose = await runTool('svhttp', ['--listen', '127.0.0.1:0', '--token-file', tokens(box, 0o640), 'sc'], { cwd: box.root });
  assert.deepEqual([loose.code, loose.stdout, loose.stderr], [100, '', `svhttp: fatal: unable to use ${box.path('tokens')}: readable or writable by group or others (chmod 600 it)\n`]);
  box.write('bad', 'admin hunter2hunter2hunter2\n', 0o600);
  const bad = await runTool('svhttp', ['--token-file', 'bad', 'sc'], { cwd: box.root });
  assert.deepEqual([bad.code, bad.stderr], [100, 'svhttp: fatal: unable to read bad: line 1 is not "ro TOKEN" or "rw TOKEN" with a token of at least 16 characters\n']);
  const argv = await runTool('svhttp', ['--token', RW, 'sc'], { cwd: box.root });
  assert.deepEqual([argv.code, argv.stderr], [100, 'svhttp: usage: svhttp [--listen ADDR] [--token-file F] [--audit-log F] dir\n']);
});

test('svhttp with tokens: reads need a token, ro cannot control, rw can; wrong tokens are rate-limited with 429', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/a', 'exec sleep 1000');
  startSvscan(box, 'sc');
  const pid = await waitUp(box.path('sc/a'));
  const s = await startSvhttp(box, ['--token-file', tokens(box), 'sc']);
  for (const path of ['/api/v1/services', '/api/v1/services/a', '/metrics', '/api/v1/events', '/api/v1/services/a/log']) {
    const r = await http(s, 'GET', path);
    assert.deepEqual([path, r.status, r.json()], [path, 401, { error: 'authentication required (Authorization: Bearer TOKEN)' }]);
  }
  const ro = await http(s, 'POST', '/api/v1/services/a/kill', bearer(RO));
  assert.deepEqual([ro.status, ro.json()], [403, { error: 'this token is read-only (ro)' }]);
  assert.equal(statusPid(box.path('sc/a')), pid);
  assert.equal((await http(s, 'GET', '/api/v1/services/a', bearer(RO))).status, 200);
  for (let i = 0; i < 5; i++) assert.equal((await http(s, 'GET', '/api/v1/services', bearer(`wrong-${i}-0123456789abcdef`))).status, 401);
  const limited = await http(s, 'GET', '/api/v1/services', bearer(RW));
  assert.equal(limited.status, 429);
  assert.match(String(limited.headers['retry-after']), /^\d+$/);
  // The audit line reaches the test through svhttp's stdout pipe, maybe after the response.
  await waitFor(() => /token=line:2 service="a" command="kill" result=denied:read-only\n/.test(s.stdout()), DEADLINE_MS, 'the audit line of the refused kill');
});

test('svhttp without tokens: loopback reads only, a foreign Host (DNS rebinding) is refused, nothing is controlled', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/a', 'exec sleep 1000');
  startSvscan(box, 'sc');
  const pid = await waitUp(box.path('sc/a'));
  const s = await startSvhttp(box, ['sc']);
  assert.equal((await http(s, 'GET', '/api/v1/services')).status, 200);
  assert.equal((await http(s, 'GET', '/api/v1/services', { Host: `localhost:${s.port}` })).status, 200);
  const rebound = await http(s, 'GET', '/api/v1/services', { Host: 'evil.example:80' });
  assert.deepEqual([rebound.status, rebound.json()], [403, { error: 'Host is not a loopback name' }]);
  const c = await http(s, 'POST', '/api/v1/services/a/kill');
  assert.deepEqual([c.status, c.json()], [403, { error: 'control needs an rw token: start svhttp with --token-file' }]);
  assert.equal(statusPid(box.path('sc/a')), pid);
});

test('svhttp: a cross-site control request (Origin, Sec-Fetch-Site) is refused even with an rw token, and audited', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/a', 'exec sleep 1000');
  startSvscan(box, 'sc');
  const pid = await waitUp(box.path('sc/a'));
  const s = await startSvhttp(box, ['--token-file', tokens(box), '--audit-log', 'audit.log', 'sc']);
  const origin = await http(s, 'POST', '/api/v1/services/a/kill', { ...bearer(RW), Origin: 'http://evil.example' });
  assert.deepEqual([origin.status, origin.json()], [403, { error: 'cross-origin request refused (Origin: http://evil.example)' }]);
  const site = await http(s, 'POST', '/api/v1/services/a/kill', { ...bearer(RW), 'Sec-Fetch-Site': 'cross-site' });
  assert.deepEqual([site.status, site.json()], [403, { error: 'cross-site request refused (Sec-Fetch-Site: cross-site)' }]);
  assert.equal(statusPid(box.path('sc/a')), pid, 'the refused kills sent nothing');
  const same = await http(s, 'POST', '/api/v1/services/a/hup', { ...bearer(RW), Origin: `http://127.0.0.1:${s.port}`, 'Sec-Fetch-Site': 'same-origin' });
  assert.equal(same.status, 202);
  const { readFileSync, statSync } = await import('node:fs');
  await waitFor(() => readFileSync(box.path('audit.log'), 'utf8').split('\n').length === 4, 20_000, 'three audit lines');
  const audit = readFileSync(box.path('audit.log'), 'utf8').split('\n');
  assert.match(audit[0] ?? '', /command="kill" result=denied:cross-site$/);
  assert.match(audit[1] ?? '', /command="kill" result=denied:cross-site$/);
  assert.match(audit[2] ?? '', /token=line:1 service="a" command="hup" result=sent$/);
  assert.equal(statSync(box.path('audit.log')).mode & 0o777, 0o600);
  assert.equal(s.stdout().split('\n').length, 2, 'audit lines go to the file only');
});

test('svhttp: names are entries of the dir: no traversal, no dot-names, no log symlink out of the service', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/a', 'exec sleep 1000');
  box.write('secret/current', 'TOP SECRET\n');
  box.write('sc/.svscan/x', '');
  box.service('sc/leak', 'exec sleep 1000');
  symlinkSync(box.path('secret'), box.path('sc/leak/log'));
  box.service('outside', 'exec sleep 1000');
  const s = await startSvhttp(box, ['--token-file', tokens(box), 'sc']);
  for (const name of ['..', '.svscan', '%2e%2e', '..%2Foutside', '%2E%2E%2F%2E%2E%2Fetc', 'a%00', 'a%2F..%2F..']) {
    const r = await http(s, 'GET', `/api/v1/services/${name}`, bearer(RO));
    assert.equal(r.status, 404, name);
    const c = await http(s, 'POST', `/api/v1/services/${name}/up`, bearer(RW));
    assert.equal(c.status, 404, name);
  }
  const list = await http(s, 'GET', '/api/v1/services', bearer(RO));
  assert.deepEqual(list.json().services.map((x: { dir: string }) => x.dir), ['a', 'leak']);
  const leak = await http(s, 'GET', '/api/v1/services/leak/log', bearer(RO));
  assert.equal(leak.status, 404);
  assert.ok(!leak.body.includes('SECRET'));
});

test('svhttp: huge bodies get 413, huge headers 431, slow requests 408 (slowloris); the server carries on', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/a', 'exec sleep 1000');
  const s = await startSvhttp(box, ['--token-file', tokens(box), 'sc'], { ...process.env, SVHTTP_REQUEST_TIMEOUT_MS: '1000' });
  const big = await http(s, 'POST', '/api/v1/session', { 'Content-Type': 'application/json' }, Buffer.alloc(1024 * 1024, 0x20));
  assert.deepEqual([big.status, big.json()], [413, { error: 'request body too large' }]);
  const headers = await http(s, 'GET', '/api/v1/services', { ...bearer(RO), 'X-Big': 'x'.repeat(32 * 1024) });
  assert.equal(headers.status, 431);
  const slow = await new Promise<string>((resolve) => {
    const sock = connect(s.port, '127.0.0.1');
    let got = '';
    sock.on('connect', () => sock.write('GET /api/v1/services HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '));
    sock.on('data', (b) => { got += b.toString(); });
    sock.on('close', () => resolve(got));
    sock.on('error', () => resolve(got));
  });
  assert.match(slow, /^HTTP\/1\.1 408 /);
  assert.equal((await http(s, 'GET', '/api/v1/services', bearer(RO))).status, 200);
});

test('svhttp sessions: a token buys an HttpOnly SameSite=Strict cookie that reads and controls like it; logout ends it', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/a', 'exec sleep 1000');
  startSvscan(box, 'sc');
  await waitUp(box.path('sc/a'));
  const s = await startSvhttp(box, ['--token-file', tokens(box), 'sc']);
  const wrong = await http(s, 'POST', '/api/v1/session', { 'Content-Type': 'application/json' }, '{"token": "nope-nope-nope-nope"}');
  assert.deepEqual([wrong.status, wrong.json()], [401, { error: 'invalid token' }]);
  const garbage = await http(s, 'POST', '/api/v1/session', {}, '{token');
  assert.deepEqual([garbage.status, garbage.json()], [400, { error: 'body is not JSON ({"token": "..."})' }]);
  const cross = await http(s, 'POST', '/api/v1/session', { Origin: 'http://evil.example' }, JSON.stringify({ token: RW }));
  assert.equal(cross.status, 403);
  const login = await http(s, 'POST', '/api/v1/session', { 'Content-Type': 'application/json' }, JSON.stringify({ token: RW }));
  assert.equal(login.status, 200);
  assert.equal(login.json().role, 'rw');
  const setCookie = String(login.headers['set-cookie']);
  assert.match(setCookie, /^svhttp_session=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200$/);
  const cookie = { Cookie: setCookie.split(';')[0] ?? '' };
  assert.deepEqual((await http(s, 'GET', '/api/v1/session', cookie)).json(), { role: 'rw' });
  assert.equal((await http(s, 'GET', '/api/v1/services', cookie)).status, 200);
  assert.equal((await http(s, 'POST', '/api/v1/services/a/hup', { ...cookie, Origin: `http://127.0.0.1:${s.port}` })).status, 202);
  await waitFor(() => /token=line:1 service="a" command="hup" result=sent/.test(s.stdout()), DEADLINE_MS, 'the audit line of the hup');
  assert.equal((await http(s, 'DELETE', '/api/v1/session', cookie)).status, 200);
  assert.equal((await http(s, 'GET', '/api/v1/services', cookie)).status, 401);
  const page = await http(s, 'GET', '/');
  assert.deepEqual([page.status, page.headers['content-type'], page.headers['x-frame-options']], [200, 'text/html; charset=utf-8', 'DENY']);
});
