// multilog through bin/multilog: script errors, directory protocol, rotation, processor, signals, disk full.
// Not tested here: byte-identical rotation points against real multilog (test/interop/multilog.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { DEADLINE_MS, Sandbox, signalsHandled, waitFor } from '../helpers/sandbox.ts';
import { runTool, startBackground } from '../helpers/tools.ts';

const STAMPED = /^@[0-9a-f]{24} /;
const read = (p: string): string => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
};
const mode = (p: string): number => statSync(p).mode & 0o777;
const archives = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith('@')).sort();
const exited = (c: ChildProcess): Promise<[number | null, NodeJS.Signals | null]> =>
  new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r([c.exitCode, c.signalCode]) : c.on('exit', (code, sig) => r([code, sig]))));

function background(box: Sandbox, args: string[]): ChildProcess {
  return box.track(startBackground('multilog', args, { cwd: box.root, stdio: ['pipe', 'pipe', 'pipe'] }));
}

function collect(c: ChildProcess): { err: () => string } {
  let err = '';
  c.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
  return { err: () => err };
}

test('a bad script is a usage error (exit 100) before any input is read', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const r = await runTool('multilog', ['./d', 'xyz'], { cwd: box.root, input: 'line\n' });
  assert.deepEqual([r.code, r.stdout, r.stderr], [100, '', 'multilog: fatal: unable to parse action xyz: unknown action\n']);
  assert.deepEqual(readdirSync(box.root), []);
});

test('no script: input is read and discarded, exit 0', async () => {
  const r = await runTool('multilog', [], { input: 'a\nb\n' });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
});

test('start-up failures are fatal with exit 111 and 0.76 wording', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const a = await runTool('multilog', ['./nodir/sub'], { cwd: box.root, input: 'x\n' });
  assert.deepEqual([a.code, a.stdout, a.stderr], [111, '', 'multilog: fatal: unable to open directory ./nodir/sub: file does not exist\n']);
  const b = await runTool('multilog', ['=nodir/x'], { cwd: box.root, input: 'x\n' });
  assert.deepEqual([b.code, b.stdout, b.stderr], [111, '', 'multilog: fatal: unable to create nodir/x: file does not exist\n']);
});

test('basic layout: stamped lines, missing newline added, modes of dir, current, lock, state (scenario 24)', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const r = await runTool('multilog', ['t', './m'], { cwd: box.root, input: 'hello\nworld\npartial' });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  const lines = readFileSync(box.path('m/current'), 'utf8').split('\n');
  assert.equal(lines.length, 4);
  assert.deepEqual(lines.map((l) => l.replace(STAMPED, '')), ['hello', 'world', 'partial', '']);
  assert.ok(lines.slice(0, 3).every((l) => STAMPED.test(l)));
  assert.deepEqual([mode(box.path('m')), mode(box.path('m/current')), mode(box.path('m/lock')), mode(box.path('m/state'))], [0o700, 0o744, 0o600, 0o644]);
  assert.deepEqual([statSync(box.path('m/lock')).size, statSync(box.path('m/state')).size], [0, 0]);
});

test('a second multilog on a locked directory exits 111', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const first = background(box, ['./g3']);
  await waitFor(() => readdirSync(box.root).includes('g3') && readdirSync(box.path('g3')).includes('current'), DEADLINE_MS, 'first multilog');
  const r = await runTool('multilog', ['./g3'], { cwd: box.root, input: 'x\n' });
  assert.deepEqual([r.code, r.stdout, r.stderr], [111, '', 'multilog: fatal: unable to lock directory ./g3: temporary failure\n']);
  first.stdin?.end();
  assert.deepEqual(await exited(first), [0, null]);
});

test('rotation and retention: s4096 n3 keeps 2 archives of 2096..4096 bytes; n1 acts as n2, s100 as s4096 (scenario 25)', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const input = Array.from({ length: 100 }, (_, i) => `line${i}`.padEnd(99, 'x') + '\n').join('');
  const r = await runTool('multilog', ['s4096', 'n3', './r', 's100', 'n1', './one'], { cwd: box.root, input });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  const names = archives(box.path('r'));
  assert.equal(names.length, 2);
  for (const n of names) {
    assert.match(n, /^@[0-9a-f]{24}\.s$/);
    const body = readFileSync(box.path('r', n), 'utf8');
    assert.ok(body.length >= 2096 && body.length <= 4096 && body.endsWith('\n'), `${n}: ${body.length}`);
    assert.equal(mode(box.path('r', n)), 0o744);
  }
  assert.equal(archives(box.path('one')).length, 1);
  const all = [...names.map((n) => box.path('r', n)), box.path('r/current')].map((p) => readFileSync(p, 'utf8')).join('');
  assert.ok(input.endsWith(all));
});

test('an unfinished current is recovered as .u, a finished processed as .s (compat 7.7)', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  mkdirSync(box.path('a'), { mode: 0o700 });
  writeFileSync(box.path('a/current'), 'cur\n', { mode: 0o644 });
  writeFileSync(box.path('a/previous'), 'prev\n');
  writeFileSync(box.path('a/processed'), 'proc\n');
  chmodSync(box.path('a/processed'), 0o744);
  writeFileSync(box.path('a/state'), 'old state\n');
  const r = await runTool('multilog', ['./a'], { cwd: box.root, input: 'new\n' });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  const names = archives(box.path('a'));
  assert.deepEqual(names.map((n) => n.slice(-2)), ['.s', '.u']);
  assert.deepEqual(names.map((n) => readFileSync(box.path('a', n), 'utf8')), ['proc\n', 'cur\n']);
  assert.deepEqual(readdirSync(box.path('a')).filter((n) => !n.startsWith('@')).sort(), ['current', 'lock', 'state']);
  assert.deepEqual([readFileSync(box.path('a/state'), 'utf8'), readFileSync(box.path('a/current'), 'utf8')], ['', 'new\n']);
  // A clean current (0744) is continued, state untouched.
  writeFileSync(box.path('a/state'), 'kept\n');
  const again = await runTool('multilog', ['./a'], { cwd: box.root, input: 'more\n' });
  assert.deepEqual([again.code, again.stderr], [0, '']);
  assert.deepEqual([readFileSync(box.path('a/current'), 'utf8'), readFileSync(box.path('a/state'), 'utf8')], ['new\nmore\n', 'kept\n']);
});

test('processor: output archived, state passed on fd 4/5, a failing run warns and is retried after 5 s (scenario 28)', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const proc = '!test -f ../failed-once || { touch ../failed-once; exit 1; }; tr a-z A-Z; cat <&4; echo S$$ >&5';
  const input = Array.from({ length: 80 }, (_, i) => `line ${i}`.padEnd(99, 'x') + '\n').join('');
  const r = await runTool('multilog', ['s4096', proc, './p'], { cwd: box.root, input });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', 'multilog: warning: processor failed in ./p, pausing\n']);
  const names = archives(box.path('p'));
  assert.ok(names.length >= 2);
  const first = readFileSync(box.path('p', names[0] ?? ''), 'utf8');
  const second = readFileSync(box.path('p', names[1] ?? ''), 'utf8');
  assert.match(first, /^LINE 0XXX/);
  const state1 = /S\d+\n$/.exec(second);
  assert.ok(state1 !== null && !first.includes(state1[0]), 'second archive ends with the first run state');
  assert.match(readFileSync(box.path('p/state'), 'utf8'), /^S\d+\n$/);
  assert.deepEqual(readdirSync(box.path('p')).filter((n) => ['previous', 'processed', 'newstate'].includes(n)), []);
});

test('e copies selected lines to stderr, 200 bytes then ... ; patterns see only 1000 bytes (scenario 30)', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const long = 'a'.repeat(300);
  const big = 'b'.repeat(1000) + 'END';
  const r = await runTool('multilog', ['-*END', 'e', './d'], { cwd: box.root, input: `${long}\nshortEND\n${big}\nok\n` });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', `${'a'.repeat(200)}...\n${'b'.repeat(200)}...\nok\n`]);
  assert.equal(readFileSync(box.path('d/current'), 'utf8'), `${long}\n${big}\nok\n`);
});

test('ALRM rotates a non-empty current; HUP is ignored; TERM finishes the line and leaves the rest', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const c = background(box, ['./s']);
  const out = collect(c);
  c.stdin?.write('first\n');
  await waitFor(() => read(box.path('s/current')) === 'first\n', DEADLINE_MS, 'first line');
  c.kill('SIGALRM');
  await waitFor(() => archives(box.path('s')).length === 1, DEADLINE_MS, 'rotation');
  // An ALRM on an empty current rotates nothing: both signals handled before more input
  // (a late ALRM would rotate 'second').
  c.kill('SIGALRM');
  c.kill('SIGHUP');
  await waitFor(() => signalsHandled(c.pid ?? 0), DEADLINE_MS, 'ALRM and HUP handled');
  c.stdin?.write('second\nthird-');
  await waitFor(() => read(box.path('s/current')) === 'second\n', DEADLINE_MS, 'second line');
  // TERM handled before the rest arrives: multilog then reads only to the end of the line.
  c.kill('SIGTERM');
  await waitFor(() => signalsHandled(c.pid ?? 0), DEADLINE_MS, 'TERM handled');
  c.stdin?.write('part\nstays in pipe\n');
  assert.deepEqual(await exited(c), [0, null]);
  assert.equal(out.err(), '');
  assert.equal(archives(box.path('s')).length, 1);
  assert.equal(readFileSync(box.path('s/current'), 'utf8'), 'second\nthird-part\n');
  assert.equal(mode(box.path('s/current')), 0o744);
});

test('disk full: warns, pauses, and loses nothing once space returns (compat 7.9)', async (t) => {
  const box = new Sandbox();
  const mnt = box.path('mnt');
  let mounted = false;
  // Unmount first: the sandbox cannot be removed while the tmpfs is mounted in it.
  t.after(async () => {
    if (mounted) spawnSync('umount', ['-l', mnt]);
    await box.cleanup();
  });
  mkdirSync(mnt);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
  if (m.status !== 0) {
    if (process.env['CI'] === 'true') assert.fail(`mount tmpfs failed: ${m.stderr}`);
    t.skip(`cannot mount a tmpfs here: ${String(m.stderr).trim()}`);
    return;
  }
  mounted = true;
  writeFileSync(`${mnt}/filler`, Buffer.alloc(60 * 1024));
  const c = background(box, ['./mnt/lg']);
  const out = collect(c);
  const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`.padEnd(63, '.') + '\n').join('');
  c.stdin?.write(lines);
  await waitFor(() => out.err().includes('pausing'), DEADLINE_MS, 'pausing warning');
  spawnSync('rm', ['-f', `${mnt}/filler`]);
  c.stdin?.end();
  assert.deepEqual(await exited(c), [0, null]);
  assert.match(out.err(), /^(multilog: warning: unable to write to \.\/mnt\/lg\/current, pausing: out of disk space\n)+$/);
  assert.equal(readFileSync(`${mnt}/lg/current`, 'utf8'), lines);
});
