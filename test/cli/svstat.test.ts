// svstat: every line of compat 4 (live and from the hexdumps A-L), error lines, JSON, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, closeSync, constants, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Sandbox } from '../helpers/sandbox.ts';
import { BIN, runTool } from '../helpers/tools.ts';
import { HEXDUMPS, bytesOf } from '../fixtures/hexdumps.ts';
import { fixture, normalizeSeconds, supervise, waitStatus, waitUp } from '../fixtures/supervision.ts';

const asRoot = process.getuid?.() === 0;

/** A directory whose supervise/ok FIFO is held open by this test (a supervisor stand-in). */
function fakeSupervised(box: Sandbox, rel: string, status?: Uint8Array): { dir: string; release: () => void } {
  const dir = box.path(rel);
  mkdirSync(`${dir}/supervise`, { recursive: true });
  execFileSync('mkfifo', [`${dir}/supervise/ok`]);
  if (status !== undefined) writeFileSync(`${dir}/supervise/status`, status);
  const fd = openSync(`${dir}/supervise/ok`, constants.O_RDONLY | constants.O_NONBLOCK);
  return { dir, release: () => closeSync(fd) };
}

test('svstat with an unknown option prints one usage line and exits 100', async () => {
  const r = await runTool('svstat', ['--bogus', '/tmp']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [100, '', 'svstat: usage: svstat [-v] [--json] dir...\n']);
});

test('svstat with no directory prints nothing and exits 0', async () => {
  const r = await runTool('svstat', []);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
});

test('svstat prints down, up with normally down, and paused for a live service, normally from the current down file', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = fixture(box, 'siglog', 'nd', { down: '' });
  await supervise(box, dir);
  const down = await runTool('svstat', [dir]);
  assert.deepEqual([down.code, normalizeSeconds(down.stdout), down.stderr], [0, `${dir}: down N seconds\n`, '']);
  await runTool('svc', ['-u', dir]);
  const pid = await waitUp(dir);
  const up = await runTool('svstat', [dir]);
  assert.deepEqual([up.code, normalizeSeconds(up.stdout), up.stderr], [0, `${dir}: up (pid ${pid}) N seconds, normally down\n`, '']);
  await runTool('svc', ['-p', dir]);
  await waitStatus(dir, (s) => s.paused === 1, 'paused');
  const paused = await runTool('svstat', [dir]);
  assert.equal(normalizeSeconds(paused.stdout), `${dir}: up (pid ${pid}) N seconds, normally down, paused\n`);
  await runTool('svc', ['-c', dir]);
  rmSync(`${dir}/down`);
  await waitStatus(dir, (s) => s.paused === 0, 'continued');
  const normal = await runTool('svstat', [dir]);
  assert.equal(normalizeSeconds(normal.stdout), `${dir}: up (pid ${pid}) N seconds\n`, 'normally is read from the current down file');
});

test('svstat prints the error lines of compat scenario 15 on stdout and exits 0', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  mkdirSync(box.path('plain'));
  const bad = fakeSupervised(box, 'bad', new Uint8Array([1, 2, 3, 4, 5]));
  t.after(bad.release);
  mkdirSync(box.path('dead/supervise'), { recursive: true });
  execFileSync('mkfifo', [box.path('dead/supervise/ok')]);
  const r = await runTool('svstat', ['missing', 'plain', 'bad', 'dead'], { cwd: box.root });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, [
    'missing: unable to chdir: file does not exist\n',
    'plain: unable to open supervise/ok: file does not exist\n',
    'bad: unable to read supervise/status: bad format\n',
    'dead: supervise not running\n',
  ].join(''), '']);
});

test('svstat on a held ok FIFO without a status file says unable to open supervise/status', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const f = fakeSupervised(box, 'nostatus');
  t.after(f.release);
  const r = await runTool('svstat', ['nostatus'], { cwd: box.root });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'nostatus: unable to open supervise/status: file does not exist\n', '']);
});

for (const d of HEXDUMPS.filter((x) => x.observed)) {
  test(`svstat reads hexdump ${d.name} as real svstat did: "${d.line}"`, async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const f = fakeSupervised(box, 'svc', bytesOf(d));
    t.after(f.release);
    if (!d.normallyUp) writeFileSync(`${f.dir}/down`, '');
    const r = await runTool('svstat', ['svc'], { cwd: box.root });
    assert.deepEqual([r.code, normalizeSeconds(r.stdout), r.stderr], [0, `svc: ${normalizeSeconds(d.line)}\n`, '']);
  });
}

test('svstat says 0 seconds for a stamp in the future', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const b = Buffer.alloc(20);
  b.writeBigUInt64BE((1n << 62n) + 10n + BigInt(Math.floor(Date.now() / 1000) + 3600));
  b.writeUInt32LE(4242, 12);
  b[17] = 0x75;
  const f = fakeSupervised(box, 'future', b);
  t.after(f.release);
  const r = await runTool('svstat', ['future'], { cwd: box.root });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'future: up (pid 4242) 0 seconds\n', '']);
});

test('svstat --json gives one document with every field for each directory', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = fixture(box, 'siglog', 's');
  await supervise(box, dir);
  const pid = await waitUp(dir);
  const r = await runTool('svstat', ['--json', 's', 'missing'], { cwd: box.root });
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.split('\n').length, 2, 'one line');
  const doc = JSON.parse(r.stdout) as { version: number; services: Record<string, unknown>[] };
  assert.equal(doc.version, 1);
  const [s, m] = doc.services;
  assert.ok(s && m);
  assert.match(String(s['stamp']), /^@4[0-9a-f]{23}$/);
  assert.ok(typeof s['seconds'] === 'number' && s['seconds'] >= 0 && s['seconds'] < 5);
  const v1 = ['dir', 'ok', 'error', 'supervised', 'state', 'pid', 'want', 'paused', 'normally', 'seconds', 'stamp', 'termSent', 'format'];
  assert.deepEqual(Object.fromEntries(v1.map((k) => [k, s[k]])), {
    dir: 's', ok: true, error: null, supervised: true, state: 'up', pid, want: 'up', paused: false,
    normally: 'up', seconds: s['seconds'], stamp: s['stamp'], termSent: false, format: 'runit',
  });
  // The health fields are only ever added (docs/svstat.md); memory and cpu depend on sampling.
  const { memory, cpu, ...added } = Object.fromEntries(Object.entries(s).filter(([k]) => !v1.includes(k)));
  assert.ok(memory === null || typeof memory === 'number');
  assert.ok(cpu === null || typeof cpu === 'number');
  assert.deepEqual(added, {
    ready: true, health: null, check: null, restarts: 0, lastExit: null, backoff: null, failed: null, cause: null, startError: null, waitingFor: null, lastLines: null,
  });
  assert.deepEqual([m['dir'], m['ok'], m['error'], m['supervised'], m['state']], ['missing', false, 'unable to chdir: file does not exist', false, null]);
});

test('svstat in an unreadable cwd is fatal: exit 111, unable to open current directory', { skip: asRoot ? false : 'needs root for setpriv' }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  chmodSync(box.root, 0o755);
  const cwd = box.path('closed');
  mkdirSync(cwd, { mode: 0o700 });
  const r = await runTool('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', `${BIN}/svstat`, '/'], { cwd });
  assert.deepEqual([r.code, r.stdout, r.stderr], [111, '', 'svstat: fatal: unable to open current directory: access denied\n']);
});

test('svstat reports access denied on the directory and on supervise/ok in the line', { skip: asRoot ? false : 'needs root for setpriv' }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  chmodSync(box.root, 0o755);
  mkdirSync(box.path('locked'), { mode: 0o000 });
  const f = fakeSupervised(box, 'sup');
  t.after(f.release);
  chmodSync(box.path('sup'), 0o755);
  chmodSync(box.path('sup/supervise'), 0o700);
  const r = await runTool('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', `${BIN}/svstat`, 'locked', 'sup'], { cwd: box.root });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'locked: unable to chdir: access denied\nsup: unable to open supervise/ok: access denied\n', '']);
});
