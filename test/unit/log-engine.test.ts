// The log engine in-process, as svscan uses it: feed, rotateAll, close, no process-wide state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { openLog, errorKind } from '@svkit/core';
import { Sandbox } from '../helpers/sandbox.ts';

test('an engine writes each complete line at feed time and finishes current with mode 0744', (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const alerts: string[] = [];
  const log = openLog(['./d', '-*', '+err*', 'e'], { cwd: box.root, onAlert: (l) => alerts.push(Buffer.from(l).toString()) });
  log.feed(Buffer.from('one\nerr two\nthr'));
  assert.equal(readFileSync(box.path('d/current'), 'utf8'), 'one\nerr two\n');
  assert.equal(log.midLine, true);
  log.feed(Buffer.from('ee\n'));
  assert.equal(log.paused, false);
  log.rotateAll();
  log.rotateAll();
  log.feed(Buffer.from('last'));
  log.close();
  const archives = readdirSync(box.path('d')).filter((n) => n.startsWith('@'));
  assert.equal(archives.length, 1);
  assert.equal(readFileSync(box.path('d', archives[0] ?? ''), 'utf8'), 'one\nerr two\nthree\n');
  assert.equal(readFileSync(box.path('d/current'), 'utf8'), 'last\n');
  assert.equal(statSync(box.path('d/current')).mode & 0o777, 0o744);
  assert.deepEqual(alerts, ['err two\n']);
});

test('two engines cannot hold one directory; the failure is reported before any input', (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const first = openLog(['./d'], { cwd: box.root });
  assert.throws(() => openLog(['./d'], { cwd: box.root }), (err: unknown) =>
    errorKind(err) === 'temporary' && (err as Error).message === 'unable to lock directory ./d: temporary failure');
  first.close();
  openLog(['./d'], { cwd: box.root }).close();
});

/** Lines "n 1".."n COUNT", ~7 bytes each. */
function numbered(from: number, to: number): Buffer {
  let s = '';
  for (let i = from; i <= to; i++) s += `n ${i}\n`;
  return Buffer.from(s);
}

test('committed() stops at the last line written while a processor fails; close() counts the lines it drops', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const warnings: string[] = [];
  const log = openLog(['s4096', '!exit 1', './d'], { cwd: box.root, pauseMs: 60_000, onWarning: (m) => warnings.push(m) });
  const input = numbered(1, 2000);
  log.feed(input);
  assert.equal(log.fed, input.length);
  // The first rotation's processor is a child now: the lines after it wait, nothing is committed past them.
  assert.equal(log.paused, true);
  assert.deepEqual(log.waiting, ['./d (its processor)']);
  const committed = log.committed();
  assert.ok(committed > 0 && committed < input.length, `committed ${committed} of ${input.length}`);
  assert.equal(input[committed - 1], 0x0a, 'committed ends at a line end');
  const written = readFileSync(box.path('d/previous'), 'latin1');
  assert.equal(Buffer.byteLength(written), committed, 'everything committed is in previous');
  await new Promise<void>((r) => { const iv = setInterval(() => { if (warnings.length > 0) { clearInterval(iv); r(); } }, 10); });
  assert.deepEqual(warnings, ['processor failed in ./d, pausing']);
  const pending = input.subarray(committed).toString('latin1').split('\n').length - 1;
  assert.equal(log.pendingLines, pending);
  log.close();
  assert.equal(warnings.at(-1), `unable to finish ./d: ${pending} lines dropped`);
});

test('a processor that runs past processorTimeoutMs is killed and retried as failed', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const warnings: string[] = [];
  const log = openLog(['s4096', `!echo $$ > ${box.path('pid')}; exec sleep 30`, './d'], { cwd: box.root, pauseMs: 60_000, processorTimeoutMs: 300, onWarning: (m) => warnings.push(m) });
  log.feed(numbered(1, 1000));
  const end = Date.now() + 20_000;
  while (warnings.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(warnings, ['processor timed out in ./d (killed after 300 ms), pausing']);
  const pid = Number(readFileSync(box.path('pid'), 'latin1'));
  assert.throws(() => process.kill(pid, 0), 'the processor is gone');
  log.close(true);
});
