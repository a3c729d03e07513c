// svkit tai64n/tai64nlocal against daemontools' (scenario 32) and s6's stamps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needPeers, peer, runTool } from '../helpers/tools.ts';

const skip = needPeers('tai64n', 'tai64nlocal');
const UTC = { ...process.env, TZ: 'UTC' };

test('ours tai64n read by real tai64nlocal gives now with a fraction ending in 500', { skip }, async () => {
  const t0 = Math.floor(Date.now() / 1000) * 1000;
  const stamped = await runTool('tai64n', [], { input: 'x\n' });
  const t1 = Date.now();
  const r = await runTool(peer('tai64nlocal') ?? '', [], { input: stamped.stdout, env: UTC });
  const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.\d{6}500 x\n$/.exec(r.stdout);
  assert.ok(m, r.stdout);
  // Within the run of ours tai64n, however long a busy machine made it.
  const at = Date.parse((m[1] ?? '') + 'Z');
  assert.ok(at >= t0 && at <= t1, `${m[1]} within the run of tai64n`);
});

test('real tai64n output through ours tai64nlocal equals real tai64nlocal, in several zones', { skip }, async () => {
  const stamped = await runTool(peer('tai64n') ?? '', [], { input: 'one\n\nthree\n' });
  for (const TZ of ['UTC', 'US/Pacific', 'Asia/Kolkata']) {
    const env = { ...process.env, TZ };
    const real = await runTool(peer('tai64nlocal') ?? '', [], { input: stamped.stdout, env });
    const ours = await runTool('tai64nlocal', [], { input: stamped.stdout, env });
    assert.deepEqual([ours.code, ours.stdout, ours.stderr], [real.code, real.stdout, real.stderr], TZ);
  }
});

test('an s6 stamp is read as a TAI label: 27 s ahead of a daemontools one, like real tai64nlocal', { skip: skip || (peer('s6-tai64n') === undefined && 's6-tai64n not installed') }, async () => {
  const stamped = await runTool(peer('s6-tai64n') ?? '', [], { input: 'x\n' });
  const real = await runTool(peer('tai64nlocal') ?? '', [], { input: stamped.stdout, env: UTC });
  const ours = await runTool('tai64nlocal', [], { input: stamped.stdout, env: UTC });
  assert.deepEqual([ours.code, ours.stdout], [0, real.stdout]);
});
