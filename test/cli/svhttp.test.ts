// svhttp over real HTTP against a real svscan: the API, control, logs, metrics and SSE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { startSvscan, statusPid, waitNewPid, waitUp } from '../scenarios/_svscan.ts';
import { bearer, http, inotifyWatches, sse, startSvhttp } from './_svhttp.ts';

const RW = 'rw-token-0123456789abcdef';
const RO = 'ro-token-0123456789abcdef';

function tokens(box: Sandbox): string {
  return box.write('tokens', `# svhttp tokens\nrw ${RW}\nro ${RO}\n`, 0o600);
}

const strip = (s: Record<string, unknown>): Record<string, unknown> => ({ ...s, seconds: null, lastExit: null, check: null, memory: null, cpu: null });

test('svhttp: the service list is svstat --json, one service by name, 404 for others', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/web', 'exec sleep 1000');
  box.service('sc/off', 'exec sleep 1000', { down: '' });
  startSvscan(box, 'sc');
  await waitUp(box.path('sc/web'));
  await waitFor(async () => (await runTool('svstat', ['sc/off'], { cwd: box.root })).stdout.includes('down'), 20_000, 'off supervised');
  const s = await startSvhttp(box, ['--token-file', tokens(box), 'sc']);
  const list = await http(s, 'GET', '/api/v1/services', bearer(RO));
  assert.equal(list.status, 200);
  assert.match(String(list.headers['content-type']), /^application\/json/);
  const svstat = JSON.parse((await runTool('svstat', ['--json', 'off', 'web'], { cwd: box.root, env: { ...process.env, SVDIR: box.path('sc') } })).stdout);
  assert.deepEqual(list.json().services.map(strip), svstat.services.map(strip));
  assert.equal(list.json().version, 1);
  const one = await http(s, 'GET', '/api/v1/services/web', bearer(RO));
  assert.deepEqual([one.status, one.json().dir, one.json().state, one.json().pid], [200, 'web', 'up', statusPid(box.path('sc/web'))]);
  const none = await http(s, 'GET', '/api/v1/services/nope', bearer(RO));
  assert.deepEqual([none.status, none.json()], [404, { error: 'no such service: nope' }]);
  const bad = await http(s, 'GET', '/api/v1/nothing', bearer(RO));
  assert.deepEqual([bad.status, bad.json()], [404, { error: 'not found: /api/v1/nothing' }]);
  const method = await http(s, 'DELETE', '/api/v1/services', bearer(RW));
  assert.deepEqual([method.status, method.headers['allow']], [405, 'GET']);
  assert.equal(s.stderr(), '');
});

test('svhttp: POST restart gives a new pid, down/up work, each control request is one audit line', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/web', 'exec sleep 1000');
  startSvscan(box, 'sc');
  const pid = await waitUp(box.path('sc/web'));
  const s = await startSvhttp(box, ['--token-file', tokens(box), 'sc']);
  const r = await http(s, 'POST', '/api/v1/services/web/restart', bearer(RW));
  assert.deepEqual([r.status, r.json()], [202, { service: 'web', command: 'restart', result: 'sent' }]);
  const pid2 = await waitNewPid(box.path('sc/web'), pid);
  assert.notEqual(pid2, 0);
  assert.equal((await http(s, 'POST', '/api/v1/services/web/down', bearer(RW))).status, 202);
  await waitFor(() => statusPid(box.path('sc/web')) === 0, 20_000, 'web down');
  assert.equal((await http(s, 'POST', '/api/v1/services/web/up', bearer(RW))).status, 202);
  await waitUp(box.path('sc/web'));
  const unknown = await http(s, 'POST', '/api/v1/services/web/rm-rf', bearer(RW));
  assert.equal(unknown.status, 400);
  assert.match(unknown.json().error, /^unknown command: rm-rf/);
  // Audit lines reach the test through svhttp's stdout pipe, maybe after the responses.
  await waitFor(() => s.stdout().split('\n').slice(1, -1).length >= 4, DEADLINE_MS, 'four audit lines');
  const lines = s.stdout().split('\n').slice(1, -1);
  assert.equal(lines.length, 4);
  assert.match(lines[0] ?? '', /^\d{4}-\d\d-\d\dT[\d:.]+Z peer=127\.0\.0\.1 token=line:2 service="web" command="restart" result=sent$/);
  assert.match(lines[3] ?? '', / token=line:2 service="web" command="rm-rf" result=denied:unknown-command$/);
  assert.ok(!s.stdout().includes(RW), 'the audit log never holds a token');
});

test('svhttp: a control request to a dir without a running supervisor is a 503 at once, not a hang', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/orphan', 'exec sleep 1000');
  execFileSync('mkdir', ['-p', box.path('sc/orphan/supervise')]);
  // What a supervisor that died leaves behind: its FIFOs with no reader.
  execFileSync('mkfifo', [box.path('sc/orphan/supervise/control'), box.path('sc/orphan/supervise/ok')]);
  box.service('sc/bare', 'exec sleep 1000');
  const s = await startSvhttp(box, ['--token-file', tokens(box), 'sc']);
  const r = await http(s, 'POST', '/api/v1/services/orphan/term', bearer(RW));
  assert.deepEqual([r.status, r.json()], [503, { error: 'supervise not running on orphan' }]);
  const b = await http(s, 'POST', '/api/v1/services/bare/term', bearer(RW));
  assert.deepEqual([b.status, b.json()], [503, { error: 'supervise not running: no supervise/control in bare' }]);
  const g = await http(s, 'GET', '/api/v1/services/orphan', bearer(RO));
  assert.deepEqual([g.status, g.json().ok, g.json().error], [200, false, 'supervise not running']);
});

test('svhttp: the log tail in local time, and follow=1 streams appended lines', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/app', 'exec sleep 1000');
  const cur = box.write('sc/app/log/main/current', '@400000005f5e100000000000 first\n@400000005f5e100100000000 second\nno stamp\n');
  const s = await startSvhttp(box, ['--token-file', tokens(box), 'sc']);
  const local = execFileSync('tai64nlocal', { input: '@400000005f5e100100000000 second\n', env: { ...process.env, PATH: `${box.path('..')}:${process.env['PATH'] ?? ''}` } }).toString().trim();
  const r = await http(s, 'GET', '/api/v1/services/app/log?lines=2', bearer(RO));
  assert.deepEqual([r.status, r.json()], [200, { service: 'app', lines: [local, 'no stamp'] }]);
  assert.equal((await http(s, 'GET', '/api/v1/services/app/log?lines=x', bearer(RO))).status, 400);
  const f = await sse(s, '/api/v1/services/app/log?lines=1&follow=1', bearer(RO));
  t.after(() => f.close());
  await waitFor(() => f.events.length === 1, 20_000, 'tail sent');
  appendFileSync(cur, Buffer.from('third\xff\n', 'latin1'));
  await waitFor(() => f.events.length === 2, 20_000, 'appended line streamed');
  assert.deepEqual(f.events.map((e) => [e.event, e.data]), [['line', 'no stamp'], ['line', 'third\ufffd']]);
});

test('svhttp: /metrics parses as Prometheus text with the values of the services', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/web', 'exec sleep 1000');
  box.service('sc/off', 'exec sleep 1000', { down: '' });
  box.service('sc/crash', 'exit 3', { 'restart-giveup': '2 60\n' });
  startSvscan(box, 'sc');
  await waitUp(box.path('sc/web'));
  await waitFor(async () => /failed/.test((await runTool('svstat', ['sc/crash'], { cwd: box.root })).stdout), 20_000, 'crash failed');
  await waitFor(async () => (await runTool('svstat', ['sc/off'], { cwd: box.root })).stdout.includes('down'), 20_000, 'off supervised');
  const s = await startSvhttp(box, ['--token-file', tokens(box), 'sc']);
  const r = await http(s, 'GET', '/metrics', bearer(RO));
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(r.body);
  const value = (name: string, service: string): string | undefined =>
    families.find((f) => f.name === name)?.metrics.find((m) => m.labels?.['service'] === service)?.value;
  assert.equal(value('svkit_service_up', 'web'), '1');
  assert.equal(value('svkit_service_up', 'off'), '0');
  assert.equal(value('svkit_service_up', 'crash'), '0');
  assert.equal(value('svkit_service_failed', 'crash'), '1');
  assert.equal(value('svkit_service_last_exit_code', 'crash'), '3');
  // crash is failed: frozen, so svstat and the scrape read the same health file.
  const crash = JSON.parse((await runTool('svstat', ['--json', 'sc/crash'], { cwd: box.root })).stdout).services[0];
  assert.ok(crash.restarts >= 1);
  assert.equal(value('svkit_service_restarts_total', 'crash'), String(crash.restarts));
  assert.equal(families.find((f) => f.name === 'svkit_service_restarts_total')?.type, 'COUNTER');
  assert.ok(Number(value('svkit_service_memory_bytes', 'web') ?? '0') > 0 || value('svkit_service_memory_bytes', 'web') === undefined);
  assert.ok(families.some((f) => f.name === 'process_resident_memory_bytes'), 'svhttp process metrics');
});

test('svhttp: SSE delivers exit and start events for real transitions; a client that leaves frees its watches', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/web', 'exec sleep 1000');
  startSvscan(box, 'sc');
  const pid = await waitUp(box.path('sc/web'));
  const s = await startSvhttp(box, ['sc']);
  const c = await sse(s, '/api/v1/events');
  await waitFor(() => c.ready(), 20_000, 'the event feed watching');
  assert.ok(inotifyWatches(s.child.pid ?? 0) >= 2, 'svhttp watches the scan dir and supervise/');
  await runTool('svc', ['-d', 'sc/web'], { cwd: box.root });
  await waitFor(() => c.events.some((e) => e.event === 'exit'), 20_000, 'exit event');
  await runTool('svc', ['-u', 'sc/web'], { cwd: box.root });
  await waitFor(() => c.events.some((e) => e.event === 'start'), 20_000, 'start event');
  const exit = c.events.find((e) => e.event === 'exit')?.data;
  const start = c.events.find((e) => e.event === 'start')?.data;
  assert.deepEqual([exit.v, exit.kind, exit.service, exit.pid], [1, 'exit', 'web', pid]);
  assert.deepEqual([start.kind, start.service, start.pid], ['start', 'web', statusPid(box.path('sc/web'))]);
  c.close();
  await waitFor(() => inotifyWatches(s.child.pid ?? 0) === 0, 20_000, 'watches closed after the client left');
  assert.equal((await http(s, 'GET', '/api/v1/services')).status, 200);
});
