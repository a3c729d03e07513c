// svc: option encoding, messages and exit codes of 0.76 (compat 3.2), against svkit's supervise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, closeSync, constants, mkdirSync, openSync, readSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Sandbox } from '../helpers/sandbox.ts';
import { BIN, runTool } from '../helpers/tools.ts';
import { fixture, lines, supervise, waitStatus, waitUp } from '../fixtures/supervision.ts';

const OPTIONS = 'svc options: u up, d down, o once, x exit, p pause, c continue, h hup, a alarm, i interrupt, t term, k kill\n';

/** Runs svc as an unprivileged user (setpriv when we are root), so permissions apply. */
function svcAsNobody(args: string[], cwd: string): ReturnType<typeof runTool> {
  if (process.getuid?.() !== 0) return runTool('svc', args, { cwd });
  return runTool('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', `${BIN}/svc`, ...args], { cwd });
}

/** Captures what svc writes to S/supervise/control, holding the FIFO's read end as supervise would. */
async function capture(box: Sandbox, args: string[]): Promise<{ code: number | null; stderr: string; bytes: string }> {
  const dir = box.path('fake');
  mkdirSync(`${dir}/supervise`, { recursive: true });
  execFileSync('mkfifo', ['-m', '600', `${dir}/supervise/control`]);
  const fd = openSync(`${dir}/supervise/control`, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const r = await runTool('svc', [...args, dir]);
    const buf = Buffer.alloc(64);
    let n = 0;
    try {
      n = readSync(fd, buf, 0, 64, null);
    } catch {
      n = 0; // EAGAIN: nothing was written
    }
    return { code: r.code, stderr: r.stderr, bytes: buf.subarray(0, n).toString('latin1') };
  } finally {
    closeSync(fd);
  }
}

test('svc with an unknown option prints illegal option and the options line, exit 100', async () => {
  const r = await runTool('svc', ['-z', '/nonexistent-svkit']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [100, '', 'svc: illegal option -- z\n' + OPTIONS]);
});

test('svc with no directory does nothing and exits 0', async () => {
  const r = await runTool('svc', ['-u']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
});

test('svc writes each letter once, in command-line order, in one write', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  for (const [args, bytes] of [[['-d', '-u', '-d'], 'du'], [['-ddddd'], 'd'], [['-xd'], 'xd'], [['-tc', '-u'], 'tcu'], [['-udopchaitkx'], 'udopchaitkx'], [[], '']] as const) {
    const r = await capture(box, [...args]);
    assert.deepEqual([r.code, r.stderr, r.bytes], [0, '', bytes], args.join(' '));
    rmSync(box.path('fake'), { recursive: true });
  }
});

test('svc -d brings a running service down and svc -u starts it again', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = fixture(box, 'siglog', 's');
  await supervise(box, dir);
  const pid = await waitUp(dir);
  const down = await runTool('svc', ['-d', dir]);
  assert.deepEqual([down.code, down.stdout, down.stderr], [0, '', '']);
  await waitStatus(dir, (s) => s.pid === 0 && s.want === 0x64, 'down, want d');
  assert.ok(lines(box.path('s/sig.log')).includes('main TERM'));
  const up = await runTool('svc', ['-u', dir]);
  assert.deepEqual([up.code, up.stdout, up.stderr], [0, '', '']);
  const again = await waitUp(dir, 'restarted');
  assert.notEqual(again, pid);
});

test('svc warns for a missing directory, a directory without supervise/ and a dead supervise, and exits 0', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const plain = box.path('plain');
  mkdirSync(plain);
  const dead = box.path('dead');
  mkdirSync(`${dead}/supervise`, { recursive: true });
  execFileSync('mkfifo', [`${dead}/supervise/control`]);
  const missing = box.path('missing');
  const r = await runTool('svc', ['-u', missing, plain, dead]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', [
    `svc: warning: unable to chdir to ${missing}: file does not exist\n`,
    `svc: warning: unable to control ${plain}: file does not exist\n`,
    `svc: warning: unable to control ${dead}: supervise not running\n`,
  ].join('')]);
});

test('svc still controls the good directories after a bad one, relative to the original cwd', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = fixture(box, 'siglog', 'good', { down: '' });
  await supervise(box, dir);
  const r = await runTool('svc', ['-u', 'nope', 'good'], { cwd: box.root });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', 'svc: warning: unable to chdir to nope: file does not exist\n']);
  await waitUp(dir, 'good started');
});

test('svc in an unreadable cwd is fatal: exit 111, unable to open current directory', { skip: process.getuid?.() === 0 ? false : 'needs root for setpriv' }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  chmodSync(box.root, 0o755);
  const cwd = box.path('closed');
  mkdirSync(cwd, { mode: 0o700 });
  const r = await svcAsNobody(['-u', '/'], cwd);
  assert.deepEqual([r.code, r.stdout, r.stderr], [111, '', 'svc: fatal: unable to open current directory: access denied\n']);
});

test('svc reports access denied on the directory and on supervise/control as warnings', { skip: process.getuid?.() === 0 ? false : 'needs root for setpriv' }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  chmodSync(box.root, 0o755);
  mkdirSync(box.path('locked'), { mode: 0o000 });
  mkdirSync(box.path('sup/supervise'), { recursive: true, mode: 0o700 });
  chmodSync(box.path('sup'), 0o755);
  const r = await svcAsNobody(['-u', 'locked', 'sup'], box.root);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', 'svc: warning: unable to chdir to locked: access denied\nsvc: warning: unable to control sup: access denied\n']);
});

test('svc -x makes supervise exit once the service is down; svc then says supervise not running', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = fixture(box, 'siglog', 's');
  const sup = await supervise(box, dir);
  await waitUp(dir);
  const r = await runTool('svc', ['-dx', dir]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  assert.deepEqual(await sup.exited, { code: 0, signal: null });
  const after = await runTool('svc', ['-u', dir]);
  assert.deepEqual([after.code, after.stdout, after.stderr], [0, '', `svc: warning: unable to control ${dir}: supervise not running\n`]);
});
