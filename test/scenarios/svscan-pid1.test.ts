// svscan as PID 1 of a real PID namespace and as a subreaper (issue 9): orphans reaped, TERM
// stops every service and exits 0, a supervised child's status is never taken from its owner.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { noPidns, ps, startPid1, zombiesOf } from './_pidns.ts';
import { sandboxProcesses, startSvscan } from './_svscan.ts';

// Forty orphans: each subshell exits at once, its `sleep` child is reparented to PID 1 (or the subreaper).
const DOUBLE_FORK = 'i=0; while [ $i -lt 40 ]; do (sleep 0.3 &); i=$((i+1)); done\necho forked > forked\nexec sleep 1000';

/** True once no orphan sleep of ours is left under pid and nothing is a zombie there. */
function orphansGone(pid: number): boolean {
  const kids = ps().filter((p) => p.ppid === pid);
  return kids.every((p) => p.state !== 'Z') && kids.filter((p) => p.comm === 'sleep').length <= 1;
}

describe('svscan as PID 1', { concurrency: 2, skip: noPidns() }, () => {
  it('reaps the orphans of a double-forking service; TERM stops every service and exits 0', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dbl = box.service('scan/dbl', DOUBLE_FORK);
    const calm = box.service('scan/calm', 'trap "echo term > got-term; exit 0" TERM\necho $$ > pid\nwhile :; do sleep 1; done');
    const init = await startPid1(box, box.path('scan'));
    await waitFor(() => existsSync(join(dbl, 'forked')) && existsSync(join(calm, 'pid')), 20_000, 'both services started');
    await waitFor(() => orphansGone(init.pid), 20_000, 'orphans reaped');
    assert.deepEqual(zombiesOf(init.pid), []);
    process.kill(init.pid, 'SIGTERM');
    const end = await init.exited;
    assert.deepEqual(end, { code: 0, signal: null });
    assert.equal(readFileSync(join(calm, 'got-term'), 'utf8'), 'term\n');
    // The services' own stderr (sh's "Terminated") is theirs; svscan itself says nothing.
    assert.doesNotMatch(init.stderr(), /svscan:/);
  });

  it('a supervised child killed by a signal keeps its status: finish gets it, orphans or not', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    box.service('scan/dbl', DOUBLE_FORK);
    const dier = box.service('scan/dier', 'echo x >> starts\n[ $(wc -l < starts) -ge 4 ] && exec sleep 1000\nkill -USR1 $$', { finish: 'echo "$1 $2" >> ends' });
    const init = await startPid1(box, box.path('scan'));
    await waitFor(() => existsSync(join(dier, 'ends')) && readFileSync(join(dier, 'ends'), 'utf8').split('\n').length > 3, 30_000, 'three ends');
    // 10 is SIGUSR1: every end seen by its supervisor, none taken by the orphan reaper (-1 0).
    assert.deepEqual(readFileSync(join(dier, 'ends'), 'utf8').trim().split('\n'), ['-1 10', '-1 10', '-1 10']);
    process.kill(init.pid, 'SIGTERM');
    assert.deepEqual(await init.exited, { code: 0, signal: null });
  });

  it('notify hooks keep their status too: each exits 3 while orphans are reaped, and every event gets its hook in order', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    box.service('scan/dbl', DOUBLE_FORK);
    const log = box.path('hooks.log');
    // Three exits, then up: start, exit, restart three times, then the last start.
    const flappy = box.service('scan/flappy', 'echo x >> starts\n[ $(wc -l < starts) -ge 4 ] && exec sleep 1000\nexit 0');
    box.write('scan/flappy/notify', `#!/bin/sh\nread -r line\necho "$1" >> ${log}\nexit 3\n`, 0o755);
    const init = await startPid1(box, box.path('scan'));
    // A hook whose status the orphan reaper took would never be seen to end: the events after it would wait for ever.
    const want = ['start', 'exit', 'restart', 'start', 'exit', 'restart', 'start', 'exit', 'restart', 'start'];
    await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').split('\n').length > want.length, 30_000, 'a hook for each event');
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), want);
    assert.equal(readFileSync(join(flappy, 'starts'), 'utf8'), 'x\nx\nx\nx\n');
    // Two services' sleeps stay (dbl's and flappy's); the orphans' are reaped, no zombie is left.
    await waitFor(() => ps().filter((p) => p.ppid === init.pid && (p.state === 'Z' || p.comm === 'sleep')).length === 2, 20_000, 'orphans reaped');
    process.kill(init.pid, 'SIGTERM');
    assert.deepEqual(await init.exited, { code: 0, signal: null });
    assert.doesNotMatch(init.stderr(), /svscan:/);
  });

  it('an essential service left down by restart-never ends the namespace with its code, dependants first', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const log = box.path('order.log');
    const app = box.service('scan/app', 'echo up > up\nwhile [ ! -e go ]; do sleep 0.05; done\nexit 7', { essential: '', 'restart-never': '7\n' });
    const term = (name: string): string => `trap "echo stop ${name} >> ${log}; exit 0" TERM\necho start ${name} >> ${log}\nwhile :; do sleep 0.05; done`;
    box.service('scan/db', term('db'));
    box.service('scan/web', term('web'), { 'needs/db': '' });
    const init = await startPid1(box, box.path('scan'));
    await waitFor(() => existsSync(join(app, 'up')) && existsSync(log) && readFileSync(log, 'utf8').includes('start web'), 20_000, 'every service up');
    writeFileSync(join(app, 'go'), '');
    assert.deepEqual(await init.exited, { code: 7, signal: null });
    const order = readFileSync(log, 'utf8').trim().split('\n');
    // Ready once spawned (no notification-fd): the start lines may come in either order; the stops may not.
    assert.deepEqual([...order.slice(0, 2).sort(), ...order.slice(2)], ['start db', 'start web', 'stop web', 'stop db']);
    assert.match(init.stderr(), /svscan: fatal: unable to keep essential \S+\/scan\/app up: exit 7, exit 7 is in restart-never; stopping every service, exit 7\n/);
    // PID 1 gone: the namespace ended, nothing of the sandbox is left.
    await waitFor(() => sandboxProcesses(box.root).length === 0, 20_000, 'no process of the sandbox left');
  });
});

describe('svscan as a subreaper', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  it('SVKIT_SUBREAPER=1: orphans come to svscan and are reaped', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dbl = box.service('scan/dbl', DOUBLE_FORK);
    process.env['SVKIT_SUBREAPER'] = '1';
    const sv = startSvscan(box, box.path('scan'));
    delete process.env['SVKIT_SUBREAPER'];
    await waitFor(() => existsSync(join(dbl, 'forked')), 20_000, 'the service started');
    await waitFor(() => orphansGone(sv.pid), 20_000, 'orphans reaped');
    sv.child.kill('SIGTERM');
    assert.deepEqual(await sv.exited, { code: 0, signal: null });
    assert.equal(sv.stderr(), '');
  });
});
