// status.ts: byte-exact packing and unpacking of supervise/status (compat 2.1-2.3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packStatus, unpackStatus, formatStat, sameStatus, type Status } from '@svkit/core';
import { HEXDUMPS, A_NANO, A_UNIX, bytesOf } from '../fixtures/hexdumps.ts';

const TAI = (1n << 62n) + 10n;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('hexdump A decodes to the values compat 2.2 derived by hand', () => {
  const s = unpackStatus(bytesOf(HEXDUMPS[0]!));
  assert.ok(s);
  assert.equal(s.stamp.seconds - TAI, BigInt(A_UNIX));
  assert.equal(s.stamp.nano, A_NANO);
  assert.equal(s.pid, 12782);
  assert.equal(s.paused, false);
  assert.equal(s.want, 'up');
  assert.equal(s.runit, undefined, '18 bytes carry no runit fields');
});

for (const d of HEXDUMPS) {
  test(`hexdump ${d.name} unpacks to pid ${d.pid}, paused ${d.paused}, want ${d.want} and packs back to the same bytes`, () => {
    const bytes = bytesOf(d);
    const s = unpackStatus(bytes);
    assert.ok(s);
    assert.deepEqual(
      [Number(s.stamp.seconds - TAI), s.stamp.nano, s.pid, s.paused, s.want],
      [d.unix, d.nano, d.pid, d.paused, d.want],
    );
    assert.equal(s.stamp.nano % 1000, 500, 'every daemontools stamp ends in 500 ns');
    const packed = packStatus(s);
    assert.equal(packed.length, 20);
    assert.equal(hex(packed.subarray(0, 18)), hex(bytes.subarray(0, 18)));
    if (bytes.length === 20) assert.equal(hex(packed), hex(bytes), 'a runit record round-trips whole');
  });
}

test('hexdump L (runsv, 20 bytes) carries termSent false and state down', () => {
  const s = unpackStatus(bytesOf(HEXDUMPS.find((d) => d.name === 'L')!));
  assert.deepEqual(s?.runit, { termSent: false, state: 'down' });
});

test('runit bytes 18-19 decode TERM sent and the run/finish state', () => {
  const base = Buffer.from('400000006b01f7600a49b484d803000000', 'hex');
  const vectors: [string, boolean, string][] = [['7500' + '01', false, 'run'], ['6401' + '01', true, 'run'], ['6400' + '02', false, 'finish'], ['6400' + '00', false, 'down']];
  for (const [tail, term, state] of vectors) {
    const s = unpackStatus(new Uint8Array(Buffer.concat([base, Buffer.from(tail, 'hex')])));
    assert.deepEqual(s?.runit, { termSent: term, state }, tail);
  }
});

test('packStatus writes 20 bytes: little-endian pid, paused, want u/d/0, TERM flag, state', () => {
  const stamp = { seconds: TAI + 1795290966n, nano: 172602500 };
  const cases: [Status, string][] = [
    [{ stamp, pid: 984, paused: false, want: 'up' }, 'd80300000075' + '0001'],
    [{ stamp, pid: 984, paused: true, want: 'down', runit: { termSent: true, state: 'run' } }, 'd80300000164' + '0101'],
    [{ stamp, pid: 1522, paused: false, want: 'down', runit: { termSent: false, state: 'finish' } }, 'f20500000064' + '0002'],
    [{ stamp, pid: 0, paused: false, want: 'once' }, '000000000000' + '0000'],
  ];
  for (const [s, tail] of cases) assert.equal(hex(packStatus(s)), '400000006b01f7600a49b484' + tail);
});

test('paused is forced to 0 while pid is 0, as daemontools does', () => {
  const s: Status = { stamp: { seconds: TAI, nano: 500 }, pid: 0, paused: true, want: 'up' };
  assert.equal(packStatus(s)[16], 0);
});

test('an 18-byte record decodes without runit fields; 17 bytes or fewer is undefined', () => {
  const full = packStatus({ stamp: { seconds: TAI + 5n, nano: 500 }, pid: 7, paused: false, want: 'down' });
  const s18 = unpackStatus(full.subarray(0, 18));
  assert.deepEqual(s18, { stamp: { seconds: TAI + 5n, nano: 500 }, pid: 7, paused: false, want: 'down' });
  for (const n of [0, 5, 12, 17]) assert.equal(unpackStatus(full.subarray(0, n)), undefined, `${n} bytes`);
  assert.equal(unpackStatus(new Uint8Array(19))?.runit, undefined, '19 bytes: daemontools part only');
});

test('extra bytes past 20 are ignored and an unknown want byte reads as once', () => {
  const b = new Uint8Array(24);
  b.set(packStatus({ stamp: { seconds: TAI, nano: 500 }, pid: 1, paused: false, want: 'up' }));
  b[17] = 0x78;
  const s = unpackStatus(b);
  assert.equal(s?.want, 'once');
  assert.equal(s?.pid, 1);
});

test('unpackStatus reads a record at a non-zero offset of a larger buffer', () => {
  const big = new Uint8Array(40);
  big.set(bytesOf(HEXDUMPS[0]!), 20);
  assert.equal(unpackStatus(big.subarray(20, 38))?.pid, 12782);
});

test('formatStat gives runit stat lines', () => {
  const stamp = { seconds: TAI, nano: 500 };
  assert.equal(formatStat({ stamp, pid: 5, paused: true, want: 'up', runit: { termSent: false, state: 'run' } }), 'run, paused\n');
  assert.equal(formatStat({ stamp, pid: 5, paused: false, want: 'down', runit: { termSent: true, state: 'run' } }), 'run, got TERM, want down\n');
  assert.equal(formatStat({ stamp, pid: 6, paused: false, want: 'down', runit: { termSent: false, state: 'finish' } }), 'finish, want down\n');
  assert.equal(formatStat({ stamp, pid: 0, paused: false, want: 'down', runit: { termSent: false, state: 'down' } }), 'down\n');
});

test('sameStatus says two records are the same exactly when they pack to the same bytes', () => {
  const base: Status = { stamp: { seconds: TAI + 9n, nano: 1500 }, pid: 42, paused: false, want: 'up', runit: { termSent: false, state: 'run' } };
  const variants: Status[] = [
    base,
    { ...base },
    { ...base, stamp: { seconds: TAI + 10n, nano: 1500 } },
    { ...base, stamp: { seconds: TAI + 9n, nano: 2500 } },
    { ...base, pid: 43 },
    { ...base, paused: true },
    { ...base, pid: 0, paused: true, runit: { termSent: false, state: 'down' } },
    { ...base, pid: 0, paused: false, runit: { termSent: false, state: 'down' } },
    { ...base, want: 'down' },
    { ...base, want: 'once' },
    { ...base, runit: { termSent: true, state: 'run' } },
    { ...base, runit: { termSent: false, state: 'finish' } },
    { stamp: base.stamp, pid: 42, paused: false, want: 'up' },
    { stamp: base.stamp, pid: 0, paused: false, want: 'up' },
    { stamp: base.stamp, pid: 0, paused: false, want: 'up', runit: { termSent: false, state: 'down' } },
  ];
  for (const a of variants) {
    for (const b of variants) {
      const bytes = hex(packStatus(a)) === hex(packStatus(b));
      assert.equal(sameStatus(a, b), bytes, `${JSON.stringify(a, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))} vs ${JSON.stringify(b, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    }
  }
});
