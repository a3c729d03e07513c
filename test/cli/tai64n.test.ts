// tai64n through bin/: the 0.76 format, a missing final newline kept missing, a round trip via tai64nlocal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTool } from '../helpers/tools.ts';

test('tai64n stamps every line, empty ones too, and keeps a missing final newline missing', async () => {
  const t0 = Math.floor(Date.now() / 1000);
  const r = await runTool('tai64n', [], { input: 'line one\n\nno-newline-at-end' });
  const t1 = Date.now() / 1000;
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^@4[0-9a-f]{15}[0-9a-f]{8} line one\n@[0-9a-f]{24} \n@[0-9a-f]{24} no-newline-at-end$/);
  const nanos = [...r.stdout.matchAll(/@[0-9a-f]{16}([0-9a-f]{8})/g)].map((m) => parseInt(m[1] ?? '', 16));
  assert.ok(nanos.every((n) => n % 1000 === 500), 'nanoseconds end in 500');
  const unix = Number(BigInt('0x' + r.stdout.slice(1, 17)) - (1n << 62n) - 10n);
  // Between the clock before the run and after it, however long a busy machine made that.
  assert.ok(unix >= t0 && unix <= t1, `stamp ${unix} within [${t0}, ${t1}]`);
});

test('tai64n output read back by tai64nlocal gives the current time', async () => {
  const t0 = Math.floor(Date.now() / 1000) * 1000;
  const stamped = await runTool('tai64n', [], { input: 'x\n' });
  const t1 = Date.now();
  const r = await runTool('tai64nlocal', [], { input: stamped.stdout, env: { ...process.env, TZ: 'UTC' } });
  assert.equal(r.code, 0);
  const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.\d{6}500 x\n$/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const at = Date.parse((m[1] ?? '') + 'Z');
  assert.ok(at >= t0 && at <= t1, `${m[1]} within the run of tai64n`);
});
