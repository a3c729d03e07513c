// health/check under svscan: it runs with the service's env/ (as run does), and its output goes
// into the service's log (log/run or the in-process log) as `health/check: ` lines, bounded:
// a check that prints megabytes costs a few KiB of log and one count line, nothing else.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { startSvscan, statusPid, waitUp } from './_svscan.ts';
import { waitHealth } from './_health.ts';

const FAST = { 'health/interval': '0.2\n', 'health/timeout': '5\n', 'health/retries': '2\n' };

function text(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}

const checkLines = (log: string): string[] => log.split('\n').filter((l) => l.includes('health/check: '));

describe('health/check output and environment', { concurrency: 2 }, () => {
  it('gets env/ and its output lands in the log/run logger, prefixed; not on svscan\'s stderr', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = box.service('sc/s', 'echo service line\nexec sleep 1000', { ...FAST, 'env/GREETING': 'from env dir\n', 'log/run': 'exec cat >> logged\n' });
    box.write('sc/s/health/check', '#!/bin/sh\necho "GREETING=$GREETING"\nexit 0\n', 0o755);
    const scan = startSvscan(box, 'sc');
    const pid = await waitUp(dir);
    const logged = join(dir, 'log/logged');
    await waitFor(() => checkLines(text(logged)).length >= 2, 20_000, 'two check rounds logged');
    assert.ok(text(logged).split('\n').includes('service line'), 'the service\'s own line is there too');
    for (const l of checkLines(text(logged))) assert.equal(l, 'health/check: GREETING=from env dir');
    await waitHealth(dir, (h) => h.pid === pid && h['health'] === 'healthy', 'healthy');
    assert.deepEqual(scan.stderr().split('\n').filter((l) => l.includes('health/check')), []);
  });

  it('in-process log: a check printing 3 MB is cut to a few KiB and a count line; the service is unaffected', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = box.service('sc/flood', 'exec sleep 1000', FAST);
    box.write('sc/flood/health/check', '#!/bin/sh\nyes boom | head -c 3000000\nexit 0\n', 0o755);
    box.write('sc/flood/log/multilog', 's1000000\n./main\n');
    const quiet = box.service('sc/quiet', 'echo $$ > started; exec sleep 1000');
    const scan = startSvscan(box, 'sc');
    const pid = await waitUp(dir);
    await waitUp(quiet);
    const current = join(dir, 'log/main/current');
    const count = (): string[] => text(current).split('\n').filter((l) => l.startsWith('health/check: ('));
    await waitFor(() => count().length >= 2, 20_000, 'two flooding rounds logged');
    const log = text(current);
    // Each round: at most the 4096 bytes kept (2048 "boom" lines), then the count of the rest.
    assert.deepEqual([...new Set(count())], ['health/check: (2995904 more bytes of output not logged)']);
    const rounds = count().length;
    const booms = checkLines(log).filter((l) => l === 'health/check: boom').length;
    assert.ok(booms <= rounds * 2048 + 2048, `${booms} boom lines for ${rounds} rounds`);
    assert.ok(log.length < (rounds + 1) * 40_000, `log of ${log.length} bytes for ${rounds} rounds`);
    const h = await waitHealth(dir, (x) => x.pid === pid && x['health'] === 'healthy', 'healthy');
    assert.equal(h.restarts, 0);
    assert.equal(statusPid(dir), pid);
    const st = await runTool('svstat', [dir, quiet]);
    assert.equal(st.code, 0);
    assert.equal(st.stderr, '');
    assert.match(st.stdout, new RegExp(`^${dir}: up \\(pid ${pid}\\) \\d+ seconds\\n${quiet}: up \\(pid \\d+\\) \\d+ seconds\\n$`));
    assert.deepEqual(scan.stderr().split('\n').filter((l) => l.includes('health/check')), []);
  });
});
