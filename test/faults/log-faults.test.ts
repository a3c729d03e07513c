// In-process logs must never stop the others: a stuck processor, a full disk, a planted FIFO,
// a second reader of the log FIFO or a removed log dir stay that log's problem (issue 13, rows
// 1, 5, 8, 11, 12). Every test checks that another service stays controllable and that the
// sequence-numbered lines come out with nothing lost, repeated or truncated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { BIN, runTool } from '../helpers/tools.ts';
import { checkSequences, startSvscan, statusPid, waitUp, type Svscan } from '../scenarios/_svscan.ts';

const isRoot = process.getuid?.() === 0;
const NOT_ROOT = 'needs root: mounts a small tmpfs to fill the disk';

/**
 * Every line logged in DIR: archives in name (= time) order, then previous and current. A file
 * the log renames between the listing and the read (a rotation) makes it list and read again.
 */
function logged(dir: string): string[] {
  for (;;) {
    const names = readdirSync(dir).filter((n) => n.startsWith('@')).sort();
    const files = [...names, 'previous', 'current'].filter((n) => existsSync(join(dir, n)));
    try {
      const text = files.map((n) => readFileSync(join(dir, n), 'latin1')).join('');
      return text.split('\n').filter((l) => l.length > 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** Lines are all "seq N", N = 1, 2, ... without gap, repeat or truncation; returns the last N. */
function checkSeq(lines: readonly string[]): number {
  for (const l of lines) assert.match(l, /^seq \d+$/, `a truncated or foreign line: ${JSON.stringify(l)}`);
  return checkSequences(lines.join('\n') + '\n').get('seq') ?? 0;
}

/** The producer: N numbered lines, then it stays up (its count of lines written kept outside the log). */
function producer(n: number, countFile?: string): string {
  const count = countFile === undefined ? '' : `; echo $i > ${countFile}`;
  return `i=0; while [ $i -lt ${n} ]; do i=$((i+1)); echo "seq $i"${count}; done; exec sleep 1000`;
}

/** `svc -d` of a healthy service acts: its status says down (pid 0). */
async function downActs(dir: string): Promise<void> {
  const r = await runTool('svc', ['-d', dir]);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => statusPid(dir) === 0, 20000, `${dir} down after svc -d`);
}

/**
 * A 2 MB tmpfs at DIR with FILL bytes taken by a filler file, and a small one at box/count for
 * a producer's count of lines (not the full disk, and not a real disk, where rewriting a file
 * 30000 times is slow); both unmounted at cleanup.
 */
function smallDisk(t: { after(fn: () => void | Promise<void>): void }, box: Sandbox, dir: string, fill: number): string {
  const mounts: [string, string][] = [[dir, '2m'], [box.path('count'), '64k']];
  for (const [d, size] of mounts) {
    mkdirSync(d, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', d]);
  }
  t.after(async () => {
    // Processes first (they hold files there), then the mounts, then the sandbox.
    await box.cleanup().catch(() => {});
    for (const [d] of mounts) {
      try {
        execFileSync('umount', ['-l', d]);
      } catch {
        // already gone
      }
    }
    rmSync(box.root, { recursive: true, force: true });
  });
  const filler = join(dir, 'filler');
  writeFileSync(filler, Buffer.alloc(fill, 0x41));
  return filler;
}

async function kill9(scan: Svscan): Promise<void> {
  process.kill(scan.pid, 'SIGKILL');
  await scan.exited;
}

test('row 1: a processor that does not finish stalls only its own log: svc -d and pickup elsewhere act, no line lost', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const release = box.path('release');
  const running = box.path('processor-running');
  box.service('sc/chatty', producer(3000));
  box.write('sc/chatty/log/multilog', `s4096\nn1000\n!touch ${running}; cat; while [ ! -e ${release} ]; do sleep 0.05; done\n./main\n`);
  box.service('sc/other', 'exec sleep 1000');
  const scan = startSvscan(box, 'sc');
  await waitUp(box.path('sc/other'));
  await waitFor(() => existsSync(running), 20000, 'the processor started');
  await downActs(box.path('sc/other'));
  box.service('sc/fresh', 'exec sleep 1000');
  await waitUp(box.path('sc/fresh'), 20000);
  writeFileSync(release, '');
  const main = box.path('sc/chatty/log/main');
  await waitFor(() => logged(main).at(-1) === 'seq 3000', 30000, 'every line logged');
  assert.equal(checkSeq(logged(main)), 3000);
  assert.ok(readdirSync(main).some((n) => n.endsWith('.s')), 'processed archives');
  scan.child.kill('SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
});

test('row 5: kill -9 of svscan while its log is out of disk space loses, repeats and truncates nothing', { skip: isRoot ? false : NOT_ROOT }, async (t) => {
  const box = new Sandbox();
  const filler = smallDisk(t, box, box.path('disk'), 1900 * 1024);
  mkdirSync(box.path('disk/main'));
  box.service('sc/chatty', producer(30000));
  box.write('sc/chatty/log/multilog', 'n1000\n./main\n');
  symlinkSync(box.path('disk/main'), box.path('sc/chatty/log/main'));
  box.service('sc/other', 'exec sleep 1000');
  let scan = startSvscan(box, 'sc');
  await waitFor(() => scan.stderr().includes('out of disk space'), 20000, 'the log paused on a full disk');
  await downActs(box.path('sc/other'));
  await kill9(scan);
  rmSync(filler);
  scan = startSvscan(box, 'sc');
  const main = box.path('sc/chatty/log/main');
  await waitFor(() => logged(main).at(-1) === 'seq 30000', 30000, 'every line logged after the restart');
  assert.equal(checkSeq(logged(main)), 30000);
  scan.child.kill('SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
});

test('row 8: TERM while a log cannot be written waits and says so; a second TERM drops exactly the lines left, counted', { skip: isRoot ? false : NOT_ROOT }, async (t) => {
  const box = new Sandbox();
  smallDisk(t, box, box.path('disk'), 1900 * 1024);
  mkdirSync(box.path('disk/main'));
  const count = box.path('count/written');
  box.service('sc/chatty', producer(30000, count));
  box.write('sc/chatty/log/multilog', 'n1000\n./main\n');
  symlinkSync(box.path('disk/main'), box.path('sc/chatty/log/main'));
  box.service('sc/other', 'exec sleep 1000');
  const scan = startSvscan(box, 'sc');
  await waitFor(() => scan.stderr().includes('out of disk space'), 20000, 'the log paused on a full disk');
  await downActs(box.path('sc/other'));
  // The producer sits in write(2) on the full pipe: its count of lines written is final.
  const producerPid = statusPid(box.path('sc/chatty'));
  await waitFor(() => /pipe_write$/.test(readFileSync(`/proc/${producerPid}/wchan`, 'latin1')), 20000, 'the producer blocked on the full pipe');
  scan.child.kill('SIGTERM');
  await waitFor(() => scan.stderr().includes('unable to stop sc/chatty/log yet: waiting for ./main (a retry)'), 20000, 'svscan says what it waits for');
  await waitFor(() => statusPid(box.path('sc/chatty')) === 0, 20000, 'the producer is down');
  scan.child.kill('SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
  const m = /unable to finish sc\/chatty\/log: (\d+) lines dropped/.exec(scan.stderr());
  assert.ok(m, scan.stderr());
  const onDisk = checkSeq(logged(box.path('sc/chatty/log/main')));
  const written = Number(readFileSync(count, 'latin1'));
  assert.equal(Number(m[1]), written - onDisk, `dropped = written ${written} - on disk ${onDisk}`);
});

test('row 8: standalone multilog with a failing processor ends after TERM, counting the lines it drops', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const r = await runTool('/bin/sh', ['-c', `yes | timeout 3 ${join(BIN, 'multilog')} s4096 '!exit 1' ./pfail`], { cwd: box.root, timeoutMs: 60000 });
  assert.equal(r.code, 124, r.stderr);
  assert.match(r.stderr, /^multilog: warning: processor failed in \.\/pfail, pausing\n/);
  assert.match(r.stderr, /multilog: warning: unable to stop yet: waiting for \.\/pfail \(a retry\) \(TERM again, or 10 s, drops what is left\)\n/);
  const m = /multilog: warning: unable to finish \.\/pfail: (\d+) lines dropped\n$/.exec(r.stderr);
  assert.ok(m !== null && Number(m[1]) > 0, r.stderr);
  for (const f of ['previous', 'current']) {
    const text = readFileSync(box.path('pfail', f), 'latin1');
    assert.match(text, /^(y\n)*$/, `${f}: whole lines only`);
  }
});

test('row 11: the log FIFO is the owner\'s only, and a second reader is reported', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/chatty', 'i=0; while :; do i=$((i+1)); echo "seq $i"; sleep 0.01; done');
  box.write('sc/chatty/log/multilog', './main\n');
  box.service('sc/other', 'exec sleep 1000');
  for (const d of ['', 'sc', 'sc/chatty']) chmodSync(box.path(d), 0o755);
  const scan = startSvscan(box, 'sc');
  await waitUp(box.path('sc/chatty'));
  const fifo = box.path('sc/chatty/supervise/log.fifo');
  assert.equal(statSync(fifo).mode & 0o777, 0o600);
  assert.equal(statSync(box.path('sc/chatty/supervise')).mode & 0o777, 0o700);
  if (isRoot) {
    const r = await runTool('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'cat', fifo], { timeoutMs: 20000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Permission denied/);
  }
  // root can read it anyway: svscan notices the stolen bytes and says so.
  const readers = [1, 2, 3, 4].map(() => box.track(spawn('cat', [fifo], { stdio: ['ignore', 'ignore', 'ignore'] })));
  await waitFor(() => scan.stderr().includes('another process reads it'), 20000, 'the second reader reported');
  for (const r of readers) r.kill('SIGKILL');
  await downActs(box.path('sc/other'));
  scan.child.kill('SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
});

test('planted FIFOs (S/log/multilog, a =status file, state at rotation) never block svscan', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/trap', 'exec sleep 1000');
  box.write('sc/trap/log/multilog', '=status\n./main\n');
  execFileSync('mkfifo', [box.path('sc/trap/log/status')]);
  box.service('sc/trap2', 'exec sleep 1000');
  mkdirSync(box.path('sc/trap2/log'));
  execFileSync('mkfifo', [box.path('sc/trap2/log/multilog')]);
  const more = box.path('more');
  const second = 'while [ $i -lt 6000 ]; do i=$((i+1)); echo "seq $i"; done';
  box.service('sc/chatty', producer(3000).replace('exec sleep 1000', `while [ ! -e ${more} ]; do sleep 0.05; done; ${second}; exec sleep 1000`));
  box.write('sc/chatty/log/multilog', 's4096\nn1000\n!cat\n./main\n');
  box.service('sc/other', 'exec sleep 1000');
  const scan = startSvscan(box, 'sc');
  await waitUp(box.path('sc/other'));
  await waitFor(() => scan.stderr().includes('unable to create status: not a regular file'), 20000, 'the =status FIFO refused');
  await waitFor(() => scan.stderr().includes('unable to read sc/trap2/log/multilog: not a regular file (fifo)'), 20000, 'the script FIFO refused');
  await downActs(box.path('sc/other'));
  const main = box.path('sc/chatty/log/main');
  await waitFor(() => logged(main).at(-1) === 'seq 3000', 30000, 'the first lines logged');
  // state is made again at every rotation: a FIFO planted there now meets the next processor.
  rmSync(join(main, 'state'), { force: true });
  execFileSync('mkfifo', [join(main, 'state')]);
  writeFileSync(more, '');
  await waitFor(() => scan.stderr().includes('unable to read ./main/state, pausing: not a regular file'), 20000, 'the state FIFO refused');
  await runTool('svc', ['-u', box.path('sc/other')]);
  await waitUp(box.path('sc/other'), 20000);
  await downActs(box.path('sc/other'));
  rmSync(join(main, 'state'));
  await waitFor(() => logged(main).at(-1) === 'seq 6000', 30000, 'every line logged once the FIFO is gone');
  assert.equal(checkSeq(logged(main)), 6000);
  scan.child.kill('SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
});

test('row 12: a removed log dir is made again and said so; a bad script action is one line in the grammar; S/log/supervise shows svscan as the log', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/chatty', 'i=0; while :; do i=$((i+1)); echo "seq $i"; sleep 0.02; done');
  box.write('sc/chatty/log/multilog', './main\n');
  box.service('sc/badlog', 'exec sleep 1000');
  box.write('sc/badlog/log/multilog', 'n-1\n./main\n');
  const scan = startSvscan(box, 'sc');
  await waitUp(box.path('sc/badlog'));
  await waitFor(() => scan.stderr().includes('unable to parse action n-1 of sc/badlog/log/multilog: bad number'), 20000, 'the bad action reported');
  assert.match(scan.stderr(), /^svscan: warning: unable to supervise sc\/badlog: unable to parse action n-1 of sc\/badlog\/log\/multilog: bad number$/m);
  const main = box.path('sc/chatty/log/main');
  await waitFor(() => logged(main).length > 3, 20000, 'lines logged');
  // Its supervise/ is svscan's view of the log (issue 7): the pid there is svscan's, the writer.
  await waitFor(() => { try { return readFileSync(box.path('sc/chatty/log/supervise/pid'), 'latin1') === `${scan.pid}\n`; } catch { return false; } }, 20_000, 'the log shown as svscan');
  rmSync(main, { recursive: true });
  await waitFor(() => scan.stderr().includes('svscan: warning: unable to write to ./main of sc/chatty/log: it was removed, so it was created again\n'), 20000, 'the removal noticed');
  await waitFor(() => logged(main).length > 3, 20000, 'lines logged in the new directory');
  rmSync(join(main, 'current'));
  await waitFor(() => scan.stderr().includes('svscan: warning: unable to write to ./main/current of sc/chatty/log: it was removed, so it was created again\n'), 20000, 'the removed current noticed');
  await waitFor(() => existsSync(join(main, 'current')) && readFileSync(join(main, 'current'), 'latin1').length > 0, 20000, 'lines logged in the new current');
  scan.child.kill('SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
});
