// svscan: S/log/ reads the output of S/run and S/finish through a pipe that outlives restarts
// of either side (compat §1.5, §6): no line lost or doubled, no EOF while the service lives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { needPeers, runTool } from '../helpers/tools.ts';
import { alive, blockedReading, checkSequences, procState, startSvscan, type Svscan, waitNewPid, waitUp } from './_svscan.ts';

// One process each (no grandchildren): a killed group leaves no orphan whose reaping by init
// would slow the restart down.
/** run: "PID N" lines at ~100/s, each number also recorded in last.PID after it was written. */
const RUN = `exec perl -e '$| = 1; for (my $i = 1; ; $i++) { print "$$ $i\\n"; open(my $f, ">", "last.$$") or die; print $f $i; close $f; select(undef, undef, undef, 0.01) }'`;
/** log/run: appends its input to out, and writes a marker to eof once it has seen EOF. */
function logger(out: string, eof: string): string {
  return `exec perl -e 'open(my $o, ">>", "${out}") or die; select($o); $| = 1; print while <STDIN>; open(my $e, ">>", "${eof}") or die; print $e "EOF\\n"'`;
}
const FINISH = 'echo "finish $1 $2"';

function lines(path: string): number {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 1 : 0;
}

/** Waits until path has grown by at least n lines. */
async function grows(path: string, n: number, label: string): Promise<void> {
  const before = lines(path);
  await waitFor(() => lines(path) >= before + n, 5000, label);
}

async function svc(args: string[]): Promise<void> {
  const r = await runTool('svc', args);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', ''], `svc ${args.join(' ')}`);
}

/**
 * Restarts the logger with svc LETTER while the service writes on. A logger killed between
 * its read() and its write() loses what it held, whatever the pipe does; so the kill is sent
 * while the logger is idle in read() (service paused, pipe drained), and the service is let
 * go on at once: the lines it writes while no logger runs must wait in the pipe.
 */
async function restartLogger(service: string, servicePid: number, log: string, loggerPid: number, letter: string): Promise<number> {
  await svc(['-p', service]);
  await waitFor(() => procState(servicePid) === 'T', DEADLINE_MS, 'service paused');
  await waitFor(() => blockedReading(loggerPid, 0), DEADLINE_MS, 'logger idle in read()');
  await svc([letter, log]);
  await waitFor(() => !alive(loggerPid), DEADLINE_MS, 'old logger gone');
  await svc(['-c', service]);
  return waitNewPid(log, loggerPid);
}

async function term(scan: Svscan): Promise<void> {
  process.kill(scan.pid, 'SIGTERM');
  const end = await scan.exited;
  assert.deepEqual(end, { code: 0, signal: null }, `svscan exit; stderr: ${scan.stderr()}`);
}

/**
 * Every run instance's lines are contiguous from 1, none after what it recorded as its last
 * is missing, and every instance's finish line is there. Returns the instances in log order.
 */
function checkLog(text: string, service: string): string[] {
  const seqs = checkSequences(text, /^(\d+) (\d+)$/);
  for (const [pid, last] of seqs) {
    const recorded = Number(readFileSync(join(service, `last.${pid}`), 'utf8'));
    assert.ok(last >= recorded, `instance ${pid}: logged up to ${last}, but it wrote ${recorded}`);
  }
  return [...seqs.keys()];
}

test('S/log gets the output of run and finish; restarts of the service or of the logger lose no line and show the logger no EOF', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const out = box.path('out.txt');
  const eof = box.path('eof.txt');
  const s = box.service('sc/s', RUN, { finish: FINISH, 'log/run': logger(out, eof) });
  const log = join(s, 'log');
  const scan = startSvscan(box, 'sc');
  const p1 = await waitUp(s);
  const l1 = await waitUp(log);
  await grows(out, 5, 'first lines');

  await svc(['-t', s]);
  const p2 = await waitNewPid(s, p1);
  await grows(out, 5, 'lines after svc -t');
  await svc(['-k', s]);
  const p3 = await waitNewPid(s, p2);
  await grows(out, 5, 'lines after svc -k');
  const l2 = await restartLogger(s, p3, log, l1, '-t');
  await grows(out, 5, 'lines after svc -t of the logger');
  const l3 = await restartLogger(s, p3, log, l2, '-k');
  await grows(out, 5, 'lines after svc -k of the logger');
  assert.equal(existsSync(eof), false, 'the logger never saw EOF while the service lived');
  assert.ok(alive(p3) && alive(l3));

  // Clean stop: the service goes down, its finish runs, the logger drains to EOF once.
  await term(scan);
  assert.equal(readFileSync(eof, 'utf8'), 'EOF\n');
  assert.equal(alive(p3) || alive(l3), false);
  const text = readFileSync(out, 'utf8');
  assert.deepEqual(checkLog(text, s), [String(p1), String(p2), String(p3)]);
  assert.deepEqual(text.split('\n').filter((l) => l.startsWith('finish')), ['finish -1 15', 'finish -1 9', 'finish -1 15']);
  assert.equal(scan.stderr(), '');
});

test('the pipe survives a restart of svscan itself (TERM, then a new svscan)', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const out = box.path('out.txt');
  const eof = box.path('eof.txt');
  const s = box.service('sc/s', RUN, { finish: FINISH, 'log/run': logger(out, eof) });
  const first = startSvscan(box, 'sc');
  const p1 = await waitUp(s);
  await grows(out, 5, 'first lines');
  await term(first);
  assert.equal(readFileSync(eof, 'utf8'), 'EOF\n');
  const second = startSvscan(box, 'sc');
  const p2 = await waitNewPid(s, p1);
  await waitUp(join(s, 'log'));
  await grows(out, 5, 'lines from the second svscan');
  await term(second);
  assert.equal(readFileSync(eof, 'utf8'), 'EOF\nEOF\n');
  assert.deepEqual(checkLog(readFileSync(out, 'utf8'), s), [String(p1), String(p2)]);
  assert.equal(first.stderr() + second.stderr(), '');
});

test('real multilog as S/log/run: restarts of either side lose nothing', { skip: needPeers('multilog') }, async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const s = box.service('sc/s', RUN, { finish: FINISH, 'log/run': 'exec multilog t ./main' });
  const log = join(s, 'log');
  const current = join(log, 'main/current');
  const scan = startSvscan(box, 'sc');
  const p1 = await waitUp(s);
  const l1 = await waitUp(log);
  await grows(current, 5, 'first lines');
  await svc(['-t', s]);
  const p2 = await waitNewPid(s, p1);
  await grows(current, 5, 'lines after svc -t');
  await svc(['-t', log]);
  await waitNewPid(log, l1);
  await grows(current, 5, 'lines after the logger restarted');
  await term(scan);
  assert.deepEqual(readdirSync(join(log, 'main')).filter((n) => n.startsWith('@')), [], 'no rotation in this short test');
  const text = readFileSync(current, 'utf8');
  assert.match(text, /^(@[0-9a-f]{24} .*\n)+$/, 'every line stamped');
  const body = text.replace(/^@[0-9a-f]{24} /gm, '');
  assert.deepEqual(checkLog(body, s), [String(p1), String(p2)]);
  assert.deepEqual(body.split('\n').filter((l) => l.startsWith('finish')), ['finish -1 15', 'finish -1 15']);
  assert.equal(scan.stderr(), '');
});
