// A stdout that svscan's `1` action cannot write (a pipe nobody reads, as a stopped
// `docker logs`): lines for it are dropped and counted, every other log keeps flowing, svscan stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, constants, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { startBackground } from '../helpers/tools.ts';
import { waitUp } from '../scenarios/_svscan.ts';

test('stdout not read: the labelled lines are dropped and counted, other logs keep flowing, svscan stops', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/flood', 'i=0; while [ $i -lt 40000 ]; do i=$((i+1)); echo "flood $i ................................................................"; done; : > flooded; exec sleep 1000');
  box.write('sc/flood/log/multilog', '1\n');
  box.service('sc/quiet', 'echo before; while [ ! -e ../flood/flooded ]; do sleep 0.1; done; echo after; exec sleep 1000');
  box.write('sc/quiet/log/multilog', './main\n');
  const fifo = box.path('stdout.fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK); // held, never read
  const writer = openSync(fifo, constants.O_WRONLY);
  const child = box.track(startBackground('svscan', ['sc'], { cwd: box.root, stdio: ['ignore', writer, 'pipe'] }));
  closeSync(writer);
  let err = '';
  child.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.after(() => closeSync(reader));
  // 40000 lines of ~90 bytes pass far beyond the pipe (64 KiB) and the queue (1 MiB).
  await waitFor(() => existsSync(box.path('sc/flood/flooded')), DEADLINE_MS * 2, 'the flood went through svscan');
  const current = box.path('sc/quiet/log/main/current');
  await waitFor(() => existsSync(current) && readFileSync(current, 'latin1') === 'before\nafter\n', DEADLINE_MS, 'the other service still logs');
  await waitUp(box.path('sc/quiet'));
  assert.match(err, /^svscan: warning: unable to write to stdout: it is not read, so lines for it are dropped/m);
  assert.ok(statSync(fifo).isFIFO());
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
