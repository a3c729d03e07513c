import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHealth, emptyHealth, encodeHealth, formatBytes, HEALTH_VERSION } from '../../packages/core/src/formats/healthstate.ts';

test('a health record survives encode and decode, one line ending in a newline', () => {
  const s = {
    ...emptyHealth(), time: 1700000000000, pid: 42, ready: false, health: 'unhealthy' as const,
    check: { kind: 'tcp', ok: false, reason: 'unable to connect to 127.0.0.1:1: connection refused', at: 1700000000001 },
    memory: 123456, cpu: 12.5, sampledAt: 1700000000002, restarts: 3,
    lastExit: { code: 1, signal: null, at: 1699999999000 }, backoff: { wait: 8, until: 1700000008000 },
    failed: null, cause: 'exit 1', startError: 'unable to start run: permission denied', waitingFor: ['db', 'cache'],
  };
  const text = encodeHealth(s);
  assert.equal(text.split('\n').length, 2);
  assert.ok(text.startsWith(`{"v":${HEALTH_VERSION},`));
  assert.deepEqual(decodeHealth(text), s);
});

test('decodeHealth refuses what is not a version >= 1 object', () => {
  for (const bad of ['', 'garbage', '[]', 'null', '{"v":0}', '{"pid":3}', '{"v":"1"}']) assert.equal(decodeHealth(bad), undefined, bad);
});

test('decodeHealth keeps what it knows of a newer record and nulls wrong types', () => {
  const d = decodeHealth('{"v":2,"pid":7,"restarts":"x","ready":true,"health":"purple","future":{"a":1},"lastExit":{"code":2,"at":5}}');
  assert.ok(d);
  assert.equal(d.pid, 7);
  assert.equal(d.restarts, 0);
  assert.equal(d.ready, true);
  assert.equal(d.health, null);
  assert.deepEqual(d.lastExit, { code: 2, signal: null, at: 5 });
  assert.equal('future' in d, false);
  assert.equal(d.waitingFor, null);
});

test('decodeHealth: waitingFor keeps the names and drops what is not a string', () => {
  assert.deepEqual(decodeHealth('{"v":1,"waitingFor":["db",3,"cache"]}')?.waitingFor, ['db', 'cache']);
  assert.equal(decodeHealth('{"v":1,"waitingFor":"db"}')?.waitingFor, null);
});

test('formatBytes gives people-sized figures', () => {
  assert.deepEqual([0, 1023, 1024, 1536, 10 * 1024, 5 * 1024 ** 2, 3.25 * 1024 ** 3].map(formatBytes),
    ['0 B', '1023 B', '1.0 KB', '1.5 KB', '10 KB', '5.0 MB', '3.3 GB']);
});
