// The in-process script's `1` action (svscan's stdout, labelled) and `log-stderr` (stderr into
// the log pipe): real services, svscan's real stdout pipe, checked line by line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';

import { startSvscan, waitUp } from './_svscan.ts';

const LINES = 3000;
const PAD = 'x'.repeat(150);

function chatty(name: string): string {
  // Whole lines from several writes each (printf of parts), so only the log engine can keep them whole.
  return `i=0; while [ $i -lt ${LINES} ]; do i=$((i+1)); printf '%s %s ' ${name} $i; printf '%s\\n' ${PAD}; done; exec sleep 1000`;
}

test('1 and 1t: two chatty services on svscan\'s stdout, every line once, whole, in order, labelled', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/alpha', chatty('alpha'));
  box.write('sc/alpha/log/multilog', '1\n');
  box.service('sc/beta', chatty('beta'));
  box.write('sc/beta/log/multilog', 't\n-* beta 7*\n1t\ns16777215\n./main\n');
  const scan = startSvscan(box, 'sc');
  let out = '';
  scan.child.stdout?.on('data', (b: Buffer) => { out += b.toString('latin1'); });
  const count = (re: RegExp): number => out.split('\n').filter((l) => re.test(l)).length;
  const beta = LINES - 1 - 10 - 100; // lines 7, 70..79, 700..799 deselected
  await waitFor(() => count(/^alpha: alpha \d+ /) === LINES && count(/ beta: beta \d+ /) === beta, DEADLINE_MS, `every line on stdout (${count(/alpha: /)}, ${count(/beta: /)}) ${scan.stderr()}`);
  const seen = { alpha: 0, beta: 0 };
  for (const line of out.split('\n').slice(0, -1)) {
    const m = /^(?:(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}) )?(alpha|beta): (alpha|beta) (\d+) (x+)$/.exec(line);
    assert.ok(m, `a whole labelled line: ${JSON.stringify(line.slice(0, 80))}`);
    const [, stamp, label, who, n, pad] = m;
    assert.equal(label, who);
    assert.equal(pad, PAD);
    assert.equal(stamp !== undefined, label === 'beta', 'only 1t stamps');
    const key = label as 'alpha' | 'beta';
    let next = seen[key] + 1;
    if (key === 'beta') while (String(next).startsWith('7')) next++;
    assert.equal(Number(n), next, `${key}: line ${next} next, once`);
    seen[key] = next;
  }
  assert.equal(out.endsWith('\n'), true);
  // 1 with no directory logs nowhere else; beta's ./main has the same lines, stamped.
  assert.equal(existsSync(box.path('sc/alpha/log/main')), false);
  await waitFor(() => readFileSync(box.path('sc/beta/log/main/current'), 'latin1').split('\n').length === beta + 1, DEADLINE_MS, 'beta logged to main');
  scan.child.kill('SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
  assert.equal(scan.stderr(), '');
});

test('log-stderr: run\'s stderr joins its log (in-process and log/run); without it stderr stays svscan\'s', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/crash', 'echo out; echo "Error: boom at line 3" >&2; exec sleep 1000', { 'log-stderr': '' });
  box.write('sc/crash/log/multilog', 't\n1\n./main\n');
  box.service('sc/ext', 'echo ext-out; echo ext-err >&2; exec sleep 1000', { 'log-stderr': '', 'log/run': 'exec cat > got' });
  box.service('sc/plain', 'echo plain-out; echo plain-err >&2; exec sleep 1000');
  box.write('sc/plain/log/multilog', './main\n');
  const scan = startSvscan(box, 'sc');
  let out = '';
  scan.child.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
  const current = box.path('sc/crash/log/main/current');
  await waitFor(() => existsSync(current) && readFileSync(current, 'latin1').includes('boom'), DEADLINE_MS, 'stderr in the log');
  assert.match(readFileSync(current, 'latin1'), /^@[0-9a-f]{24} out\n@[0-9a-f]{24} Error: boom at line 3\n$/);
  await waitFor(() => out.includes('crash: Error: boom at line 3\n'), DEADLINE_MS, 'labelled on stdout');
  const got = box.path('sc/ext/log/got');
  await waitFor(() => existsSync(got) && readFileSync(got, 'latin1').split('\n').length === 3, DEADLINE_MS, 'log/run got both');
  assert.deepEqual(readFileSync(got, 'latin1').split('\n').sort(), ['', 'ext-err', 'ext-out']);
  await waitFor(() => scan.stderr().includes('plain-err\n'), DEADLINE_MS, 'plain stderr on svscan\'s stderr');
  await waitFor(() => existsSync(box.path('sc/plain/log/main/current')) && readFileSync(box.path('sc/plain/log/main/current'), 'latin1') === 'plain-out\n', DEADLINE_MS, 'plain stdout logged');
  assert.equal(scan.stderr(), 'plain-err\n');
  scan.child.kill('SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
});
