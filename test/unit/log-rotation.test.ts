// Rotation decisions (compat 7.5): chunk limits, retention, and 0.76's write chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkLength, expiredArchives, rotateAfter } from '@svkit/core';
import { Staging } from '../../packages/core/src/log/staging.ts';

test('a chunk never passes size and ends at its last newline past size - 2000', () => {
  const data = Buffer.from('x'.repeat(99) + '\n' + 'y'.repeat(50));
  assert.equal(chunkLength(0, 4096, data, 0, data.length), 150);
  assert.equal(chunkLength(2000, 4096, data, 0, data.length), 100);
  assert.equal(chunkLength(4050, 4096, data, 0, data.length), 46);
  assert.equal(rotateAfter(2096, 4096, 0x0a), true);
  assert.equal(rotateAfter(2095, 4096, 0x0a), false);
  assert.equal(rotateAfter(3000, 4096, 0x78), false);
});

test('retention keeps at most num - 1 archives, oldest first out, unrelated names ignored', () => {
  const names = ['current', 'state', '@400000000000000000000003.s', '@400000000000000000000001.u', '@400000000000000000000002.s', '@short', 'lock'];
  assert.deepEqual(expiredArchives(names, 3), ['@400000000000000000000001.u']);
  assert.deepEqual(expiredArchives(names, 2), ['@400000000000000000000001.u', '@400000000000000000000002.s']);
  assert.deepEqual(expiredArchives(names, 10), []);
});

/** Feeds 100-byte lines as multilog does (put per line, newline apart, flush every 1024 bytes). */
function fileSizes(lines: number, size: number): number[] {
  const sizes: number[] = [];
  let written = 0;
  const st = new Staging(size, 0, { write: (b) => { written += b.length; }, rotate: () => { sizes.push(written); written = 0; } });
  const line = Buffer.from('x'.repeat(99));
  let pos = 0;
  let nextRead = 1024;
  for (let i = 0; i < lines; i++) {
    for (const [buf, n] of [[line, 99], [Buffer.from('\n'), 1]] as const) {
      if (pos + n - 1 >= nextRead) { st.flush(); nextRead += 1024; }
      st.reserve(n);
      st.append(buf, 0, n);
      if (n === 1) st.putBytes(1); else st.put(n);
      pos += n;
    }
  }
  st.endChunk();
  return [...sizes, written];
}

test('100-byte lines with s4096 give the 2500/2100-byte files real multilog writes', () => {
  assert.deepEqual(fileSizes(100, 4096), [2500, 2500, 2100, 2100, 800]);
});
