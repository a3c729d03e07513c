// checkLogChunks: health/check's output as `health/check: ` lines in chunks a pipe takes whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLogChunks } from '../../packages/core/src/health/checklog.ts';

const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('latin1');

test('lines are prefixed, a last line without newline gets one, nothing for no output', () => {
  assert.deepEqual(checkLogChunks(Buffer.alloc(0), 0), []);
  assert.equal(text(checkLogChunks(Buffer.from('a\n\nb'), 0)), 'health/check: a\nhealth/check: \nhealth/check: b\n');
});

test('what was cut at the cap is one count line', () => {
  assert.equal(text(checkLogChunks(Buffer.from('x\n'), 12)), 'health/check: x\nhealth/check: (12 more bytes of output not logged)\n');
  assert.equal(text(checkLogChunks(Buffer.alloc(0), 5)), 'health/check: (5 more bytes of output not logged)\n');
});

test('chunks hold whole lines and never pass PIPE_BUF; a line longer than a chunk is cut into lines', () => {
  const many = Buffer.from('boom\n'.repeat(819) + 'b');
  const chunks = checkLogChunks(many, 0);
  assert.ok(chunks.length > 1);
  for (const c of chunks) {
    assert.ok(c.length <= 4096, `chunk of ${c.length}`);
    assert.equal(c[c.length - 1], 0x0a);
  }
  assert.equal(text(chunks), 'health/check: boom\n'.repeat(819) + 'health/check: b\n');
  const long = checkLogChunks(Buffer.alloc(5000, 0x61), 0);
  const lines = text(long).split('\n').filter((l) => l !== '');
  assert.deepEqual(lines.map((l) => l.length), [4095, 14 + 5000 - (4096 - 14 - 1)]);
  for (const l of lines) assert.ok(l.startsWith('health/check: a'));
});
