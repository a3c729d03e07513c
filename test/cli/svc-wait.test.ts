// svc -w: returns once each service is where the letters asked (up, down, a new pid), or fails
// naming the ones that did not get there; services by name through SVDIR (svc, svstat, svok).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, closeSync, constants, mkdirSync, openSync, readSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Sandbox } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { fixture, supervise, tryStatus, waitUp } from '../fixtures/supervision.ts';

const MISSING = '/nonexistent-svkit';

test('svc -w -d returns once the service is down, -w -u once it is up again, -w -t once it runs a new pid', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = fixture(box, 'siglog', 's');
  await supervise(box, dir);
  const first = await waitUp(dir);
  const down = await runTool('svc', ['-w', '20', '-d', dir]);
  assert.deepEqual([down.code, down.stdout, down.stderr], [0, '', '']);
  // No waiting here: svc's return is the evidence.
  assert.equal(tryStatus(dir)?.pid, 0, 'down when svc -w -d returned');
  const up = await runTool('svc', ['-w20', '-u', dir]);
  assert.deepEqual([up.code, up.stdout, up.stderr], [0, '', '']);
  const second = tryStatus(dir)?.pid ?? 0;
  assert.ok(second !== 0 && second !== first, 'up when svc -w -u returned');
  const term = await runTool('svc', ['-w', '20', '-t', dir]);
  assert.deepEqual([term.code, term.stdout, term.stderr], [0, '', '']);
  const third = tryStatus(dir)?.pid ?? 0;
  assert.ok(third !== 0 && third !== second, `new pid when svc -w -t returned (${second} -> ${third})`);
});

test('svc -w fails naming a service that never gets there: up (run not executable), down and restart (TERM ignored, no KILL)', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const broken = box.service('broken', 'exec sleep 1000');
  chmodSync(`${broken}/run`, 0o644);
  const stubborn = fixture(box, 'ignore-term', 'stubborn', { 'timeout-kill': '0\n' });
  await supervise(box, broken);
  await supervise(box, stubborn);
  await waitUp(stubborn);
  const up = await runTool('svc', ['-w', '1', '-u', broken]);
  assert.deepEqual([up.code, up.stdout, up.stderr], [111, '', `svc: warning: unable to bring ${broken} up: not up after 1 s\nsvc: fatal: 1 of 1 services did not get there in 1 s: ${broken}\n`]);
  const restart = await runTool('svc', ['-w', '1', '-t', stubborn]);
  assert.deepEqual([restart.code, restart.stdout, restart.stderr], [111, '', `svc: warning: unable to restart ${stubborn}: no new pid after 1 s\nsvc: fatal: 1 of 1 services did not get there in 1 s: ${stubborn}\n`]);
  const down = await runTool('svc', ['-w', '1', '-d', stubborn, broken]);
  // broken is down already (its run never started): only stubborn is named.
  assert.deepEqual([down.code, down.stdout, down.stderr], [111, '', `svc: warning: unable to bring ${stubborn} down: not down after 1 s\nsvc: fatal: 1 of 2 services did not get there in 1 s: ${stubborn}\n`]);
});

test('svc -u on a missing directory: a warning and exit 0 as in 0.76; with -w it fails and names it', async () => {
  const plain = await runTool('svc', ['-u', MISSING]);
  assert.deepEqual([plain.code, plain.stdout, plain.stderr], [0, '', `svc: warning: unable to chdir to ${MISSING}: file does not exist\n`]);
  const waited = await runTool('svc', ['-w', '5', '-u', MISSING]);
  assert.deepEqual([waited.code, waited.stdout, waited.stderr], [111, '', `svc: warning: unable to chdir to ${MISSING}: file does not exist\nsvc: fatal: 1 of 1 services did not get there in 5 s: ${MISSING}\n`]);
});

test('svc -w with letters that ask for no state (x, h alone) returns once they are sent', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = fixture(box, 'siglog', 's');
  await supervise(box, dir);
  await waitUp(dir);
  const r = await runTool('svc', ['-w', '1', '-h', dir]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
});

test('with SVDIR, svc, svstat and svok take a bare name as $SVDIR/NAME; paths stay paths', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = fixture(box, 'siglog', 'sv/web');
  await supervise(box, dir);
  const pid = await waitUp(dir);
  const env = { ...process.env, SVDIR: box.path('sv') };
  const stat = await runTool('svstat', ['web'], { env, cwd: '/' });
  assert.equal(stat.code, 0);
  assert.match(stat.stdout, new RegExp(`^web: up \\(pid ${pid}\\) \\d+ seconds\\n$`));
  const json = await runTool('svstat', ['web', '--json'], { env, cwd: '/' });
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as { services: { dir: string; pid: number; state: string }[] };
  assert.deepEqual(doc.services.map((s) => [s.dir, s.state, s.pid]), [['web', 'up', pid]]);
  const ok = await runTool('svok', ['web'], { env, cwd: '/' });
  assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, '', '']);
  const term = await runTool('svc', ['-w', '20', '-t', 'web'], { env, cwd: '/' });
  assert.deepEqual([term.code, term.stdout, term.stderr], [0, '', '']);
  assert.notEqual(tryStatus(dir)?.pid, pid);
  // ./web is a path relative to the cwd, not a name.
  const rel = await runTool('svstat', ['./web'], { env, cwd: box.path('sv') });
  assert.match(rel.stdout, /^\.\/web: up /);
});

test('with SVDIR, a name that is not a directory there is an error naming both, and nothing is sent to the others', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const sv = box.path('sv');
  mkdirSync(`${sv}/web/supervise`, { recursive: true });
  execFileSync('mkfifo', ['-m', '600', `${sv}/web/supervise/control`]);
  box.write('sv/notes', 'a file\n');
  const fd = openSync(`${sv}/web/supervise/control`, constants.O_RDONLY | constants.O_NONBLOCK);
  t.after(() => closeSync(fd));
  const env = { ...process.env, SVDIR: sv };
  const r = await runTool('svc', ['-d', 'web', 'nope'], { env });
  assert.deepEqual([r.code, r.stdout, r.stderr], [100, '', `svc: fatal: unable to find service nope in SVDIR ${sv}: file does not exist\n`]);
  let n = 0;
  try {
    n = readSync(fd, Buffer.alloc(8), 0, 8, null);
  } catch {
    n = 0; // EAGAIN: nothing was written
  }
  assert.equal(n, 0, 'web got no command');
  const file = await runTool('svstat', ['notes'], { env });
  assert.deepEqual([file.code, file.stdout, file.stderr], [100, '', `svstat: fatal: unable to find service notes in SVDIR ${sv}: not a directory\n`]);
});

test('svstat takes options after the directories (svstat DIR --json), and -- ends them', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const before = await runTool('svstat', ['--json', MISSING]);
  const after = await runTool('svstat', [MISSING, '--json']);
  assert.deepEqual([after.code, after.stderr], [0, '']);
  assert.equal(after.stdout, before.stdout);
  assert.match(after.stdout, /"error":"unable to chdir: file does not exist"/);
  const dashed = await runTool('svstat', ['--', '--json'], { cwd: box.root });
  assert.deepEqual([dashed.code, dashed.stdout, dashed.stderr], [0, '--json: unable to chdir: file does not exist\n', '']);
});
