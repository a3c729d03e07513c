// svnotify as S/notify under a real svscan, against a real SMTP server (smtp-server) and a real
// HTTP receiver: a crash loop within one window is one mail with every exit; the filter keeps
// out what is not listed; the webhook gets the JSON with its token; a refusing SMTP server is
// one warning and exit 111, supervision goes on, and the kept event goes out at the next try.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { BIN, runTool } from '../helpers/tools.ts';
import { sandboxProcesses, startSvscan, statusPid, waitNewPid } from './_svscan.ts';
import { startHttp, startSilent, startSmtp } from '../cli/_receivers.ts';
import type { ServiceEvent } from '../../packages/core/src/events/event.ts';

const SVNOTIFY = join(BIN, 'svnotify');
const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');
const lines = (p: string): string[] => read(p).split('\n').filter((l) => l !== '');
const senders = (root: string): number => sandboxProcesses(root).filter((p) => p.cmdline.includes('svnotify') && p.cmdline.includes('--sender')).length;
/** The events a mail carries, from its JSON lines. */
const mailEvents = (text: string): ServiceEvent[] => text.split(/\r?\n/).filter((l) => l.startsWith('{"')).map((l) => JSON.parse(l) as ServiceEvent);

/** A service that exits 3 the first N times, then stays up; its pids in `starts`. */
const crashing = (n: number): string => `echo $$ >> starts; [ "$(wc -l < starts)" -gt ${n} ] && exec sleep 1000; exit 3`;
/**
 * Run number N of crashing() is up: it wrote starts, and status names it. A run may write starts
 * before svscan has written its pid to status, so the line alone is not the evidence.
 */
const upAgain = (dir: string, n = 2): boolean => {
  const starts = lines(join(dir, 'starts'));
  return starts.length === n && statusPid(dir) === Number(starts[n - 1]);
};

function mailSettings(box: Sandbox, dir: string, port: number, extra: Record<string, string> = {}): void {
  box.write(join(dir, 'notify.d/smtp'), `smtp://127.0.0.1:${port}\n`);
  box.write(join(dir, 'notify.d/from'), 'svkit@example.com\n');
  box.write(join(dir, 'notify.d/to'), 'ops@example.com\n');
  for (const [name, value] of Object.entries(extra)) box.write(join(dir, 'notify.d', name), value);
}

test('a crash loop within the window: one sender, one mail with every failed exit and the give-up, nothing else', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const smtp = await startSmtp();
  t.after(() => smtp.close());
  const N = 4;
  // Exits 3 at once, every time: after N failures the restart policy gives up (failed).
  const dir = box.service('scan/web', 'echo $$ >> starts; exit 3', { 'restart-giveup': `${N} 3600\n` });
  box.write('scan/web/notify', `#!/bin/sh\nexec ${SVNOTIFY} "$@"\n`, 0o755);
  mailSettings(box, 'scan/web', smtp.port, { batch: '3600\n' });
  const spool = join(dir, 'supervise/notify-spool');
  const scan = startSvscan(box, box.path('scan'));
  await waitFor(() => lines(join(spool, 'events')).length === N + 1, 60_000, 'N exits and the give-up spooled');
  // The window is open: the first hook run started the one sender; the others only appended.
  assert.equal(senders(box.root), 1);
  assert.equal(smtp.mails.length, 0);
  const flush = await runTool('svnotify', ['--flush'], { cwd: dir });
  assert.deepEqual([flush.code, flush.stdout, flush.stderr], [0, '', '']);
  await waitFor(() => smtp.mails.length === 1, 20_000, 'the mail');
  await waitFor(() => senders(box.root) === 0, 20_000, 'the sender gone');
  assert.equal(smtp.mails.length, 1);
  const mail = smtp.mails[0];
  assert.ok(mail !== undefined);
  assert.deepEqual([mail.from, mail.to], ['svkit@example.com', ['ops@example.com']]);
  const name = dir.replace(/[/.]/g, '\\$&');
  assert.match(mail.subject, new RegExp(`^\\[svkit \\S+\\] ${N + 1} events: ${name} exit \\(${N}\\), ${name} failed$`));
  const events = mailEvents(mail.text);
  const pids = lines(join(dir, 'starts')).map(Number);
  assert.equal(pids.length, N);
  assert.deepEqual(events.slice(0, N).map((e) => [e.kind, e.pid, e['code']]), pids.map((pid) => ['exit', pid, 3]));
  assert.equal(events[N]?.kind, 'failed');
  assert.equal(mail.text.split('\n').filter((l) => /\/web: exited 3\b/.test(l)).length, N);
  assert.equal(lines(join(spool, 'events')).length, 0);
  assert.equal(existsSync(join(spool, 'mail')), false, 'nothing kept after a delivery');
  assert.equal(scan.stderr(), `svscan: warning: ${dir} failed: ${N} failures within 3600 seconds (restart-giveup); left down until svc -u or a change of the service dir\n`);
});

test('webhook: the JSON of each listed event with the token; unlisted kinds (stop, exit, down) are not sent', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const http = await startHttp();
  t.after(() => http.close());
  const dir = box.service('scan/web', 'exec sleep 1000');
  box.write('scan/web/notify', `#!/bin/sh\nexec ${SVNOTIFY} --only start --batch 0 "$@"\n`, 0o755);
  box.write('scan/web/notify.d/webhook', `http://127.0.0.1:${http.port}/hooks/svkit?key=x\n`);
  box.write('scan/web/notify.d/webhook-token', 'secret-token-0123456789\n', 0o600);
  const scan = startSvscan(box, box.path('scan'));
  await waitFor(() => http.posts.length === 1, 20_000, 'the first POST');
  const first = statusPid(dir);
  assert.deepEqual((await runTool('svc', ['-d', dir])).code, 0);
  await waitFor(() => statusPid(dir) === 0, 20_000, 'down');
  assert.deepEqual((await runTool('svc', ['-u', dir])).code, 0);
  const second = await waitNewPid(dir, 0);
  await waitFor(() => http.posts.length === 2, 20_000, 'the second POST');
  // Hooks run in event order: had stop, exit or down been sent, they would be the second POST.
  const bodies = http.posts.map((p) => JSON.parse(p.body) as { v: number; host: string; events: ServiceEvent[] });
  assert.deepEqual(bodies.map((b) => [b.v, b.events.map((e) => [e.kind, e.pid])]), [[1, [['start', first]]], [1, [['start', second]]]]);
  const h = http.posts[0]?.headers;
  assert.deepEqual([h?.authorization, h?.['content-type'], h?.['user-agent']?.startsWith('svnotify (svkit) ')], ['Bearer secret-token-0123456789', 'application/json', true]);
  assert.equal(scan.stderr(), '');
});

test('an SMTP server that refuses the recipient: one warning, exit 111, supervision goes on; the event is sent at the next try', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const refusing = await startSmtp({ rejectRcpt: true });
  t.after(() => refusing.close());
  const dir = box.service('scan/web', crashing(1));
  box.write('scan/web/notify', `#!/bin/sh\n${SVNOTIFY} --batch 0 "$@"\necho $? >> codes\n`, 0o755);
  mailSettings(box, 'scan/web', refusing.port);
  const scan = startSvscan(box, box.path('scan'));
  await waitFor(() => lines(join(dir, 'codes')).includes('111'), 20_000, 'the hook failed');
  const warning = 'svnotify: warning: unable to send mail to ops@example.com: Can\'t send mail - all recipients were rejected: 550 5.1.1 no such user here\n';
  await waitFor(() => scan.stderr().includes(warning), 20_000, 'the warning read from svscan\'s stderr');
  assert.equal(scan.stderr(), warning);
  // Supervision went on: up after the crash, and restarted on request.
  await waitFor(() => upAgain(dir), 20_000, 'restarted after the crash');
  const pid = statusPid(dir);
  const st = await runTool('svstat', [dir]);
  assert.match(st.stdout, new RegExp(`^${dir}: up \\(pid ${pid}\\) \\d+ seconds\\n$`));
  assert.equal((await runTool('svc', ['-t', dir])).code, 0);
  await waitNewPid(dir, pid);
  // The failed exit was kept for the mail destination and goes out with the next try.
  const kept = lines(join(dir, 'supervise/notify-spool/mail')).map((l) => JSON.parse(l) as ServiceEvent);
  assert.deepEqual(kept.map((e) => [e.kind, e['code']]), [['exit', 3]]);
  const good = await startSmtp();
  t.after(() => good.close());
  box.write('scan/web/notify.d/smtp', `smtp://127.0.0.1:${good.port}\n`);
  const flush = await runTool('svnotify', ['--flush'], { cwd: dir });
  assert.deepEqual([flush.code, flush.stdout, flush.stderr], [0, '', '']);
  assert.equal(good.mails.length, 1);
  assert.deepEqual(mailEvents(good.mails[0]?.text ?? '').map((e) => [e.kind, e.pid]), [['exit', Number(lines(join(dir, 'starts'))[0])]]);
  assert.equal(existsSync(join(dir, 'supervise/notify-spool/mail')), false);
});

test('an SMTP server that hangs, with a batch window: the sender warns in svscan\'s log after --timeout and keeps the events; supervision goes on', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const silent = await startSilent();
  t.after(() => silent.close());
  const dir = box.service('scan/web', crashing(2));
  box.write('scan/web/notify', `#!/bin/sh\nexec ${SVNOTIFY} --timeout 1 "$@"\n`, 0o755);
  mailSettings(box, 'scan/web', silent.port, { batch: '3600\n' });
  const spool = join(dir, 'supervise/notify-spool');
  const scan = startSvscan(box, box.path('scan'));
  await waitFor(() => lines(join(spool, 'events')).length === 2, 20_000, 'both exits spooled');
  const flush = await runTool('svnotify', ['--flush'], { cwd: dir });
  assert.deepEqual([flush.code, flush.stdout, flush.stderr], [0, '', '']);
  const warning = 'svnotify: warning: unable to send mail to ops@example.com: timed out (Greeting never received)\n';
  await waitFor(() => scan.stderr().includes(warning), 20_000, 'the sender\'s warning');
  await waitFor(() => senders(box.root) === 0, 20_000, 'the sender gone');
  assert.equal(scan.stderr(), warning);
  assert.equal(silent.accepted(), 1);
  assert.deepEqual(lines(join(spool, 'mail')).map((l) => (JSON.parse(l) as ServiceEvent)['code']), [3, 3]);
  // Up after its two crashes, and restarted on request while all this went on.
  await waitFor(() => upAgain(dir, 3), 20_000, 'up after the crashes');
  const pid = statusPid(dir);
  assert.equal((await runTool('svc', ['-t', dir])).code, 0);
  await waitNewPid(dir, pid);
});

test('a bad settings file: the fatal line in svscan\'s log, exit 100 for each event, nothing spooled; the service runs on', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = box.service('scan/web', crashing(1));
  box.write('scan/web/notify', `#!/bin/sh\n${SVNOTIFY} "$@"\necho $? >> codes\n`, 0o755);
  box.write('scan/web/notify.d/webhook', 'http://127.0.0.1:9/x\n');
  box.write('scan/web/notify.d/batch', 'soon\n');
  const scan = startSvscan(box, box.path('scan'));
  await waitFor(() => upAgain(dir), 20_000, 'up again after its crash');
  // start, exit, restart, start: the settings are read before the event, so each run fails alike.
  await waitFor(() => lines(join(dir, 'codes')).length >= 4, 20_000, 'four hook runs');
  const fatal = 'svnotify: fatal: unable to parse notify.d/batch: not a number of seconds from 0 to 3600: "soon"\n';
  await waitFor(() => scan.stderr().split(fatal).length - 1 >= 4, 20_000, 'the fatal lines read from svscan\'s stderr');
  assert.deepEqual(new Set(lines(join(dir, 'codes'))), new Set(['100']));
  assert.equal(scan.stderr().replaceAll(fatal, ''), '');
  assert.equal(existsSync(join(dir, 'supervise/notify-spool')), false);
  const st = await runTool('svstat', [dir]);
  assert.match(st.stdout, new RegExp(`^${dir}: up \\(pid ${statusPid(dir)}\\) \\d+ seconds\\n$`));
});
