import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cycleText, cycleThrough, missingNeeds, stopAfter } from '../../packages/core/src/scan/needs.ts';

const graph = (o: Record<string, string[]>): Map<string, string[]> => new Map(Object.entries(o));

test('missing: the needs that name no service, in the order listed', () => {
  const g = graph({ c: ['b', 'db', 'a', 'cache'] });
  const present = new Set(['a', 'b', 'c']);
  assert.deepEqual(missingNeeds(g, 'c', (n) => present.has(n)), ['db', 'cache']);
  assert.deepEqual(missingNeeds(g, 'a', (n) => present.has(n)), []);
});

test('cycle: every member finds the same one, from its smallest name', () => {
  const g = graph({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] });
  assert.deepEqual(cycleThrough(g, 'a'), ['a', 'b', 'c']);
  assert.deepEqual(cycleThrough(g, 'b'), ['a', 'b', 'c']);
  assert.deepEqual(cycleThrough(g, 'c'), ['a', 'b', 'c']);
  // d needs a member but is in no cycle: it waits for a, it is not named in the cycle.
  assert.equal(cycleThrough(g, 'd'), undefined);
  assert.equal(cycleText(['a', 'b', 'c']), 'a -> b -> c -> a');
});

test('cycle: a service that needs itself, and a chain without a cycle', () => {
  assert.deepEqual(cycleThrough(graph({ x: ['x'] }), 'x'), ['x']);
  assert.equal(cycleThrough(graph({ c: ['b'], b: ['a'] }), 'c'), undefined);
  // A diamond is no cycle.
  assert.equal(cycleThrough(graph({ d: ['b', 'c'], b: ['a'], c: ['a'] }), 'd'), undefined);
});

test('cycle: found through a longer detour, the path of the cycle only', () => {
  const g = graph({ a: ['x', 'b'], x: [], b: ['c'], c: ['d'], d: ['b'] });
  assert.equal(cycleThrough(g, 'a'), undefined);
  assert.deepEqual(cycleThrough(g, 'c'), ['b', 'c', 'd']);
});

test('stop order: each service waits for its dependants; unrelated ones wait for nobody', () => {
  const g = graph({ c: ['b'], b: ['a'], a: [], lone: [] });
  const plan = stopAfter(g, ['a', 'b', 'c', 'lone', 'other']);
  assert.deepEqual(plan.get('a'), ['b']);
  assert.deepEqual(plan.get('b'), ['c']);
  assert.deepEqual(plan.get('c'), []);
  assert.deepEqual(plan.get('lone'), []);
  assert.deepEqual(plan.get('other'), []);
});

test('stop order: a diamond, duplicates, and needs outside the set', () => {
  const g = graph({ d: ['b', 'c', 'b'], b: ['a'], c: ['a', 'gone'] });
  const plan = stopAfter(g, ['a', 'b', 'c', 'd']);
  assert.deepEqual(plan.get('a')?.sort(), ['b', 'c']);
  assert.deepEqual(plan.get('b'), ['d']);
  assert.deepEqual(plan.get('c'), ['d']);
  assert.deepEqual(plan.get('d'), []);
});

test('stop order: a cycle loses one edge, so nobody waits for itself', () => {
  const g = graph({ a: ['b'], b: ['a'], s: ['s'] });
  const plan = stopAfter(g, ['a', 'b', 's']);
  assert.deepEqual(plan.get('s'), []);
  // Exactly one of the two edges is kept: no wait for each other.
  const waits = [...(plan.get('a') ?? []), ...(plan.get('b') ?? [])];
  assert.equal(waits.length, 1);
  // Following the waits from anywhere ends: no deadlock.
  const ends = (n: string, seen = new Set<string>()): boolean => {
    if (seen.has(n)) return false;
    seen.add(n);
    return (plan.get(n) ?? []).every((m) => ends(m, new Set(seen)));
  };
  for (const n of plan.keys()) assert.ok(ends(n), n);
});
