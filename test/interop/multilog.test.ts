// svkit multilog against real daemontools multilog (compat 10: scenarios 24, 25, 28, 30): same
// files for the same input, and each continues or recovers the other's directories.
// Not tested: rotation when input arrives in reads smaller than 1024 bytes (timing-dependent in 0.76).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { needPeers, peer, runTool, startBackground } from '../helpers/tools.ts';
import { TRUTH } from '../fixtures/patterns.ts';

const skip = needPeers('multilog');
const REAL = peer('multilog') ?? '/usr/bin/multilog';
const OURS = 'multilog';
const STAMP = /@[0-9a-f]{24}/g;

/** Every file of a log directory but lock: [name with the stamp blanked, size, mode, content]. */
function snapshot(dir: string): [string, number, string, string][] {
  return readdirSync(dir).filter((n) => n !== 'lock').sort().map((n) => {
    const p = join(dir, n);
    return [n.replace(STAMP, '@'), statSync(p).size, (statSync(p).mode & 0o777).toString(8), readFileSync(p, 'latin1').replace(STAMP, '@')];
  });
}

function sample(): string {
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    const len = [0, 1, 80, 99, 511, 512, 999, 1000, 1001, 1500, 3000][i % 11] ?? 0;
    lines.push(`L${i} `.padEnd(len, String.fromCharCode(97 + (i % 26))));
  }
  return lines.join('\n') + '\n';
}

/**
 * Each multilog fsyncs every archive and state it writes: with a processor, 60 rotations of 4096
 * bytes took real multilog over 20 s while stress-ng kept the disk busy, so a run gets 3 deadlines.
 */
async function both(box: Sandbox, args: string[], input: string): Promise<void> {
  for (const [who, prog] of [['real', REAL], ['ours', OURS]] as const) {
    mkdirSync(box.path(who));
    const r = await runTool(prog, args, { cwd: box.path(who), input, timeoutMs: 3 * DEADLINE_MS });
    assert.deepEqual([who, r.code, r.stdout], [who, 0, '']);
  }
}

test('same input, same script: the same archives, sizes, modes and content (scenario 25)', { skip }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = ['s4096', 'n3', './a', 's100', 'n1', './b', 's5000', 'n30', './c'];
  await both(box, args, sample());
  for (const d of ['a', 'b', 'c']) assert.deepEqual(snapshot(box.path('ours', d)), snapshot(box.path('real', d)), d);
  assert.equal(readdirSync(box.path('ours', 'a')).filter((n) => n.startsWith('@')).length, 2);
});

test('patterns: the truth table selects the same lines; e and the 1000-byte limit agree (scenario 30)', { skip }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const patterns = [...new Set(TRUTH.map(([p]) => p))];
  const args = patterns.flatMap((p, k) => ['-*', `+${p}`, `./d${k}`]).concat(['-*END', 'e', './end']);
  const input = TRUTH.map(([, line]) => line).join('\n') + '\n' + 'a'.repeat(300) + '\n' + 'b'.repeat(1000) + 'END\nshortEND\n';
  const out: string[] = [];
  for (const [who, prog] of [['real', REAL], ['ours', OURS]] as const) {
    mkdirSync(box.path(who));
    const r = await runTool(prog, args, { cwd: box.path(who), input });
    assert.deepEqual([r.code, r.stdout], [0, '']);
    out.push(r.stderr);
  }
  assert.equal(out[1], out[0]);
  for (let k = 0; k < patterns.length; k++) {
    assert.equal(readFileSync(box.path('ours', `d${k}`, 'current'), 'utf8'), readFileSync(box.path('real', `d${k}`, 'current'), 'utf8'), patterns[k]);
  }
  assert.deepEqual(snapshot(box.path('ours', 'end')), snapshot(box.path('real', 'end')));
});

test('processor: both produce the same processed archives and state (scenario 28)', { skip }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  await both(box, ['s4096', 'n5', '!tr a-z A-Z; cat <&4; echo done >&5', './p'], sample());
  assert.deepEqual(snapshot(box.path('ours', 'p')), snapshot(box.path('real', 'p')));
});

test('a cleanly finished directory is continued by the other program, both ways (scenario 24)', { skip }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const steps = [[OURS, 'hello\nworld\npartial'], [REAL, 'from real\n'], [OURS, 'from ours\n']] as const;
  for (const [prog, input] of steps) {
    const r = await runTool(prog, ['t', './m'], { cwd: box.root, input });
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  }
  assert.deepEqual(readdirSync(box.path('m')).sort(), ['current', 'lock', 'state']);
  assert.equal(readFileSync(box.path('m/current'), 'utf8').replace(/@[0-9a-f]{24} /g, ''), 'hello\nworld\npartial\nfrom real\nfrom ours\n');
  assert.equal(statSync(box.path('m/current')).mode & 0o777, 0o744);
});

for (const [killed, taker] of [['ours', 'real'], ['real', 'ours']] as const) {
  test(`a directory of a killed ${killed} multilog is locked against and then recovered by ${taker}`, { skip }, async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const first = box.track(startBackground(killed === 'ours' ? OURS : REAL, ['./k'], { cwd: box.root, stdio: ['pipe', 'ignore', 'ignore'] }));
    first.stdin?.write('before crash\n');
    await waitFor(() => { try { return readFileSync(box.path('k/current'), 'utf8') === 'before crash\n'; } catch { return false; } }, DEADLINE_MS, 'line');
    const takerProg = taker === 'ours' ? OURS : REAL;
    const busy = await runTool(takerProg, ['./k'], { cwd: box.root, input: 'x\n' });
    assert.deepEqual([busy.code, busy.stdout, busy.stderr], [111, '', 'multilog: fatal: unable to lock directory ./k: temporary failure\n']);
    first.kill('SIGKILL');
    await waitFor(() => first.exitCode !== null || first.signalCode !== null, DEADLINE_MS, 'kill');
    const r = await runTool(takerProg, ['./k'], { cwd: box.root, input: 'after\n' });
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    const names = readdirSync(box.path('k')).sort();
    assert.equal(names.length, 4);
    assert.match(names[0] ?? '', /^@[0-9a-f]{24}\.u$/);
    assert.equal(readFileSync(box.path('k', names[0] ?? ''), 'utf8'), 'before crash\n');
    assert.equal(readFileSync(box.path('k/current'), 'utf8'), 'after\n');
  });
}
