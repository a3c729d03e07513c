// The `watch` file: a change under a watched path restarts the service once per burst, after
// watch-delay; ignored paths (node_modules, .git, supervise/, log/, !patterns) restart nothing.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { startSvscan, waitNewPid, waitUp } from './_svscan.ts';
import { parseWatchFile, matches, baseOf } from '../../packages/core/src/watch/patterns.ts';

const box = new Sandbox();
after(() => box.cleanup());

/** Lines the run script wrote, one per start (0 before the first has written). */
function starts(dir: string): number {
  try {
    return readFileSync(join(dir, 'starts'), 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

/** The pid the last start wrote (0 before any). */
function lastStart(dir: string): number {
  try {
    return Number(readFileSync(join(dir, 'starts'), 'utf8').split('\n').filter(Boolean).at(-1) ?? 0);
  } catch {
    return 0;
  }
}

/** svstat says dir has been up for at least 2 s (the '\d+ seconds' of its line). */
async function upTwoSeconds(dir: string): Promise<boolean> {
  const m = /: up \(pid \d+\) (\d+) seconds\n$/.exec((await runTool('svstat', [dir])).stdout);
  return m !== null && Number(m[1]) >= 2;
}

test('watch patterns: globs, directories, ignores', () => {
  const p = parseWatchFile('src\n# comment\n**/*.json\n!src/gen\n', '/s');
  assert.deepEqual(p.include, ['/s/src', '/s/**/*.json']);
  assert.deepEqual(p.exclude, ['/s/**/node_modules', '/s/**/.git', '/s/supervise', '/s/log', '/s/src/gen']);
  assert.equal(baseOf('/s/**/*.json'), '/s');
  assert.ok(matches('/s/src/a/b.ts', '/s/src'));
  assert.ok(!matches('/s/srcx', '/s/src'));
  assert.ok(matches('/s/a/b/c.json', '/s/**/*.json'));
  assert.ok(!matches('/s/a/b/c.js', '/s/**/*.json'));
  assert.ok(matches('/s/x/node_modules/y/z.js', '/s/**/node_modules'));
});

test('a burst of changes restarts once; ignored paths restart nothing', async () => {
  const scan = box.path('scan');
  const dir = box.service('scan/app', 'echo $$ >> starts; exec sleep 1000', { watch: 'src\n!src/generated\n', 'watch-delay': '200\n' });
  for (const d of ['src/generated', 'src/node_modules/dep', '.git']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'src/main.js'), '1');
  const sv = startSvscan(box, scan);
  const pid1 = await waitUp(dir, 20_000);
  await waitFor(() => starts(dir) === 1, 20_000, 'first start written');
  // The watcher is ready once a change restarts the service: probe until one does.
  // (One write a second: writing more often would keep postponing the debounced restart.)
  for (let i = 0; starts(dir) < 2; i++) {
    assert.ok(i < 20, 'watcher ready within 20 s');
    writeFileSync(join(dir, 'src/main.js'), String(i));
    await waitFor(() => starts(dir) >= 2, 1000).catch(() => {});
  }
  // On a busy machine a probe written while the previous one's restart was under way restarts
  // it once more: count from a start that has stayed up 2 s (10x the delay) and has written its line.
  await waitFor(() => upTwoSeconds(dir), 20_000, 'up 2 s after the probes');
  const pid2 = await waitNewPid(dir, pid1, 20_000);
  await waitFor(() => lastStart(dir) === pid2, 20_000, 'the probed start written');
  const before = starts(dir);

  // A burst: 30 files written and rewritten, faster than the 200 ms delay.
  for (let i = 0; i < 30; i++) writeFileSync(join(dir, `src/f${i % 10}.js`), String(i));
  const pid3 = await waitNewPid(dir, pid2, 20_000);
  // Another, later change restarts once more: had the burst caused two restarts, we would count 3.
  await waitFor(async () => /: up \(pid \d+\) [1-9]\d* seconds\n$/.test((await runTool('svstat', [dir])).stdout), 20_000, 'up a while after the burst');
  writeFileSync(join(dir, 'src/main.js'), 'after');
  const pid4 = await waitNewPid(dir, pid3, 20_000);
  await waitFor(() => lastStart(dir) === pid4, 20_000, 'the last start written');
  assert.equal(starts(dir), before + 2);

  // Ignored: node_modules, .git, an !pattern, the log and supervise dirs. The service stays up for 2 s (20x the delay).
  writeFileSync(join(dir, 'src/node_modules/dep/x.js'), 'x');
  writeFileSync(join(dir, '.git/HEAD'), 'x');
  writeFileSync(join(dir, 'src/generated/out.js'), 'x');
  writeFileSync(join(dir, 'README'), 'not watched');
  await waitFor(async () => /: up \(pid \d+\) [2-9]\d* seconds\n$/.test((await runTool('svstat', [dir])).stdout), 20_000, 'up 2 s after ignored changes');
  assert.equal(await waitUp(dir), pid4);
  assert.equal(starts(dir), before + 2);
  // Each restart by watch is one restart event, cause watch (there was a second, cause command).
  const restarts = (): unknown[] => {
    try {
      return readFileSync(join(dir, 'supervise/events'), 'utf8').split('\n').filter(Boolean)
        .map((l) => JSON.parse(l) as { kind: string; cause?: string }).filter((e) => e.kind === 'restart').map((e) => e.cause);
    } catch {
      return [];
    }
  };
  await waitFor(() => restarts().length >= starts(dir) - 1, 20_000, 'the restart events written');
  assert.deepEqual(restarts(), Array(starts(dir) - 1).fill('watch'));
  sv.child.kill('SIGTERM');
  assert.equal((await sv.exited).code, 0, sv.stderr());
  assert.equal(sv.stderr(), '');
});

test('a watch that is not a regular file and a bad watch-delay: one warning each, the service runs', async () => {
  const scan = box.path('scan-bad');
  const dir = box.service('scan-bad/app', 'echo $$ >> starts; exec sleep 1000', { 'watch-delay': 'soon\n' });
  mkdirSync(join(dir, 'watch'));
  const sv = startSvscan(box, scan);
  await waitUp(dir, 20_000);
  await waitFor(() => sv.stderr().includes('watch: not a regular file'), 20_000, 'the warnings');
  assert.equal(sv.stderr(), `svscan: warning: unable to read ${dir}/watch-delay: not a number of milliseconds: using 300\nsvscan: warning: unable to read ${dir}/watch: not a regular file (directory): nothing watched\n`);
  sv.child.kill('SIGTERM');
  assert.equal((await sv.exited).code, 0, sv.stderr());
});
