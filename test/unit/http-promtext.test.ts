// /metrics' per-service families are written by hand (servicefamilies.ts, promtext.ts); they must
// be the bytes prom-client wrote for them. The oracle below is svhttp's former prom-client code
// (Gauge.set / Counter.inc per service, registry.metrics()), kept here on purpose apart from the
// family table, so neither the format nor a figure's mapping can drift unseen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Gauge, Registry } from 'prom-client';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Metrics, renderServiceFamilies, SERVICE_FAMILIES, type ServiceJson, type ServiceSample } from '@svkit/core/http';

async function promClientText(services: readonly ServiceSample[]): Promise<string> {
  const registry = new Registry();
  const g: Record<string, Gauge> = {};
  const gauge = (name: string, help: string): void => {
    g[name] = new Gauge({ name: `svkit_service_${name}`, help, labelNames: ['service'], registers: [registry] });
  };
  gauge('supervised', '1 if a supervisor runs the service (supervise/status readable)');
  gauge('up', '1 if the service has a process');
  gauge('ready', '1 if the service is up and ready (notification-fd), 0 if up and not ready');
  gauge('healthy', '1 if its health checks pass, 0 if they fail (absent when unknown)');
  gauge('failed', '1 if restart-giveup left the service failed');
  gauge('uptime_seconds', 'seconds since the service went up (0 when down)');
  gauge('state_seconds', 'seconds in its current state (up or down)');
  gauge('last_exit_code', 'exit code of its last run (absent after a signal)');
  gauge('last_exit_signal', 'signal that ended its last run (absent after an exit code)');
  gauge('memory_bytes', 'RSS of its process tree in bytes');
  gauge('cpu_ratio', 'CPU of its process tree, in cores (1 = one core busy)');
  gauge('backoff_seconds', 'seconds of the restart back-off it waits in');
  gauge('log_bytes', 'bytes its log directory holds (current and archives)');
  const restarts = new Counter({ name: 'svkit_service_restarts_total', help: 'restarts since the supervisor started it', labelNames: ['service'], registers: [registry] });
  for (const { name, json: j, logBytes } of services) {
    const set = (k: string, v: number | null | undefined): void => {
      if (v !== null && v !== undefined) g[k]?.set({ service: name }, v);
    };
    const up = j.state === 'up';
    set('supervised', j.supervised ? 1 : 0);
    set('up', up ? 1 : 0);
    set('ready', j.ready === null ? null : j.ready ? 1 : 0);
    set('healthy', j.health === 'healthy' ? 1 : j.health === 'unhealthy' ? 0 : null);
    set('failed', j.failed === null ? (j.ok ? 0 : null) : 1);
    set('uptime_seconds', j.ok ? (up ? j.seconds : 0) : null);
    set('state_seconds', j.seconds);
    set('last_exit_code', j.lastExit?.code);
    set('last_exit_signal', j.lastExit?.signal);
    set('memory_bytes', j.memory);
    set('cpu_ratio', j.cpu === null ? null : j.cpu / 100);
    set('backoff_seconds', j.backoff);
    set('log_bytes', logBytes);
    if (j.restarts !== null) restarts.inc({ service: name }, j.restarts);
  }
  return registry.metrics();
}

const UP: ServiceJson = {
  dir: 'web', ok: true, error: null, supervised: true, state: 'up', pid: 4321, want: 'up', paused: false, normally: 'up',
  seconds: 86_400, stamp: '@400000006942f1a2000003e8', termSent: null, format: 'daemontools',
  ready: true, health: 'healthy', check: { kind: 'tcp', ok: true, reason: 'connected', seconds: 3 }, memory: 52_428_800, cpu: 12.5,
  restarts: 2, lastExit: null, backoff: null, failed: null, cause: null, startError: null, waitingFor: null, lastLines: null,
};
const DOWN: Partial<ServiceJson> = { state: 'down', pid: null, want: 'down', paused: false, ready: null, memory: null, cpu: null };
const NOT_SUPERVISED: Partial<ServiceJson> = {
  ok: false, error: 'supervise not running', supervised: false, state: null, pid: null, want: null, paused: null, normally: null,
  seconds: null, stamp: null, format: null, ready: null, health: null, check: null, memory: null, cpu: null, restarts: null,
};

const sample = (name: string, json: Partial<ServiceJson>, logBytes?: number): ServiceSample =>
  ({ name, json: { ...UP, ...json, dir: name }, logBytes });

/** The states svhttp meets (svkit, daemontools and runit supervisors), names a directory can have, and odd numbers. */
const SERVICES: readonly ServiceSample[] = [
  sample('web', {}, 1234),
  sample('db', { ready: false, health: 'unhealthy', cpu: 0.1, restarts: 0, memory: 0 }, 0),
  sample('booting', { health: 'unknown', ready: false, seconds: 0 }),
  sample('off', { ...DOWN, seconds: 7, lastExit: { code: 0, signal: null, seconds: 5 }, health: null, restarts: 1 }, 2 ** 40),
  sample('crash', { ...DOWN, failed: 'restart-giveup 3 in 60 s', lastExit: { code: 3, signal: null, seconds: 1 }, restarts: 5 }),
  sample('killed', { ...DOWN, lastExit: { code: null, signal: 9, seconds: 2 }, backoff: 4 }),
  sample('finishing', { state: 'finish', format: 'runit', termSent: false, ready: null }),
  sample('daemontools-only', { ready: null, health: null, check: null, memory: null, cpu: null, restarts: null }),
  sample('gone', NOT_SUPERVISED),
  sample('dir-error', { ...NOT_SUPERVISED, supervised: true, error: 'unable to open supervise/status: access denied' }),
  sample('say "hi"', {}, 1),
  sample('back\\slash', { ...DOWN }),
  sample('ends with a backslash\\', {}),
  sample('\\"escaped already\\"', {}),
  sample('literal \\n, not a newline', {}),
  sample('new\nline', {}),
  sample('tab\tand\rcarriage return', {}),
  sample('a,b=c{d} e', {}),
  sample('ünïcødé ✓ 服务 🚀', {}, 99),
  sample('numbers: big and small', { memory: 1e21, cpu: 1e-5, seconds: 2 ** 53 + 2, backoff: 0.1 + 0.2 }),
  sample('numbers: negative zero', { ...DOWN, seconds: -0, backoff: -0, lastExit: { code: -0, signal: null, seconds: 0 } }),
  sample('numbers: not finite', { memory: NaN, cpu: Infinity, backoff: -Infinity, restarts: NaN }),
  sample('numbers: negative and fractional', { ...DOWN, lastExit: { code: -1, signal: null, seconds: 0 }, backoff: 2.5 }, 0.5),
];

test('the services families are prom-client\'s bytes: realistic states, awkward names, absent and odd figures', async () => {
  assert.equal(renderServiceFamilies(SERVICES) + '\n', await promClientText(SERVICES));
});

test('each service alone, none, and the order of services are as prom-client writes them', async () => {
  assert.equal(renderServiceFamilies([]) + '\n', await promClientText([]));
  for (const s of SERVICES) assert.equal(renderServiceFamilies([s]) + '\n', await promClientText([s]), JSON.stringify(s.name));
  const reversed = [...SERVICES].reverse();
  assert.equal(renderServiceFamilies(reversed) + '\n', await promClientText(reversed));
});

test('a counter prom-client refuses (it fails the whole scrape) costs only that sample', async () => {
  for (const restarts of [-1, Infinity, -Infinity]) {
    const bad = [sample('web', {}), sample('odd', { restarts })];
    await assert.rejects(promClientText(bad), `prom-client accepts restarts ${restarts}`);
    const text = renderServiceFamilies(bad);
    // Every other figure of 'odd' is there, and its counter is simply absent.
    const withoutOddCounter = renderServiceFamilies([sample('web', {}), sample('odd', { restarts: 0 })])
      .split('\n').filter((l) => !l.startsWith('svkit_service_restarts_total{service="odd"}')).join('\n');
    assert.equal(text, withoutOddCounter, `restarts ${restarts}`);
  }
});

test('one family per table entry, in the table\'s order, each name once', () => {
  const text = renderServiceFamilies(SERVICES.slice(0, 3));
  const families = parsePrometheusTextFormat(text + '\n');
  assert.deepEqual(families.map((f) => f.name), SERVICE_FAMILIES.map((f) => f.name));
  assert.deepEqual(families.map((f) => f.type), SERVICE_FAMILIES.map((f) => f.type.toUpperCase()));
});

test('Metrics.render: svhttp\'s process families, then the services\' with their log bytes (current and archives)', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'svkit-promtext-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const withLog = join(root, 'web');
  mkdirSync(join(withLog, 'log', 'main'), { recursive: true });
  writeFileSync(join(withLog, 'log', 'main', 'current'), 'hello\n');
  writeFileSync(join(withLog, 'log', 'main', '@400000006942f1a2000003e8.s'), 'archived\n');
  writeFileSync(join(withLog, 'log', 'main', 'state'), 'not counted');
  const noLog = join(root, 'db');
  mkdirSync(noLog);
  const text = await new Metrics().render([{ name: 'web', dir: withLog, json: UP }, { name: 'db', dir: noLog, json: UP }]);
  const samples = [sample('web', UP, 15), sample('db', UP)];
  const services = renderServiceFamilies(samples);
  assert.ok(text.endsWith(`\n\n${services}\n`), 'the services\' families close the scrape');
  const own = text.slice(0, -services.length - 2);
  assert.ok(!own.includes('svkit_service_'), 'the process families come first');
  const names = parsePrometheusTextFormat(text).map((f) => f.name);
  assert.ok(names.includes('process_resident_memory_bytes') && names.includes('nodejs_eventloop_lag_seconds'));
  assert.equal(new Set(names).size, names.length, 'each family once');
  assert.equal(services + '\n', await promClientText(samples));
});

test('Metrics.render reads svhttp\'s own figures at most once a second (clock given), again after a failed read', async () => {
  const m = new Metrics();
  const read = m.registry.metrics.bind(m.registry);
  let reads = 0;
  let fail = false;
  m.registry.metrics = async () => {
    reads++;
    if (fail) throw new Error('collector failed');
    return read();
  };
  const T = 1_800_000_000_000;
  const own = (text: string): string => text.slice(0, text.indexOf('# HELP svkit_service_'));
  const first = await m.render([], T);
  assert.equal(reads, 1);
  assert.equal(own(await m.render([], T + 999)), own(first), 'shared within the second');
  assert.equal(reads, 1);
  await m.render([], T + 1000);
  assert.equal(reads, 2, 'read again after a second');
  await m.render([], T + 500);
  assert.equal(reads, 3, 'read again when the clock went back');
  fail = true;
  await assert.rejects(m.render([], T + 5000), /collector failed/);
  fail = false;
  await m.render([], T + 5001);
  assert.equal(reads, 5, 'a failed read is not kept');
});
