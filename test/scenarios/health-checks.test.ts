// Health checks: health/tcp and health/http against real local servers that stop answering,
// health/check that hangs or floods, and bad check files (issue 7).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTcp, type Server } from 'node:net';
import { createServer as createHttp } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool, startBackground } from '../helpers/tools.ts';
import { own, supervise, waitUp } from '../fixtures/supervision.ts';
import { starts, svstat, waitHealth } from './_health.ts';

const FAST = { 'health/interval': '0.2\n', 'health/timeout': '1\n', 'health/retries': '2\n' };

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/**
 * Two listening sockets with a backlog of 0 that are never accepted from (a real server that has
 * stopped answering): once a connect fills each queue, the kernel drops the next SYNs, so a
 * connect hangs. Returns their ports.
 */
async function stuckServers(box: Sandbox): Promise<[number, number]> {
  const perl = `use Socket; $| = 1; my @s; for (1 .. 2) { socket(my $s, PF_INET, SOCK_STREAM, 0) or die; bind($s, pack_sockaddr_in(0, inet_aton('127.0.0.1'))) or die; listen($s, 0) or die; push @s, $s; print((unpack_sockaddr_in(getsockname($s)))[0], "\\n"); } sleep 1000;`;
  const child = box.track(startBackground('/usr/bin/perl', ['-e', perl], { stdio: ['ignore', 'pipe', 'inherit'] }));
  let out = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => { out += d; });
  await waitFor(() => /^\d+\n\d+\n$/.test(out), DEADLINE_MS, 'the stuck servers');
  const [a, b] = out.trim().split('\n').map(Number);
  return [a!, b!];
}

/** Connects from this machine to 127.0.0.1:PORT still waiting for an answer (SYN_SENT in /proc/net/tcp). */
function synSent(port: number): number {
  const rem = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'latin1').split('\n').filter((l) => { const f = l.trim().split(/\s+/); return f[2] === rem && f[3] === '02'; }).length;
}

const cause = (prefix: string) => (h: Record<string, unknown>): boolean => typeof h['cause'] === 'string' && (h['cause'] as string).startsWith(prefix);

describe('health checks', { concurrency: 3 }, () => {
  it('health/tcp: healthy while a real server answers, restarted once it stops', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const server = createTcp((c) => c.destroy());
    t.after(() => server.close());
    const port = await listen(server);
    const dir = box.service('s', 'echo x >> starts\nexec sleep 100', { ...FAST, 'health/tcp': `127.0.0.1:${port}\n` });
    const sup = await supervise(box, dir);
    const pid = await waitUp(dir);
    await waitHealth(dir, (h) => h.pid === pid && h['health'] === 'healthy', 'healthy');
    assert.match((await svstat(box.root, '-v', 's')).stdout, new RegExp(`\\n {2}health: healthy, checks pass for \\d+ seconds: tcp, connected to 127.0.0.1:${port}\\n`));
    await new Promise<void>((r) => server.close(() => r()));
    const h = await waitHealth(dir, cause('health/tcp'), 'restarted for health');
    assert.equal(h['cause'], `health/tcp: unable to connect to 127.0.0.1:${port}: connection refused (2 times)`);
    await waitFor(() => starts(dir) >= 2, 20_000, 'started again');
    await waitFor(() => own(sup.stderr(), 'supervise').some((l) => l.endsWith(`/s unhealthy: health/tcp: unable to connect to 127.0.0.1:${port}: connection refused (2 times), restarting`)), DEADLINE_MS, 'the warning');
  });

  it('health/tcp checked many times: no warning, and the target may be a host name', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    // Each check is one accepted connection: the server counts the rounds.
    let accepted = 0;
    const server = createTcp((c) => { accepted++; c.destroy(); });
    t.after(() => server.close());
    const port = await listen(server);
    const dir = box.service('s', 'exec sleep 100', { 'health/interval': '0.05\n', 'health/tcp': `localhost:${port}\n`, 'health/action': 'alert\n' });
    const sup = await supervise(box, dir);
    const pid = await waitUp(dir);
    await waitHealth(dir, (h) => h.pid === pid && h['health'] === 'healthy', 'healthy');
    assert.match((await svstat(box.root, '-v', 's')).stdout, new RegExp(`\\n {2}health: healthy, checks pass for \\d+ seconds: tcp, connected to localhost:${port}\\n`));
    // More rounds than Node's 10 listeners per AbortSignal: each round's listener is removed when
    // it ends (a kept one per round grew without bound and printed MaxListenersExceededWarning).
    const seen = accepted;
    await waitFor(() => accepted >= seen + 25, DEADLINE_MS, '25 more checks');
    assert.equal(sup.stderr(), '');
  });

  it('health/tcp to a server that stopped answering times out; a hanging connect ends with its service', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const [short, long] = await stuckServers(box);
    const a = box.service('a', 'exec sleep 100', { 'health/interval': '0.1\n', 'health/timeout': '0.3\n', 'health/retries': '1\n', 'health/action': 'alert\n', 'health/tcp': `127.0.0.1:${short}\n` });
    const b = box.service('b', 'exec sleep 100', { 'health/interval': '0.1\n', 'health/timeout': '600\n', 'health/tcp': `127.0.0.1:${long}\n` });
    await supervise(box, a);
    await supervise(box, b);
    const h = await waitHealth(a, (x) => x['health'] === 'unhealthy', 'a unhealthy');
    assert.deepEqual([(h['check'] as Record<string, unknown>)['kind'], (h['check'] as Record<string, unknown>)['reason']], ['tcp', 'timed out after 0.3 seconds']);
    // b's second connect hangs (its first filled the queue); svc -d takes it down with b.
    await waitFor(() => synSent(long) === 1, DEADLINE_MS, "b's connect hanging");
    assert.equal((await runTool('svc', ['-d', 'b'], { cwd: box.root })).code, 0);
    await waitFor(() => synSent(long) === 0, DEADLINE_MS, "b's connect closed with b");
  });

  it('health/http: 2xx is healthy, a 503 turns it unhealthy; with alert it stays up and svstat says unhealthy', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    let code = 200;
    const server = createHttp((_req, res) => { res.statusCode = code; res.end('x'); });
    t.after(() => server.close());
    const port = await listen(server);
    const dir = box.service('s', 'echo x >> starts\nexec sleep 100', { ...FAST, 'health/http': `http://127.0.0.1:${port}/health\n`, 'health/action': 'alert\n' });
    await supervise(box, dir);
    const pid = await waitUp(dir);
    await waitHealth(dir, (h) => h.pid === pid && h['health'] === 'healthy', 'healthy');
    assert.match((await svstat(box.root, 's')).stdout, new RegExp(`^s: up \\(pid ${pid}\\) \\d+ seconds\\n$`));
    code = 503;
    await waitHealth(dir, (h) => h['health'] === 'unhealthy', 'unhealthy');
    assert.match((await svstat(box.root, 's')).stdout, new RegExp(`^s: up \\(pid ${pid}\\) \\d+ seconds, unhealthy\\n$`));
    assert.match((await svstat(box.root, '-v', 's')).stdout, /\n {2}health: unhealthy, checks fail for \d+ seconds: http, HTTP 503\n/);
    code = 204;
    await waitHealth(dir, (h) => h['health'] === 'healthy', 'healthy again');
    assert.equal(starts(dir), 1, 'alert never restarts');
  });

  it('health/check that hangs is killed at the timeout and the service restarted; a flood is capped', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const hang = box.service('hang', 'echo x >> starts\nexec sleep 100', { ...FAST, 'health/timeout': '0.5\n' });
    box.write('hang/health/check', '#!/bin/sh\necho $$ >> check-pids\nexec sleep 100\n', 0o755);
    const flood = box.service('flood', 'exec sleep 100', { ...FAST, 'health/action': 'alert\n' });
    box.write('flood/health/check', '#!/bin/sh\nyes boom | head -c 3000000\nexit 1\n', 0o755);
    await supervise(box, hang);
    const supF = await supervise(box, flood);
    const h = await waitHealth(hang, cause('health/check'), 'hang restarted');
    assert.equal(h['cause'], 'health/check: timed out after 0.5 seconds (2 times)');
    await waitFor(() => starts(hang) >= 2, 20_000, 'hang started again');
    await waitHealth(flood, (x) => x['health'] === 'unhealthy', 'flood unhealthy');
    const said = (): string[] => own(supF.stderr(), 'supervise').filter((l) => l.includes('/health/check said: '));
    await waitFor(() => said().length >= 1, DEADLINE_MS, 'the check output logged');
    for (const l of said()) assert.ok(l.length < 400 && l.endsWith('...'), l);
  });

  it('bad check files get one warning each; the service runs unchecked', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = box.service('s', 'exec sleep 100', {
      'health/tcp': 'localhost:99999\n', 'health/http': 'not a url\n', 'health/interval': 'often\n', 'health/retries': '0\n',
    });
    box.write('s/health/check', '#!/bin/sh\nexit 0\n', 0o644);
    const sup = await supervise(box, dir);
    const pid = await waitUp(dir);
    await waitFor(() => own(sup.stderr(), 'supervise').length >= 3, DEADLINE_MS, 'warnings');
    assert.deepEqual(own(sup.stderr(), 'supervise').map((l) => l.replace(dir, 'S')).sort(), [
      'supervise: warning: unable to parse S/health/http: not a URL: "not a url", ignored',
      'supervise: warning: unable to parse S/health/tcp: not PORT or HOST:PORT: "localhost:99999", ignored',
      'supervise: warning: unable to run S/health/check: not executable, ignored',
    ]);
    const h = await waitHealth(dir, (x) => x.pid === pid, 'record');
    assert.equal(h['health'], null);
  });
});
