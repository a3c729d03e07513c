// os/servicefile.ts: a service-dir file is read only if it is a regular file, and only up to a cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readServiceFile } from '../../packages/core/src/os/servicefile.ts';

const dir = mkdtempSync(join(tmpdir(), 'svkit-unit-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a regular file is read whole; a missing one (or one under a file) is absent', async () => {
  writeFileSync(join(dir, 'timeout-kill'), '3000\n');
  assert.deepEqual(await readServiceFile(join(dir, 'timeout-kill')), { kind: 'ok', data: Buffer.from('3000\n') });
  assert.deepEqual(await readServiceFile(join(dir, 'nope')), { kind: 'absent' });
  assert.deepEqual(await readServiceFile(join(dir, 'timeout-kill', 'x')), { kind: 'absent' });
});

test('a FIFO with no writer is reported at once, not waited on', async () => {
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  assert.deepEqual(await readServiceFile(join(dir, 'fifo')), { kind: 'not-regular', type: 'fifo' });
});

test('a symlink to /dev/zero is a device, and a directory is a directory: neither is read', async () => {
  symlinkSync('/dev/zero', join(dir, 'zero'));
  mkdirSync(join(dir, 'sub'));
  assert.deepEqual(await readServiceFile(join(dir, 'zero')), { kind: 'not-regular', type: 'character device' });
  assert.deepEqual(await readServiceFile(join(dir, 'sub')), { kind: 'not-regular', type: 'directory' });
});

test('a file over the cap is too big, one at the cap is read', async () => {
  writeFileSync(join(dir, 'big'), Buffer.alloc(101, 0x61));
  writeFileSync(join(dir, 'fits'), Buffer.alloc(100, 0x61));
  assert.deepEqual(await readServiceFile(join(dir, 'big'), 100), { kind: 'too-big', cap: 100 });
  const fits = await readServiceFile(join(dir, 'fits'), 100);
  assert.equal(fits.kind === 'ok' && fits.data.length, 100);
});

test('a /proc file that reports size 0 is read up to the cap', async () => {
  const r = await readServiceFile('/proc/self/status', 1 << 20);
  assert.equal(r.kind, 'ok');
  assert.match(r.kind === 'ok' ? r.data.toString() : '', /^Name:/);
  assert.deepEqual(await readServiceFile('/proc/self/status', 10), { kind: 'too-big', cap: 10 });
});

test('a path given as bytes (a name that is not UTF-8) is read as those bytes', async () => {
  const name = Buffer.concat([Buffer.from(join(dir, 'env-')), Buffer.from([0xff, 0xfe])]);
  writeFileSync(name, 'latin\n');
  assert.deepEqual(await readServiceFile(name), { kind: 'ok', data: Buffer.from('latin\n') });
  assert.deepEqual(await readServiceFile(Buffer.concat([name, Buffer.from('x')])), { kind: 'absent' });
});
