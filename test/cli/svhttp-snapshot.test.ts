// svhttp keeps the services' files in memory between requests (docs/svhttp.md, "Freshness"):
// a change a client could have seen (svc's, the supervisor's, a dir added or removed) shows in
// the very next request, and a FIFO planted in place of a file blocks nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, constants, mkdirSync, openSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool, startBackground } from '../helpers/tools.ts';
import { startSvscan, statusPid, waitNewPid, waitUp } from '../scenarios/_svscan.ts';
import { bearer, http, startSvhttp, type Svhttp } from './_svhttp.ts';

const RW = 'rw-token-0123456789abcdef';
const strip = (s: Record<string, unknown>): Record<string, unknown> => ({ ...s, seconds: null, lastExit: null, check: null, memory: null, cpu: null });

async function listed(s: Svhttp): Promise<Record<string, any>[]> {
  const r = await http(s, 'GET', '/api/v1/services', bearer(RW));
  assert.equal(r.status, 200);
  return r.json().services;
}

async function svstatJson(box: Sandbox, ...dirs: string[]): Promise<Record<string, unknown>[]> {
  const r = await runTool('svstat', ['--json', ...dirs], { cwd: box.root, env: { ...process.env, SVDIR: box.path('sc') } });
  return JSON.parse(r.stdout).services;
}

test('svhttp: a change made by svc and seen on disk is in the very next GET (list, one service, metrics)', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/web', 'exec sleep 1000');
  box.service('sc/other', 'exec sleep 1000');
  startSvscan(box, 'sc');
  const web = box.path('sc/web');
  const pid = await waitUp(web);
  await waitUp(box.path('sc/other'));
  const s = await startSvhttp(box, ['--token-file', box.write('tokens', `rw ${RW}\n`, 0o600), 'sc']);
  // Warm: every later answer comes from the snapshot unless a change was seen.
  assert.deepEqual((await listed(s)).map((x) => [x.dir, x.pid]), [['other', statusPid(box.path('sc/other'))], ['web', pid]]);
  for (let i = 0; i < 3; i++) await listed(s);

  await runTool('svc', ['-p', 'sc/web'], { cwd: box.root });
  await waitFor(async () => (await svstatJson(box, 'web'))[0]?.['paused'] === true, 20_000, 'svstat says paused');
  assert.equal((await listed(s)).find((x) => x.dir === 'web')?.paused, true, 'paused in the next GET');

  await runTool('svc', ['-cd', 'sc/web'], { cwd: box.root });
  await waitFor(() => statusPid(web) === 0, 20_000, 'web down on disk');
  const down = (await http(s, 'GET', '/api/v1/services/web', bearer(RW))).json();
  assert.deepEqual([down.state, down.pid, down.want, down.paused], ['down', null, 'down', false], 'down in the next GET of the service');
  assert.deepEqual((await listed(s)).map(strip), (await svstatJson(box, 'other', 'web')).map(strip));

  await runTool('svc', ['-u', 'sc/web'], { cwd: box.root });
  const pid2 = await waitNewPid(web, 0);
  const metrics = (await http(s, 'GET', '/metrics', bearer(RW))).body;
  assert.match(metrics, /^svkit_service_up\{service="web"\} 1$/m, 'up in the next scrape');

  assert.equal((await http(s, 'POST', '/api/v1/services/web/restart', bearer(RW))).status, 202);
  const pid3 = await waitNewPid(web, pid2);
  assert.deepEqual((await listed(s)).find((x) => x.dir === 'web')?.pid, pid3, 'the new pid in the next GET after a POST restart');
  assert.equal(s.stderr(), '');
});

test('svhttp: a supervisor that dies shows as not running in the next GET', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = box.service('sc/web', 'exec sleep 1000');
  const sup = box.track(startBackground('supervise', [dir], { cwd: box.root, stdio: ['ignore', 'ignore', 'ignore'] }));
  const pid = await waitUp(dir);
  box.trackPid(pid);
  const s = await startSvhttp(box, ['--token-file', box.write('tokens', `rw ${RW}\n`, 0o600), 'sc']);
  assert.deepEqual((await listed(s)).map((x) => [x.ok, x.pid]), [[true, pid]]);
  sup.kill('SIGKILL');
  await waitFor(async () => (await svstatJson(box, 'web'))[0]?.['error'] === 'supervise not running', 20_000, 'svstat: supervise not running');
  const after = await listed(s);
  assert.deepEqual(after.map((x) => [x.ok, x.error, x.supervised]), [[false, 'supervise not running', false]]);
});

test('svhttp: a service dir added to or removed from the scan dir is in (or out of) the next GET', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/a', 'exec sleep 1000');
  const s = await startSvhttp(box, ['--token-file', box.write('tokens', `rw ${RW}\n`, 0o600), 'sc']);
  assert.deepEqual((await listed(s)).map((x) => x.dir), ['a']);
  box.service('sc/b', 'exec sleep 1000');
  assert.deepEqual((await listed(s)).map((x) => x.dir), ['a', 'b']);
  assert.equal((await http(s, 'GET', '/api/v1/services/b', bearer(RW))).status, 200);
  // A dir removed, then one made under the same name: the new one's files are read.
  rmSync(box.path('sc/b'), { recursive: true });
  assert.deepEqual((await listed(s)).map((x) => x.dir), ['a']);
  assert.equal((await http(s, 'GET', '/api/v1/services/b', bearer(RW))).status, 404);
  box.service('sc/b', 'exec sleep 1000', { down: '' });
  mkdirSync(box.path('sc/b/supervise'));
  assert.deepEqual((await listed(s)).map((x) => [x.dir, x.error]), [['a', 'unable to open supervise/ok: file does not exist'], ['b', 'unable to open supervise/ok: file does not exist']]);
  // A link to a dir that does not exist yet: listed once the dir is there, though the scan dir did not change.
  symlinkSync(box.path('later'), box.path('sc/c'));
  assert.deepEqual((await listed(s)).map((x) => x.dir), ['a', 'b']);
  box.service('later', 'exec sleep 1000');
  assert.deepEqual((await listed(s)).map((x) => x.dir), ['a', 'b', 'c']);
  // A dir renamed away and back: still answered from its files.
  renameSync(box.path('sc/a'), box.path('sc/.a'));
  assert.deepEqual((await listed(s)).map((x) => x.dir), ['b', 'c']);
  renameSync(box.path('sc/.a'), box.path('sc/a'));
  assert.deepEqual((await listed(s)).map((x) => x.dir), ['a', 'b', 'c']);
  assert.equal(s.stderr(), '');
});

test('svhttp: FIFOs in place of status, health, stat and down block nothing; the answers are svstat --json', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const held: number[] = [];
  t.after(() => { for (const fd of held) closeSync(fd); });
  for (const name of ['fifostatus', 'fifohealth']) {
    box.service(`sc/${name}`, 'exec sleep 1000');
    mkdirSync(box.path(`sc/${name}/supervise`));
    execFileSync('mkfifo', [box.path(`sc/${name}/supervise/ok`)]);
    // This test holds ok open for reading: to svok, svstat and svhttp a supervisor runs.
    held.push(openSync(box.path(`sc/${name}/supervise/ok`), constants.O_RDONLY | constants.O_NONBLOCK));
  }
  execFileSync('mkfifo', [box.path('sc/fifostatus/supervise/status')]);
  // A status a supervisor would write (up, pid 4242), then FIFOs for the rest.
  const status = Buffer.alloc(20);
  status.writeBigUInt64BE(0x4000000000000000n + BigInt(Math.floor(Date.now() / 1000)), 0);
  status.writeUInt32LE(4242, 12);
  status[17] = 0x75;
  status[19] = 1;
  writeFileSync(box.path('sc/fifohealth/supervise/status'), status);
  execFileSync('mkfifo', [box.path('sc/fifohealth/supervise/health'), box.path('sc/fifohealth/supervise/stat'), box.path('sc/fifohealth/down')]);
  const s = await startSvhttp(box, ['--token-file', box.write('tokens', `rw ${RW}\n`, 0o600), 'sc']);
  const list = await listed(s);
  assert.deepEqual(list.map((x) => [x.dir, x.ok, x.error, x.pid]), [
    ['fifohealth', true, null, 4242],
    ['fifostatus', false, 'unable to read supervise/status: bad format', null],
  ]);
  assert.deepEqual(list.map(strip), (await svstatJson(box, 'fifohealth', 'fifostatus')).map(strip));
  // Other requests are answered meanwhile and after.
  const [one, metrics, session] = await Promise.all([
    http(s, 'GET', '/api/v1/services/fifostatus', bearer(RW)),
    http(s, 'GET', '/metrics', bearer(RW)),
    http(s, 'GET', '/api/v1/session', bearer(RW)),
  ]);
  assert.deepEqual([one.status, metrics.status, session.status, session.json()], [200, 200, 200, { role: 'rw' }]);
  assert.equal(s.stderr(), '');
});

test('svhttp: lastLines of an in-process log equal svstat --json, and a line appended to current is in the next GET', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/boom', 'echo starting\necho boom\nexit 1', { 'log/multilog': './main\n', 'restart-giveup': '2 60\n' });
  startSvscan(box, 'sc');
  await waitFor(async () => (await svstatJson(box, 'boom'))[0]?.['failed'] !== null, 20_000, 'boom failed');
  const s = await startSvhttp(box, ['--token-file', box.write('tokens', `rw ${RW}\n`, 0o600), 'sc']);
  const first = (await listed(s))[0];
  assert.deepEqual(first?.lastLines, ['boom', 'starting', 'boom']);
  assert.deepEqual(strip(first ?? {}), strip((await svstatJson(box, 'boom'))[0] ?? {}));
  appendFileSync(box.path('sc/boom/log/main/current'), 'appended by hand\n');
  assert.deepEqual((await listed(s))[0]?.lastLines, ['starting', 'boom', 'appended by hand']);
  assert.deepEqual((await listed(s))[0]?.lastLines, (await svstatJson(box, 'boom'))[0]?.['lastLines']);
  // FIFOs in place of current, then of log/multilog: no lines, no hang, as svstat.
  renameSync(box.path('sc/boom/log/main/current'), box.path('sc/boom/log/main/current.old'));
  execFileSync('mkfifo', [box.path('sc/boom/log/main/current')]);
  assert.deepEqual([(await listed(s))[0]?.lastLines, (await svstatJson(box, 'boom'))[0]?.['lastLines']], [null, null]);
  renameSync(box.path('sc/boom/log/main/current.old'), box.path('sc/boom/log/main/current'));
  assert.deepEqual((await listed(s))[0]?.lastLines, ['starting', 'boom', 'appended by hand']);
  rmSync(box.path('sc/boom/log/multilog'));
  execFileSync('mkfifo', [box.path('sc/boom/log/multilog')]);
  assert.deepEqual([(await listed(s))[0]?.lastLines, (await svstatJson(box, 'boom'))[0]?.['lastLines']], [null, null]);
  assert.equal(s.stderr(), '');
});
