// svnotify's spool and its parsers: append with a cap and a counted drop, taking a batch into
// each destination's file (the newest PENDING_MAX kept, the rest counted), the sender lock held
// by one at a time; settings from files and flags (flags win), the filter, the rendered mail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from '../helpers/sandbox.ts';
import { appendEvent, hasEvents, makeSpool, pendingEvents, PENDING_MAX, releaseSender, senderPid, announceSender, SPOOL_CAP, takeBatch, tryLockSender } from '../../packages/core/src/notify/spool.ts';
import { buildConfig, readConfigDir } from '../../packages/core/src/notify/config.ts';
import { parseFilter, wanted, DEFAULT_ONLY } from '../../packages/core/src/notify/filter.ts';
import { renderMail, renderWebhook } from '../../packages/core/src/notify/render.ts';
import type { ServiceEvent } from '../../packages/core/src/events/event.ts';

const ev = (kind: string, pid: number, fields: Record<string, unknown> = {}): ServiceEvent => ({ v: 1, kind, service: 'web', time: 1764950000000 + pid, pid, ...fields }) as ServiceEvent;

test('spool: events appended in order; past SPOOL_CAP a drop is counted; a batch moves them to each destination', (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = box.path('spool');
  makeSpool(dir);
  const big = 'x'.repeat(1000);
  let appended = 0;
  let dropped = 0;
  for (let i = 0; i < 300; i++) (appendEvent(dir, ev('exit', i, { pad: big })) === 'appended' ? appended++ : dropped++);
  assert.ok(appended > 0 && dropped > 0 && appended + dropped === 300);
  assert.ok(readFileSync(join(dir, 'events')).length <= SPOOL_CAP);
  assert.equal(readFileSync(join(dir, 'dropped'), 'utf8'), `${dropped}\n`);
  assert.equal(hasEvents(dir), true);
  takeBatch(dir, ['webhook']);
  const pending = pendingEvents(dir, 'webhook');
  assert.deepEqual(pending.slice(0, appended).map((e) => e.pid), Array.from({ length: appended }, (_, i) => i));
  assert.deepEqual([pending.at(-1)?.kind, pending.at(-1)?.['dropped'], pending.at(-1)?.['why']], ['notify-drop', dropped, 'full']);
  assert.deepEqual(pendingEvents(dir, 'mail'), []);
  assert.equal(hasEvents(dir), false);
  assert.equal(existsSync(join(dir, 'dropped')), false);
});

test('spool: a destination keeps the newest PENDING_MAX events after failures; one no longer configured is dropped', (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = box.path('spool');
  makeSpool(dir);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 400; i++) appendEvent(dir, ev('exit', round * 400 + i));
    takeBatch(dir, ['mail', 'webhook']);
  }
  const mail = pendingEvents(dir, 'mail');
  assert.equal(mail.length, PENDING_MAX);
  assert.deepEqual([mail[0]?.kind, mail[0]?.['dropped'], mail[0]?.['why']], ['notify-drop', 1200 - PENDING_MAX + 1, 'kept']);
  assert.deepEqual([mail[1]?.pid, mail.at(-1)?.pid], [1200 - PENDING_MAX + 1, 1199]);
  takeBatch(dir, ['mail']);
  assert.equal(existsSync(join(dir, 'webhook')), false);
  // A torn line in a destination's file is skipped.
  writeFileSync(join(dir, 'mail'), `${JSON.stringify(ev('failed', 1))}\n{"v":1,"ki\n`);
  assert.deepEqual(pendingEvents(dir, 'mail').map((e) => e.kind), ['failed']);
});

test('spool: one sender at a time; its pid once announced, none after it let go', (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = box.path('spool');
  makeSpool(dir);
  const fd = tryLockSender(dir);
  assert.notEqual(fd, undefined);
  assert.equal(tryLockSender(dir), undefined);
  assert.equal(senderPid(dir), 0);
  announceSender(fd ?? -1, 4242);
  assert.equal(senderPid(dir), 4242);
  releaseSender(fd ?? -1);
  assert.equal(senderPid(dir), 0);
  const again = tryLockSender(dir);
  assert.notEqual(again, undefined);
  releaseSender(again ?? -1);
});

test('filter: kinds, exit-nonzero and exit-signal, all; the default', () => {
  const f = parseFilter('failed, exit-nonzero\nlimit', 'only');
  assert.deepEqual(f, ['failed', 'exit-nonzero', 'limit']);
  assert.equal(wanted(f, ev('exit', 1, { code: 3, signal: null })), true);
  assert.equal(wanted(f, ev('exit', 1, { code: 0, signal: null })), false);
  assert.equal(wanted(f, ev('exit', 1, { code: null, signal: 'TERM' })), false);
  assert.equal(wanted(['exit-signal'], ev('exit', 1, { code: null, signal: 'KILL' })), true);
  assert.equal(wanted(f, ev('start', 1)), false);
  assert.equal(wanted(['all'], ev('start', 1)), true);
  assert.deepEqual(DEFAULT_ONLY, ['failed', 'limit', 'unhealthy', 'exit-nonzero']);
  assert.throws(() => parseFilter(' , ', 'notify.d/only'), { message: 'unable to parse notify.d/only: no kind in it' });
});

test('settings: files of the config dir, flags win, secrets from mode-600 files only', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.write('notify.d/smtp', 'smtps://alerts%40example.com@mail.example.com\n');
  box.write('notify.d/from', 'svkit <svkit@example.com>\n');
  box.write('notify.d/to', 'a@example.com\nb@example.com, c@example.com\n');
  box.write('notify.d/smtp-password', 'hunter2\n', 0o600);
  box.write('notify.d/batch', '30\n');
  const { raw, sources } = await readConfigDir(box.path('notify.d'));
  const cfg = buildConfig(raw, sources, { batch: '5', webhook: 'https://hooks.example.com/x' });
  assert.deepEqual(cfg.smtp, { host: 'mail.example.com', port: 465, secure: true, user: 'alerts@example.com', password: 'hunter2', from: 'svkit <svkit@example.com>', to: ['a@example.com', 'b@example.com', 'c@example.com'] });
  assert.deepEqual([cfg.batch, cfg.timeout, cfg.spool, cfg.only, cfg.webhook?.url.href], [5, 20, 'supervise/notify-spool', DEFAULT_ONLY, 'https://hooks.example.com/x']);
  assert.throws(() => buildConfig({}, {}, { from: 'a@example.com' }), { message: 'unable to send mail: --from and --to need --smtp URL' });
});

test('rendering: one line per event as svscan -v prints it, the JSON after; the webhook body', () => {
  const events = [ev('exit', 7, { what: 'run', code: 3, signal: null, then: 'restart' }), ev('failed', 0, { reason: 'gave up' })];
  const m = renderMail(events, 'box');
  assert.equal(m.subject, '[svkit box] 2 events: web exit, web failed');
  assert.match(m.text, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} web: exited 3, restarting\n\d{4}-\S+ \S+ web: failed\n\nThe events as JSON/);
  assert.ok(m.text.includes(`${JSON.stringify(events[0])}\n${JSON.stringify(events[1])}\n`));
  assert.equal(renderMail([events[1] as ServiceEvent], 'box').subject, '[svkit box] web: failed');
  assert.deepEqual(JSON.parse(renderWebhook(events, 'box')), { v: 1, host: 'box', events });
});
