import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartOrder, someNames } from '../../packages/core/src/scan/startorder.ts';

/** A scan dir on disk with the given needs; readiness and releases kept by the test, as the scanner keeps them. */
function setup(services: Record<string, string[]>): { dir: string; order: StartOrder; ready: Set<string>; released: string[]; warnings: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'svkit-order-'));
  for (const [name, needs] of Object.entries(services)) {
    mkdirSync(join(dir, name, 'needs'), { recursive: true });
    for (const n of needs) writeFileSync(join(dir, name, 'needs', n), '');
  }
  const ready = new Set<string>();
  const released: string[] = [];
  const warnings: string[] = [];
  const byInode = new Map<string, string>(Object.keys(services).map((n) => {
    const st = statSync(join(dir, n));
    return [`${st.dev}:${st.ino}`, n] as const;
  }));
  const order = new StartOrder({
    dir, present: (n) => n in services, nameOf: (k) => byInode.get(k), ready: (n) => ready.has(n),
    release: (n) => released.push(n), onWarning: (m) => warnings.push(m),
  });
  return { dir, order, ready, released, warnings };
}

test('gate: waits for needs not yet ready; changed() releases only those waiting for that one', async (t) => {
  const s = setup({ a: [], b: ['a'], c: ['b'], d: [] });
  t.after(() => rmSync(s.dir, { recursive: true }));
  assert.deepEqual(await s.order.gate('a', join(s.dir, 'a')), []);
  assert.deepEqual(await s.order.gate('b', join(s.dir, 'b')), ['a']);
  assert.deepEqual(await s.order.gate('c', join(s.dir, 'c')), ['b']);
  s.ready.add('a');
  s.order.changed('a');
  assert.deepEqual(s.released, ['b']);
  assert.deepEqual(await s.order.gate('b', join(s.dir, 'b')), []);
  s.order.changed('d');
  assert.deepEqual(s.released, ['b']);
  assert.deepEqual(s.warnings, []);
});

test('gate: a link names the service it points to, whatever its name', async (t) => {
  const s = setup({ db: [], web: [] });
  t.after(() => rmSync(s.dir, { recursive: true }));
  symlinkSync('../../db', join(s.dir, 'web', 'needs', 'database'));
  assert.deepEqual(await s.order.gate('web', join(s.dir, 'web')), ['db']);
  s.ready.add('db');
  assert.deepEqual(await s.order.gate('web', join(s.dir, 'web')), []);
});

test('a cycle: one warning for both members; stopPlan drops an edge of it', async (t) => {
  const s = setup({ x: ['y'], y: ['x'], z: ['x'] });
  t.after(() => rmSync(s.dir, { recursive: true }));
  assert.deepEqual(await s.order.gate('x', join(s.dir, 'x')), ['y']);
  assert.deepEqual(await s.order.gate('y', join(s.dir, 'y')), ['x']);
  assert.deepEqual(await s.order.gate('z', join(s.dir, 'z')), ['x']);
  assert.deepEqual(await s.order.gate('x', join(s.dir, 'x')), ['y']);
  assert.deepEqual(s.warnings, [`unable to start ${s.dir}/x, ${s.dir}/y: their needs/ form a cycle (x -> y -> x); they wait`]);
  const plan = s.order.stopPlan(['x', 'y', 'z']);
  assert.equal([...(plan.get('x') ?? []), ...(plan.get('y') ?? [])].filter((n) => n !== 'z').length, 1);
});

test('recheck: a held service is woken only when what it waits for changed', async (t) => {
  const s = setup({ a: [], b: ['a', 'ghost'] });
  t.after(() => rmSync(s.dir, { recursive: true }));
  assert.deepEqual(await s.order.gate('b', join(s.dir, 'b')), ['a', 'ghost']);
  assert.deepEqual(s.warnings, [`unable to start ${s.dir}/b: it needs ghost, which is no service of ${s.dir}; b waits`]);
  await s.order.recheck();
  assert.deepEqual(s.released, [], 'nothing changed: nobody woken');
  rmSync(join(s.dir, 'b', 'needs', 'ghost'));
  await s.order.recheck();
  assert.deepEqual(s.released, ['b']);
  // The same warning is not said again within the minute.
  assert.equal(s.warnings.length, 1);
});

test('someNames: five names, then a count', () => {
  assert.equal(someNames(['a']), 'a');
  assert.equal(someNames(['a', 'b', 'c', 'd', 'e', 'f', 'g']), 'a, b, c, d, e and 2 more');
});
