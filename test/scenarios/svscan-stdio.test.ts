// svscan's stderr made O_NONBLOCK before it starts (as a parent that shares a non-blocking pipe
// or socket leaves it). What run, finish, a log/run logger and a notify hook get must still be
// blocking: a child writing faster than the reader reads would meet EAGAIN (`write error`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { startSvscan } from './_svscan.ts';

const O_NONBLOCK = 0o4000;
/** Appends "NAME FD FLAGS" for fds 1 and 2 of the shell, from /proc/$$/fdinfo (flags in octal). */
const record = (name: string, to: string): string => `for fd in 1 2; do echo "${name} $fd $(sed -n 's/^flags:[[:space:]]*//p' /proc/$$/fdinfo/$fd)" >> ${to}; done`;

function flags(path: string): Map<string, number> {
  const seen = new Map<string, number>();
  for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean)) {
    const [name, fd, octal] = line.split(' ');
    seen.set(`${name} ${fd}`, parseInt(octal ?? '', 8));
  }
  return seen;
}

test('run, finish, log/run and notify get blocking stdout and stderr while svscan\'s are non-blocking pipes', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const out = box.path('flags');
  box.service('sc/plain', `${record('plain', out)}\nexec sleep 1000`, { finish: record('finish', out) });
  box.write('sc/plain/notify', `#!/bin/sh\n${record('notify', out)}\ncat > /dev/null\n`, 0o755);
  box.service('sc/logged', 'exec sleep 1000', { 'log/run': `${record('logger', out)}\nexec cat > /dev/null` });
  // perl (Debian's perl-base is always there) sets O_NONBLOCK on fd 2, then execs svscan.
  const nonblock = 'use Fcntl; my $f = fcntl(STDERR, F_GETFL, 0); fcntl(STDERR, F_SETFL, $f | O_NONBLOCK) or die; exec @ARGV or die';
  const scan = startSvscan(box, 'sc', { via: ['/usr/bin/perl', '-e', nonblock] });
  const names = ['plain 1', 'plain 2', 'notify 1', 'notify 2', 'logger 1', 'logger 2'];
  await waitFor(() => existsSync(out) && names.every((n) => flags(out).has(n)), DEADLINE_MS, 'run, notify and log/run recorded their flags');
  process.kill(scan.pid, 'SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
  const seen = flags(out);
  for (const n of [...names, 'finish 1', 'finish 2']) {
    assert.ok(seen.has(n), `${n} recorded`);
    assert.equal((seen.get(n) ?? O_NONBLOCK) & O_NONBLOCK, 0, `${n} is blocking`);
  }
  assert.equal(scan.stderr(), '');
});
