// tai64n.ts (core codec): daemontools' TAI convention, packing and text form of TAI64N stamps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TAI_OFFSET, formatTai64n, nowMicros, packTai64n, parseTai64n, tai64nAt, unixSeconds, unpackTai64n } from '@svkit/core';

test('the label of unix time 0 is 400000000000000a, with 500 ns', () => {
  const t = tai64nAt(0n);
  assert.equal(t.seconds.toString(16), '400000000000000a');
  assert.equal(t.nano, 500);
  assert.equal(formatTai64n(t), '400000000000000a000001f4');
});

test('nanoseconds are microseconds * 1000 + 500, so every stamp ends in 500', () => {
  for (const micros of [0n, 1n, 999_999n, 1_795_290_966_172_602n, 1_000_000n]) {
    const t = tai64nAt(micros);
    assert.equal(t.nano % 1000, 500, String(micros));
    assert.equal(BigInt(t.nano - 500), (micros % 1_000_000n) * 1000n);
    assert.equal(unixSeconds(t), micros / 1_000_000n);
  }
});

test('hexdump A\'s stamp is unix 1795290966 plus 172602500 ns', () => {
  const t = tai64nAt(1_795_290_966_172_602n);
  assert.equal(formatTai64n(t), '400000006b01f7600a49b484');
  assert.equal(TAI_OFFSET, (1n << 62n) + 10n);
});

test('packTai64n writes 12 big-endian bytes that unpackTai64n reads back, at any offset', () => {
  const t = { seconds: 0x400000006b01f760n, nano: 0x0a49b484 };
  const bytes = packTai64n(t);
  assert.equal(Buffer.from(bytes).toString('hex'), '400000006b01f7600a49b484');
  const big = new Uint8Array(20);
  packTai64n(t, big, 5);
  assert.deepEqual(unpackTai64n(big, 5), t);
});

test('formatTai64n and parseTai64n round-trip', () => {
  for (const micros of [0n, 123_456_789n, 1_795_290_966_172_602n]) {
    const t = tai64nAt(micros);
    assert.deepEqual(parseTai64n(formatTai64n(t)), t);
  }
});

test('parseTai64n accepts exactly 24 lowercase hex digits', () => {
  assert.deepEqual(parseTai64n('400000000000000a000001f4'), { seconds: TAI_OFFSET, nano: 500 });
  for (const bad of ['', '400000000000000a000001f', '400000000000000a000001f40', '@400000000000000a000001f4', '400000000000000A000001F4', '400000000000000g000001f4']) {
    assert.equal(parseTai64n(bad), undefined, bad);
  }
});

test('nowMicros follows the wall clock within a few milliseconds', () => {
  // Bracketed by the clock read just before and just after, so a preemption between two reads
  // (a busy machine) is not counted as drift.
  const before = BigInt(Date.now()) * 1000n;
  const us = nowMicros();
  const after = BigInt(Date.now()) * 1000n + 1000n;
  const off = us < before ? Number(us - before) : us > after ? Number(us - after) : 0;
  assert.ok(Math.abs(off) < 5000, `${off} us off`);
  assert.equal(tai64nAt().nano % 1000, 500);
});
