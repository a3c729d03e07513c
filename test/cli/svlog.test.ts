// svlog: history in order with local stamps, -n, --since, --grep, --json, several logs, bad
// input; and -f across forced rotations (real multilog's ALRM, svscan's in-process log) with
// no line lost or repeated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { needPeers, peer, runTool, startBackground } from '../helpers/tools.ts';
import { startSvscan, waitUp } from '../scenarios/_svscan.ts';

// 2026-12-02 21:19:17 UTC and one second apart.
const T0 = 0x400000006b108b5fn;
function stamp(k: number): string {
  return `@${(T0 + BigInt(k)).toString(16).padStart(16, '0')}00000000`;
}

/** A log dir written by hand: two archives and current, stamps k = 0..8, current ends mid-line. */
function logDir(box: Sandbox, rel: string, word: string): string {
  const line = (k: number): string => `${stamp(k)} ${word} ${k}\n`;
  box.write(`${rel}/${stamp(2)}.s`, line(0) + line(1) + line(2));
  box.write(`${rel}/${stamp(5)}.u`, line(3) + line(4) + line(5));
  box.write(`${rel}/current`, line(6) + line(7) + line(8) + `${stamp(9)} unfinished`);
  box.write(`${rel}/state`, '');
  return box.path(rel);
}

async function local(text: string): Promise<string> {
  return (await runTool('tai64nlocal', [], { input: text })).stdout;
}

test('svlog DIR: archives then current in order, local stamps as tai64nlocal prints them, the unfinished line left out', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = logDir(box, 'web/log/main', 'web');
  box.write('web/run', '#!/bin/sh\n', 0o755);
  const all = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((k) => `${stamp(k)} web ${k}\n`).join('');
  const r = await runTool('svlog', [dir]);
  assert.deepEqual([r.code, r.stderr], [0, '']);
  assert.equal(r.stdout, await local(all));
  // A service dir names the same log (S/log/main).
  assert.equal((await runTool('svlog', [box.path('web')])).stdout, r.stdout);
  // -n reads backwards across files: the same as tail -n N | tai64nlocal.
  for (const n of [0, 1, 3, 4, 9, 50]) {
    const tail = all.split('\n').slice(0, -1).slice(-n || all.length).map((l) => `${l}\n`).join('');
    assert.equal((await runTool('svlog', ['-n', String(n), dir])).stdout, n === 0 ? '' : await local(tail), `-n ${n}`);
  }
  const grep = await runTool('svlog', ['--grep', 'web [357]$', dir]);
  assert.equal(grep.stdout, await local([3, 5, 7].map((k) => `${stamp(k)} web ${k}\n`).join('')));
  const since = await runTool('svlog', ['--since', stamp(7), '-n', '5', dir]);
  assert.equal(since.stdout, await local(`${stamp(7)} web 7\n${stamp(8)} web 8\n`));
  const json = await runTool('svlog', ['--json', '-n', '1', dir]);
  assert.deepEqual(JSON.parse(json.stdout), { service: 'web', time: '2026-12-02T21:19:25.000Z', tai64n: stamp(8), line: 'web 8' });
});

test('svlog on several logs and on a scan dir prefixes the service name; bad input is refused before output', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  logDir(box, 'sc/a/log/main', 'a');
  logDir(box, 'sc/b/log/main', 'b');
  box.write('sc/a/run', '#!/bin/sh\n', 0o755);
  box.write('sc/b/run', '#!/bin/sh\n', 0o755);
  const r = await runTool('svlog', ['-n', '1', box.path('sc')]);
  assert.deepEqual([r.code, r.stderr], [0, '']);
  const lt = (await local(`${stamp(8)} x\n`)).slice(0, -3);
  assert.equal(r.stdout, `a: ${lt} a 8\nb: ${lt} b 8\n`);
  const j = await runTool('svlog', ['--json', '-n', '1', box.path('sc/a'), box.path('sc/b/log/main')]);
  assert.deepEqual(j.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { service: string }).service), ['a', 'b']);
  for (const [args, err] of [
    [['--grep', '(', box.path('sc')], /^svlog: fatal: unable to parse --grep "\(": Unterminated group\n$/],
    [['--since', 'yesterday-ish', box.path('sc')], /^svlog: fatal: unable to parse --since "yesterday-ish": not a time/],
    [['-n', 'x', box.path('sc')], /^svlog: fatal: unable to parse -n "x"/],
    [[], /^svlog: usage: svlog \[-f\]/],
    [['-z', box.path('sc')], /^svlog: usage: /],
    [[box.path('nothing')], /^svlog: fatal: unable to find a log in /],
  ] as const) {
    const b = await runTool('svlog', [...args]);
    assert.equal(b.code, 100, args.join(' '));
    assert.equal(b.stdout, '');
    assert.match(b.stderr, err);
  }
});

/** Lines `N` of svlog -f's output (their text after the stamp), for the no-loss check. */
function numbers(out: string): number[] {
  return out.split('\n').slice(0, -1).map((l) => Number(/ (\d+)$/.exec(l)?.[1] ?? NaN));
}

async function followAcrossRotations(t: import('node:test').TestContext, log: Record<string, string>, rotate: (box: Sandbox) => Promise<void>): Promise<void> {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const N = 3000;
  // Writes N numbered lines once `go` exists, pausing on `hold` so rotations fall mid-stream.
  box.service('sc/x', `while [ ! -e ../go ]; do sleep 0.05; done; i=0; while [ $i -lt ${N} ]; do i=$((i+1)); echo "line $i"; if [ $((i % 500)) = 0 ]; then : > ../at.$i; while [ ! -e ../rotated.$i ]; do sleep 0.05; done; fi; done; : > ../done; exec sleep 1000`, log);
  box.write('sc/x/log/main/.keep', '');
  const scan = startSvscan(box, 'sc');
  await waitUp(box.path('sc/x'));
  await waitFor(() => existsSync(box.path('sc/x/log/main/current')), DEADLINE_MS, 'current made');
  const f = box.track(startBackground('svlog', ['-f', box.path('sc/x')], { cwd: box.root }));
  let out = '';
  let err = '';
  f.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
  f.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
  // svlog has its snapshot once it is watching: give it evidence by waiting for its inotify fd.
  await waitFor(() => readdirSync(`/proc/${f.pid}/fd`).some((fd) => { try { return readFileSync(`/proc/${f.pid}/fdinfo/${fd}`, 'latin1').includes('inotify'); } catch { return false; } }), DEADLINE_MS, 'svlog watching');
  box.write('sc/go', '');
  for (let i = 500; i <= N; i += 500) {
    await waitFor(() => existsSync(box.path(`sc/at.${i}`)), DEADLINE_MS, `line ${i} written`);
    await rotate(box);
    box.write(`sc/rotated.${i}`, '');
  }
  await waitFor(() => existsSync(box.path('sc/done')), DEADLINE_MS, 'all written');
  await waitFor(() => out.includes(` line ${N}\n`), DEADLINE_MS, `svlog followed to line ${N}`).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}: svlog printed up to ${numbers(out).at(-1)}, stderr ${JSON.stringify(err)}, files ${readdirSync(box.path('sc/x/log/main')).length}`);
  });
  const archives = readdirSync(box.path('sc/x/log/main')).filter((n) => n.startsWith('@'));
  assert.ok(archives.length >= 6, `rotated (${archives.length} archives)`);
  assert.deepEqual(numbers(out), Array.from({ length: N }, (_, k) => k + 1), 'every line once, in order');
  assert.equal(err, '');
  f.kill('SIGTERM');
  scan.child.kill('SIGTERM');
  await scan.exited;
}

test('svlog -f across real multilog rotations forced by ALRM (svc -a): no line lost, none repeated', { skip: needPeers('multilog') }, async (t) => {
  await followAcrossRotations(t, { 'log/run': `exec ${peer('multilog')} t n20 ./main` }, async (box) => {
    const before = readdirSync(box.path('sc/x/log/main')).filter((n) => n.startsWith('@')).length;
    const r = await runTool('svc', ['-a', box.path('sc/x/log')]);
    assert.equal(r.code, 0);
    await waitFor(() => readdirSync(box.path('sc/x/log/main')).filter((n) => n.startsWith('@')).length > before, DEADLINE_MS, 'a new archive');
  });
});

test('svlog -f across the in-process log\'s rotations (s4096): no line lost, none repeated', async (t) => {
  await followAcrossRotations(t, { 'log/multilog': 't\ns4096\nn100\n./main\n' }, async () => {});
});
