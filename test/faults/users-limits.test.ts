// user, rlimit/, umask and nice: applied in the child (checked from inside it); a bad value or an
// unknown user is one warning and the service stays down, never run as root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { startSvscan, statusPid, waitUp } from '../scenarios/_svscan.ts';

const root = process.getuid?.() === 0;

test('user, rlimit/, umask and nice reach run; bad ones keep the service down', { skip: root ? false : 'needs root' }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  chmodSync(box.root, 0o755); // run is exec'd as nobody: it must reach it
  mkdirSync(box.path('out'));
  chmodSync(box.path('out'), 0o777);
  const out = box.path('out');
  box.service('sc/who', `{ id -u; id -G; ulimit -n; umask; cut -d' ' -f19 /proc/self/stat; } > ${out}/who.tmp; mv ${out}/who.tmp ${out}/who; exec sleep 1000`,
    { user: '65534:65534\n', 'rlimit/nofile': '77\n', umask: '027\n', nice: '5\n' });
  for (const [name, files] of Object.entries({
    nouser: { user: 'no-such-user-svkit\n' },
    nogroup: { user: 'root:no-such-group-svkit\n' },
    huge: { 'rlimit/nofile': 'huge\n' },
    neg: { 'rlimit/core': '-5\n' },
  })) box.service(`sc/${name}`, `touch ${out}/${name}-ran; exec sleep 1000`, files);

  const scan = startSvscan(box, 'sc');
  await waitUp(box.path('sc/who'));
  await waitFor(() => existsSync(`${out}/who`), DEADLINE_MS, 'who wrote its ids');
  assert.equal(readFileSync(`${out}/who`, 'utf8'), '65534\n65534\n77\n0027\n5\n');
  const expected = [
    'svscan: warning: unable to start sc/nouser/run: sc/nouser/user: no such user: no-such-user-svkit\n',
    'svscan: warning: unable to start sc/nogroup/run: sc/nogroup/user: no such group: no-such-group-svkit\n',
    'svscan: warning: unable to start sc/huge/run: sc/huge/rlimit/nofile: not a limit (a number, unlimited, or soft:hard)\n',
    'svscan: warning: unable to start sc/neg/run: sc/neg/rlimit/core: not a limit (a number, unlimited, or soft:hard)\n',
  ];
  await waitFor(() => expected.every((w) => scan.stderr().includes(w)), DEADLINE_MS, `every warning (so far: ${scan.stderr()})`);
  for (const w of expected) assert.equal(scan.stderr().split(w).length - 1, 1, w);
  for (const name of ['nouser', 'nogroup', 'huge', 'neg']) {
    assert.equal(statusPid(box.path(`sc/${name}`)), 0, name);
    assert.equal(existsSync(`${out}/${name}-ran`), false, `${name} never ran`);
  }
  scan.child.kill('SIGTERM');
  await scan.exited;
});

test('health/check runs with the service\'s user, rlimit/, umask and nice, as run does', { skip: root ? false : 'needs root' }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  chmodSync(box.root, 0o755);
  mkdirSync(box.path('out'));
  chmodSync(box.path('out'), 0o777);
  const out = box.path('out');
  box.service('sc/checked', 'exec sleep 1000', {
    user: '65534:65534\n', 'rlimit/nofile': '77\n', umask: '027\n', nice: '5\n', 'health/interval': '1\n',
    'health/check': `#!/bin/sh\n{ id -u; id -G; ulimit -n; umask; cut -d' ' -f19 /proc/self/stat; } > ${out}/check.tmp; mv ${out}/check.tmp ${out}/check\n`,
  });
  chmodSync(box.path('sc/checked/health/check'), 0o755);
  const scan = startSvscan(box, 'sc');
  await waitUp(box.path('sc/checked'));
  await waitFor(() => existsSync(`${out}/check`), DEADLINE_MS, 'the check wrote its ids');
  assert.equal(readFileSync(`${out}/check`, 'utf8'), '65534\n65534\n77\n0027\n5\n');
  scan.child.kill('SIGTERM');
  await scan.exited;
  assert.equal(scan.stderr(), '');
});
