// svnotify run as a hook is run (event on stdin, in a service dir), without svscan: bad settings
// are fatal before anything is spooled; an SMTP server that hangs and a webhook that answers 500
// are one warning and exit 111 with the events kept; the next try sends them; unlisted kinds are
// not spooled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { startHttp, startSilent } from './_receivers.ts';

const EXIT = { v: 1, kind: 'exit', service: 'web', time: 1764950000000, pid: 42, what: 'run', code: 3, signal: null, then: 'restart' };
const event = (fields: Record<string, unknown> = {}): string => JSON.stringify({ ...EXIT, ...fields }) + '\n';
const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');

function serviceDir(box: Sandbox): string {
  box.write('web/run', '#!/bin/sh\nexit 3\n', 0o755);
  box.write('web/supervise/.keep', '');
  return box.path('web');
}

test('bad settings: one fatal line naming the file or flag, exit 100, nothing spooled', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = serviceDir(box);
  box.write('web/notify.d/webhook', 'http://127.0.0.1:9/x\n');
  const cases: [Record<string, [string, number?]>, string[], string][] = [
    [{ batch: ['soon\n'] }, [], 'svnotify: fatal: unable to parse notify.d/batch: not a number of seconds from 0 to 3600: "soon"\n'],
    [{ only: ['failed, crashed\n'] }, [], 'svnotify: fatal: unable to parse notify.d/only: unknown kind "crashed"\n'],
    [{}, ['--timeout', '0'], 'svnotify: fatal: unable to parse --timeout: not a number of seconds from 1 to 300: "0"\n'],
    [{ 'webhook-token': ['token-0123456789\n', 0o644] }, [], 'svnotify: fatal: unable to use notify.d/webhook-token: readable or writable by group or others (chmod 600 it)\n'],
    [{ smtp: ['smtp://u:hunter2@127.0.0.1\n'], from: ['a@example.com\n'], to: ['b@example.com\n'] }, [], 'svnotify: fatal: unable to use notify.d/smtp: a password in the URL is refused (put it in a file of mode 600: see svnotify(8))\n'],
    [{ smtp: ['smtp://127.0.0.1\n'], from: ['a@example.com\n'] }, [], 'svnotify: fatal: unable to send mail: no recipient (--to, or notify.d/to)\n'],
    [{ to: ['ops@example.com\n'], smtp: ['smtp://127.0.0.1\n'], from: ['not an address\n'] }, [], 'svnotify: fatal: unable to parse notify.d/from: not a mail address: "not an address"\n'],
    [{}, ['--webhook', 'ftp://x/'], 'svnotify: fatal: unable to parse --webhook: not a http or https URL: "ftp://x/"\n'],
    [{}, ['--config', 'nowhere'], 'svnotify: fatal: unable to open nowhere: file does not exist\n'],
  ];
  for (const [files, args, stderr] of cases) {
    const written = Object.entries(files).map(([name, [text, mode]]) => box.write(join('web/notify.d', name), text, mode ?? 0o644));
    const r = await runTool('svnotify', args, { cwd: dir, input: event() });
    assert.deepEqual([r.code, r.stdout, r.stderr], [100, '', stderr], JSON.stringify(files));
    for (const p of written) if (!p.endsWith('/webhook')) rmSync(p);
  }
  box.write('web/notify.d/webhook', 'http://127.0.0.1:9/x\n');
  const bad = await runTool('svnotify', [], { cwd: dir, input: 'exit\n' });
  assert.deepEqual([bad.code, bad.stdout, bad.stderr], [100, '', 'svnotify: fatal: unable to read the event on stdin: not JSON\n']);
  const none = await runTool('svnotify', ['--config', box.path('web/supervise')], { cwd: dir, input: event() });
  assert.deepEqual([none.code, none.stderr], [100, 'svnotify: fatal: nothing to deliver to: give --smtp URL --from A --to B, or --webhook URL, or files in notify.d/ (svnotify(8))\n']);
  const usage = await runTool('svnotify', ['--batch'], { cwd: dir, input: event() });
  assert.deepEqual([usage.code, usage.stderr.split(':').slice(0, 2).join(':')], [100, 'svnotify: usage']);
  assert.equal(existsSync(join(dir, 'supervise/notify-spool')), false);
});

test('an SMTP server that never greets: the warning after --timeout, exit 111, the event kept for the next try', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const silent = await startSilent();
  t.after(() => silent.close());
  const dir = serviceDir(box);
  const args = ['--smtp', `smtp://127.0.0.1:${silent.port}`, '--from', 'svkit@example.com', '--to', 'ops@example.com', '--batch', '0', '--timeout', '1'];
  const r = await runTool('svnotify', [...args, 'exit'], { cwd: dir, input: event() });
  assert.deepEqual([r.code, r.stdout, r.stderr], [111, '', 'svnotify: warning: unable to send mail to ops@example.com: timed out (Greeting never received)\n']);
  assert.equal(silent.accepted(), 1);
  assert.deepEqual(read(join(dir, 'supervise/notify-spool/mail')), event());
});

test('a webhook answering 500: warning and exit 111, kept; the next event sends both; unlisted kinds are not spooled', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const http = await startHttp();
  t.after(() => http.close());
  const dir = serviceDir(box);
  box.write('web/notify.d/webhook', `http://127.0.0.1:${http.port}/hook?key=not-shown\n`);
  box.write('web/notify.d/batch', '0\n');
  http.status = 500;
  const r = await runTool('svnotify', [], { cwd: dir, input: event() });
  assert.deepEqual([r.code, r.stdout, r.stderr], [111, '', `svnotify: warning: unable to send the events to http://127.0.0.1:${http.port}/hook: HTTP 500 Internal Server Error\n`]);
  assert.equal(http.posts.length, 1);
  // A start is not in the default filter: nothing spooled, nothing sent.
  const start = await runTool('svnotify', [], { cwd: dir, input: event({ kind: 'start', pid: 43, what: 'run' }) });
  assert.deepEqual([start.code, start.stdout, start.stderr], [0, '', '']);
  assert.equal(http.posts.length, 1);
  http.status = 204;
  const next = await runTool('svnotify', [], { cwd: dir, input: event({ pid: 44 }) });
  assert.deepEqual([next.code, next.stdout, next.stderr], [0, '', '']);
  assert.equal(http.posts.length, 2);
  const body = JSON.parse(http.posts[1]?.body ?? '') as { events: { kind: string; pid: number }[] };
  assert.deepEqual(body.events.map((e) => [e.kind, e.pid]), [['exit', 42], ['exit', 44]]);
  assert.equal(existsSync(join(dir, 'supervise/notify-spool/webhook')), false);
});
