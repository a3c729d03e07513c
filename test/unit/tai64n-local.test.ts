// tai64nlocal's parsing and formatting (compat 8), added to core/tai64n.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatStampPrefix, formatTai64nLocal, parseTai64nLabel, tai64nAt } from '@svkit/core';

test('a stamp is exactly @ + 24 lowercase hex digits; anything else is not one', () => {
  const ok = parseTai64nLabel(Buffer.from('@4000000037c219bf2ef02e94 mark'));
  assert.deepEqual(ok, { stamp: { seconds: 0x4000000037c219bfn, nano: 0x2ef02e94 }, end: 25 });
  for (const bad of ['@', '@zzz', '@4000000037C219BF2EF02E94', '@4000000037c219bf x', '@4000000037c219bf2ef02e9411', 'x@4000000037c219bf2ef02e94']) {
    assert.equal(parseTai64nLabel(Buffer.from(bad)), undefined, bad);
  }
});

test('local time honours TZ as set for the process (UTC in this test run)', () => {
  const p = parseTai64nLabel(Buffer.from('@4000000037c219bf2ef02e94'));
  assert.ok(p);
  const text = formatTai64nLocal(p.stamp);
  // The expected value depends on the zone; check the shape and the fraction.
  assert.match(text ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.787492500$/);
  if (process.env['TZ'] === 'UTC') assert.equal(text, '1999-08-24 04:04:05.787492500');
  assert.equal(formatTai64nLocal({ seconds: 0xffffffffffffffffn, nano: 0 }), undefined);
});

test('the prefix of tai64n and multilog t is @, 24 hex digits ending in 500 ns, a space', () => {
  const prefix = formatStampPrefix(tai64nAt(1_700_000_000_123_456n));
  assert.equal(prefix, '@400000006553f10a075bcbf4 ');
  assert.equal(0x075bcbf4, 123456500);
});
