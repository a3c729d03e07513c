// svscan's start order by readiness (needs/, issue 9): a chain started in order of readiness
// and stopped in reverse, hot-add, cycles and missing needs held with one warning each.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { startSvscan } from './_svscan.ts';
import { starts, svstat, waitHealth } from './_health.ts';
import { runTool } from '../helpers/tools.ts';

/** A run script that logs its start and its TERM to LOG, and is ready (fd 3) once `go` exists. */
function chained(name: string, log: string): string {
  return [
    `echo "start ${name}" >> ${log}`,
    `trap 'echo "stop ${name}" >> ${log}; exit 0' TERM`,
    'while [ ! -e go ]; do sleep 0.05; done',
    'echo >&3',
    'while :; do sleep 0.05; done',
  ].join('\n');
}

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : [];
}

/** The lines of svscan's stderr that are its own. */
function own(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('svscan:'));
}

describe('svscan needs/', { concurrency: 3 }, () => {
  it('c needs b needs a: started in order of readiness, stopped in reverse on TERM', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const log = box.path('order.log');
    const fd3 = { 'notification-fd': '3\n' };
    const a = box.service('scan/a', chained('a', log), fd3);
    const b = box.service('scan/b', chained('b', log), { ...fd3, 'needs/a': '' });
    const c = box.service('scan/c', chained('c', log), fd3);
    mkdirSync(join(c, 'needs'));
    symlinkSync('../../b', join(c, 'needs', 'backend')); // a link names the service it points to
    const sv = startSvscan(box, box.path('scan'));
    await waitFor(() => lines(log).includes('start a'), 20_000, 'a started');
    await waitHealth(b, (h) => JSON.stringify(h['waitingFor']) === '["a"]', 'b waits for a');
    await waitHealth(c, (h) => JSON.stringify(h['waitingFor']) === '["b"]', 'c waits for b');
    const st = await svstat(box.path('scan'), 'b', 'c');
    assert.equal(st.code, 0);
    assert.equal(st.stderr, '');
    assert.match(st.stdout, /^b: down \d+ seconds, normally up, want up, waiting for a\nc: down \d+ seconds, normally up, want up, waiting for b\n$/);
    const v = await svstat(box.path('scan'), '-v', 'b');
    assert.match(v.stdout, /\n {2}waiting for: a \(needs\/: up and ready\)\n/);
    const j = JSON.parse((await svstat(box.path('scan'), '--json', 'b', 'a')).stdout) as { services: Record<string, unknown>[] };
    assert.deepEqual(j.services.map((s) => s['waitingFor']), [['a'], null]);
    // a is up but not ready: b still waits.
    assert.deepEqual(lines(log), ['start a']);
    writeFileSync(join(a, 'go'), '');
    await waitFor(() => lines(log).includes('start b'), 20_000, 'b started once a was ready');
    assert.deepEqual(lines(log), ['start a', 'start b']);
    await waitHealth(b, (h) => h['waitingFor'] === null && h.pid !== 0, 'b no longer waiting');
    writeFileSync(join(b, 'go'), '');
    await waitFor(() => lines(log).includes('start c'), 20_000, 'c started once b was ready');
    writeFileSync(join(c, 'go'), '');
    await waitHealth(c, (h) => h['ready'] === true, 'c ready');
    sv.child.kill('SIGTERM');
    assert.deepEqual(await sv.exited, { code: 0, signal: null });
    assert.deepEqual(lines(log), ['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
    assert.deepEqual(own(sv.stderr()), []);
  });

  it('a service dropped in starts at once when its needs are met, and when a need arrives later', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    box.service('scan/db', 'echo up > up\nexec sleep 1000');
    const sv = startSvscan(box, box.path('scan'));
    await waitFor(() => existsSync(box.path('scan/db/up')), 20_000, 'db up');
    // Made beside the scan dir, then moved in whole: needs/ is there before svscan sees run.
    box.service('stage/web', 'echo up > up\nexec sleep 1000', { 'needs/db': '' });
    renameSync(box.path('stage/web'), box.path('scan/web'));
    await waitFor(() => existsSync(box.path('scan/web/up')), 20_000, 'web started with db up');
    box.service('stage/api', 'echo up > up\nexec sleep 1000', { 'needs/cache': '' });
    renameSync(box.path('stage/api'), box.path('scan/api'));
    await waitHealth(box.path('scan/api'), (h) => JSON.stringify(h['waitingFor']) === '["cache"]', 'api waits for cache');
    box.service('stage/cache', 'echo up > up\nexec sleep 1000');
    renameSync(box.path('stage/cache'), box.path('scan/cache'));
    await waitFor(() => existsSync(box.path('scan/api/up')), 20_000, 'api started once cache came');
    await waitHealth(box.path('scan/api'), (h) => h['waitingFor'] === null && h.pid !== 0, 'api no longer waiting');
    sv.child.kill('SIGTERM');
    assert.deepEqual(await sv.exited, { code: 0, signal: null });
    // The missing need of api said once, while cache was not there yet.
    const scan = box.path('scan');
    assert.deepEqual(own(sv.stderr()), [`svscan: warning: unable to start ${scan}/api: it needs cache, which is no service of ${scan}; api waits`]);
  });

  it('a needs/ made in a crash-looping service holds its next start (the start pass\'s listing sees it)', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const scan = box.path('scan');
    const loop = box.service('scan/loop', 'echo x >> starts\nexit 1');
    box.service('scan/db', 'echo up > up\nexec sleep 1000', { down: '' });
    const sv = startSvscan(box, scan);
    await waitFor(() => starts(loop) >= 3, 20_000, 'the loop restarted twice');
    mkdirSync(join(loop, 'needs'));
    writeFileSync(join(loop, 'needs', 'db'), '');
    await waitHealth(loop, (h) => JSON.stringify(h['waitingFor']) === '["db"]', 'loop waits for db');
    const held = starts(loop);
    // A crash loop added now restarts once a second: its starts show that seconds went by.
    const tick = box.service('scan/tick', 'echo x >> starts\nexit 1');
    await waitFor(() => starts(tick) >= 3, 20_000, 'two restart periods went by');
    assert.equal(starts(loop), held, 'no start while db is down');
    const u = await runTool('svc', ['-u', box.path('scan/db')]);
    assert.equal(u.code, 0, u.stderr);
    await waitFor(() => starts(loop) > held, 20_000, 'loop started again once db was up');
    sv.child.kill('SIGTERM');
    assert.deepEqual(await sv.exited, { code: 0, signal: null });
  });

  it('a cycle and a missing need: one warning each, those wait (svstat says for what), the rest runs', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const scan = box.path('scan');
    box.service('scan/x', 'echo up > up\nexec sleep 1000', { 'needs/y': '' });
    box.service('scan/y', 'echo up > up\nexec sleep 1000', { 'needs/x': '' });
    box.service('scan/m', 'echo up > up\nexec sleep 1000', { 'needs/ghost': '' });
    const l = box.service('scan/l', 'echo up > up\nexec sleep 1000');
    mkdirSync(join(l, 'needs'));
    symlinkSync(box.path('nowhere'), join(l, 'needs', 'db'));
    box.service('scan/free', 'echo up > up\nexec sleep 1000');
    // A crash loop restarts once a second: its starts show that seconds (and rescans) went by.
    const tick = box.service('scan/tick', 'echo x >> starts\nexit 1');
    const sv = startSvscan(box, scan);
    await waitFor(() => existsSync(box.path('scan/free/up')), 20_000, 'the unrelated service runs');
    for (const [name, need] of [['x', 'y'], ['y', 'x'], ['m', 'ghost'], ['l', 'db']] as const) {
      await waitHealth(box.path('scan', name), (h) => JSON.stringify(h['waitingFor']) === `["${need}"]`, `${name} waits for ${need}`);
    }
    await waitFor(() => starts(tick) >= 4, 20_000, 'three rescan periods went by');
    for (const name of ['x', 'y', 'm', 'l']) assert.equal(existsSync(box.path('scan', name, 'up')), false, `${name} never started`);
    const st = await svstat(scan, 'x', 'y', 'm', 'l');
    assert.match(st.stdout, /^x: down \d+ seconds, normally up, want up, waiting for y\ny: down \d+ seconds, normally up, want up, waiting for x\nm: down \d+ seconds, normally up, want up, waiting for ghost\nl: down \d+ seconds, normally up, want up, waiting for db\n$/);
    assert.deepEqual(own(sv.stderr()).sort(), [
      `svscan: warning: unable to start ${scan}/l: it needs db, which is no service of ${scan}; l waits`,
      `svscan: warning: unable to start ${scan}/m: it needs ghost, which is no service of ${scan}; m waits`,
      `svscan: warning: unable to start ${scan}/x, ${scan}/y: their needs/ form a cycle (x -> y -> x); they wait`,
    ]);
    // Breaking the cycle lets both start, in order.
    renameSync(box.path('scan/x/needs'), box.path('x-needs'));
    await waitFor(() => existsSync(box.path('scan/x/up')) && existsSync(box.path('scan/y/up')), 20_000, 'x and y started');
    sv.child.kill('SIGTERM');
    assert.deepEqual(await sv.exited, { code: 0, signal: null });
  });
});

describe('svscan essential', { concurrency: 2 }, () => {
  it('an essential service exiting 3 with restart-never 3: the others go down in reverse order, svscan exits 3', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const log = box.path('order.log');
    const scan = box.path('scan');
    const app = box.service('scan/app', 'echo up > up\nwhile [ ! -e go ]; do sleep 0.05; done\nexit 3', { essential: '', 'restart-never': '3\n' });
    box.service('scan/db', chained('db', log).replace('while [ ! -e go ]; do sleep 0.05; done\necho >&3\n', ''));
    box.service('scan/web', chained('web', log).replace('while [ ! -e go ]; do sleep 0.05; done\necho >&3\n', ''), { 'needs/db': '' });
    const sv = startSvscan(box, scan);
    await waitFor(() => existsSync(join(app, 'up')) && lines(log).includes('start web'), 20_000, 'everything up');
    writeFileSync(join(app, 'go'), '');
    assert.deepEqual(await sv.exited, { code: 3, signal: null });
    // db has no notification-fd: ready once spawned, so the two start lines may come in either order.
    assert.deepEqual([...lines(log).slice(0, 2).sort(), ...lines(log).slice(2)], ['start db', 'start web', 'stop web', 'stop db']);
    assert.deepEqual(own(sv.stderr()), [
      `svscan: warning: ${scan}/app failed: exit 3 is in restart-never; left down until svc -u or a change of the service dir`,
      `svscan: fatal: unable to keep essential ${scan}/app up: exit 3, exit 3 is in restart-never; stopping every service, exit 3`,
    ]);
  });

  it('an essential service killed by KILL until restart-giveup: svscan exits 137', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const scan = box.path('scan');
    const app = box.service('scan/app', 'echo $$ > pid\nexec sleep 1000', { essential: '', 'restart-giveup': '1 60\n' });
    const other = box.service('scan/other', 'trap "echo term > got-term; exit 0" TERM\necho up > up\nwhile :; do sleep 0.05; done');
    const sv = startSvscan(box, scan);
    // The pid whole, not a file just created: Number('') is 0, and kill(0, KILL) would end the
    // test runner's own process group (seen: the run died without a summary, svscan orphaned).
    const appPid = (): number => { try { return /^\d+\n$/.test(readFileSync(join(app, 'pid'), 'utf8')) ? Number(readFileSync(join(app, 'pid'), 'utf8')) : 0; } catch { return 0; } };
    await waitFor(() => appPid() > 1 && existsSync(join(other, 'up')), 20_000, 'both up');
    process.kill(appPid(), 'SIGKILL');
    assert.deepEqual(await sv.exited, { code: 137, signal: null });
    assert.equal(readFileSync(join(other, 'got-term'), 'utf8'), 'term\n');
    assert.match(own(sv.stderr()).at(-1) ?? '', new RegExp(`^svscan: fatal: unable to keep essential ${scan}/app up: killed by signal KILL, 1 failures within 60 seconds \\(restart-giveup\\); stopping every service, exit 137$`));
  });

  it('svc -d of an essential service, and an end that is restarted, do not stop svscan', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const scan = box.path('scan');
    // Exits 1 once (restarted: 1 is not in restart-never), then runs until svc -d, which ends it with 3.
    const app = box.service('scan/app', 'echo x >> starts\n[ $(wc -l < starts) -ge 2 ] || exit 1\ntrap "exit 3" TERM\nwhile :; do sleep 0.05; done', { essential: '', 'restart-never': '3\n' });
    const sv = startSvscan(box, scan);
    await waitFor(() => starts(app) >= 2, 20_000, 'restarted after exit 1');
    await waitHealth(app, (h) => h.pid !== 0, 'up again');
    const down = await runTool('svc', ['-d', app]);
    assert.equal(down.code, 0);
    // An end asked for (svc -d) is no failure: restart-never does not apply, nothing else stops.
    await waitHealth(app, (h) => h.pid === 0 && (h['lastExit'] as { code: number } | null)?.code === 3 && h['cause'] === 'command' && h['failed'] === null, 'down with exit 3');
    // Still scanning: a new service is picked up and started.
    box.service('stage/late', 'echo up > up\nexec sleep 1000');
    renameSync(box.path('stage/late'), box.path('scan/late'));
    await waitFor(() => existsSync(box.path('scan/late/up')), 20_000, 'a later service starts');
    sv.child.kill('SIGTERM');
    assert.deepEqual(await sv.exited, { code: 0, signal: null });
  });
});
