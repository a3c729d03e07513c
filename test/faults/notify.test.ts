// Notify hooks (S/notify, SCANDIR/.notify) under abuse: a hook that hangs is killed after
// notify-timeout and supervision goes on meanwhile; a hook flooding its output; a burst of 1000
// events is bounded (counted drop, one warning, notify-drop events); a non-executable hook is
// one warning. Hooks of a service run in order, S/notify before SCANDIR/.notify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { alive, startSvscan, waitNewPid, waitUp } from '../scenarios/_svscan.ts';
import { NOTIFY_QUEUE, NotifyRunner } from '../../packages/core/src/events/notify.ts';
import { makeEvent, type ServiceEvent } from '../../packages/core/src/events/event.ts';

const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');

test('S/notify then SCANDIR/.notify, for each event, with the kind as $1 and the event on stdin', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const log = box.path('hooks.log');
  box.service('scan/web', 'exec sleep 1000', {});
  box.write('scan/web/notify', `#!/bin/sh\nread -r line; echo "svc $1 $line" >> ${log}\n`, 0o755);
  box.write('scan/.notify', `#!/bin/sh\nread -r line; echo "scan $1 $line" >> ${log}\n`, 0o755);
  const scan = startSvscan(box, box.path('scan'));
  const pid = await waitUp(box.path('scan/web'));
  await waitFor(() => read(log).split('\n').filter((l) => l.startsWith('scan start ')).length >= 1, 20_000, 'both hooks ran for the start');
  const lines = read(log).trim().split('\n');
  assert.deepEqual(lines.map((l) => l.split(' ').slice(0, 2).join(' ')), ['svc start', 'scan start']);
  const e = JSON.parse(lines[0]?.split(' ').slice(2).join(' ') ?? '') as ServiceEvent;
  assert.deepEqual([e.kind, e.pid, e.v], ['start', pid, 1]);
  assert.equal(scan.stderr(), '');
});

test('a hanging hook is killed (its group) after notify-timeout; supervision is not delayed meanwhile', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const hookPids = box.path('hookpids');
  box.service('scan/web', 'exec sleep 1000', { 'notify-timeout': '2\n' });
  box.write('scan/web/notify', `#!/bin/sh\nsleep 1000 & echo $! >> ${hookPids}\nwait\n`, 0o755);
  const scan = startSvscan(box, box.path('scan'));
  const dir = box.path('scan/web');
  const pid = await waitUp(dir);
  await waitFor(() => read(hookPids) !== '', 20_000, 'the hook runs');
  const hung = Number(read(hookPids).trim());
  // While the hook hangs, svc -t restarts the service as ever.
  assert.equal((await runTool('svc', ['-t', dir])).code, 0);
  await waitNewPid(dir, pid);
  await waitFor(() => scan.stderr().includes('web/notify for start: still running after 2 s, killed'), 20_000, 'the kill warning');
  await waitFor(() => !alive(hung), 20_000, "the hook's child killed with its group");
});

test('a hook flooding its output and a non-executable hook: the service goes on, one warning for the latter', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('scan/loud', 'exec sleep 1000');
  box.write('scan/loud/notify', '#!/bin/sh\nhead -c 2000000 /dev/zero | tr "\\0" x\n', 0o755);
  box.service('scan/plain', 'exec sleep 1000');
  box.write('scan/plain/notify', '#!/bin/sh\nexit 0\n', 0o644);
  const scan = startSvscan(box, box.path('scan'));
  for (const name of ['loud', 'plain']) {
    const dir = box.path('scan', name);
    const pid = await waitUp(dir);
    assert.equal((await runTool('svc', ['-t', dir])).code, 0);
    await waitNewPid(dir, pid);
  }
  const warning = `svscan: warning: unable to run ${box.path('scan/plain/notify')}: not executable\n`;
  await waitFor(() => scan.stderr().includes(warning), 20_000, 'the warning');
  // Start, exit, restart, start: four events, one warning (at most once a minute).
  assert.equal(scan.stderr().split(warning).length - 1, 1);
  assert.ok(scan.stderr().length >= 2_000_000, 'the flood went through to svscan\'s stderr');
});

test('1000 events in a burst: the queue holds NOTIFY_QUEUE, the rest are counted with one warning and notify-drop events', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const log = box.path('hooks.log');
  const dir = box.path('S');
  box.write('S/notify', `#!/bin/sh\nread -r line; echo "$line" >> ${log}\n`, 0o755);
  const warnings: string[] = [];
  const drops: ServiceEvent[] = [];
  const runner = new NotifyRunner({ cwd: dir, label: 'S', stderr: 2, warn: (m) => warnings.push(m) }, (e) => drops.push(e));
  t.after(() => runner.close());
  for (let i = 0; i < 1000; i++) runner.push(makeEvent('exit', 'S', i));
  // The first is taken off the queue at once; NOTIFY_QUEUE wait; the rest are dropped.
  const kept = 1 + NOTIFY_QUEUE;
  await waitFor(() => read(log).split('\n').filter((l) => l !== '').length === kept, 60_000, `${kept} hook runs`);
  const pids = read(log).trim().split('\n').map((l) => (JSON.parse(l) as ServiceEvent).pid);
  assert.deepEqual(pids, Array.from({ length: kept }, (_, i) => i));
  assert.equal(runner.dropped, 1000 - kept);
  assert.deepEqual(warnings, [`unable to run S/notify: ${NOTIFY_QUEUE} events waiting, dropping (notify-drop)`]);
  assert.equal(drops.length, 1000 - kept);
  assert.deepEqual([drops.at(-1)?.kind, drops.at(-1)?.['dropped']], ['notify-drop', 1000 - kept]);
});
