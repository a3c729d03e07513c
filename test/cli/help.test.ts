// --help and --version of every program (one implementation), and the daemontools answers that
// stay: the issue-12 table, row by row (exit code, stdout and stderr together).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runTool } from '../helpers/tools.ts';

const PROGRAMS = ['svscan', 'supervise', 'svc', 'svstat', 'svok', 'multilog', 'tai64n', 'tai64nlocal', 'svlog', 'svwatch', 'svhttp', 'svnotify'];
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

for (const prog of PROGRAMS) {
  test(`${prog} --help: what it does and its usage on stdout, exit 0`, async () => {
    const r = await runTool(prog, ['--help'], { timeoutMs: 20_000 });
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    assert.match(lines[0] ?? '', new RegExp(`^${prog}: \\S.*`));
    assert.match(lines[1] ?? '', new RegExp(`^usage: ${prog}\\b`));
    assert.match(r.stdout, /\n {2}--version {2}svkit's version\n/);
    assert.match(r.stdout, new RegExp(`man 8 ${prog}`));
  });

  test(`${prog} --version: the package version, exit 0`, async () => {
    const r = await runTool(prog, ['--version']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, `${prog} (svkit) ${VERSION}\n`, '']);
  });
}

test('svc keeps 0.76 answers for its own bad options: illegal option -- z and the options line', async () => {
  const r = await runTool('svc', ['-z', 'x']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [100, '', 'svc: illegal option -- z\nsvc options: u up, d down, o once, x exit, p pause, c continue, h hup, a alarm, i interrupt, t term, k kill\n']);
  const h = await runTool('svc', ['-h']);
  assert.deepEqual([h.code, h.stdout, h.stderr], [0, '', ''], '-h is still HUP (no directory: nothing to do)');
});

test('svc -w without seconds says so in getopt words; a bad number is a usage error', async () => {
  const r = await runTool('svc', ['-uw']);
  assert.deepEqual([r.code, r.stdout], [100, '']);
  assert.match(r.stderr, /^svc: option requires an argument -- w\nsvc options: /);
  const bad = await runTool('svc', ['-w', 'soon', '-u', 'x']);
  assert.deepEqual([bad.code, bad.stdout, bad.stderr], [100, '', 'svc: usage: svc [-w seconds] [-udopchaitkxq12] dir...\n']);
});

test('svstat --help and -h answer on stdout wherever they stand; an unknown option is a usage error', async () => {
  const first = await runTool('svstat', ['--help']);
  const after = await runTool('svstat', ['some/dir', '--help']);
  assert.equal(after.stdout, first.stdout);
  assert.match(first.stdout, /^svstat: prints the status of each service directory\nusage: svstat \[-v\] \[--json\] dir\.\.\.\n/);
  const bad = await runTool('svstat', ['--jsn', 'x']);
  assert.deepEqual([bad.code, bad.stdout, bad.stderr], [100, '', 'svstat: usage: svstat [-v] [--json] dir...\n']);
});

test('svscan with an unknown option or two directories: usage in the suite grammar, exit 100', async () => {
  for (const args of [['-z'], ['a', 'b']]) {
    const r = await runTool('svscan', args);
    assert.deepEqual([r.code, r.stdout, r.stderr], [100, '', 'svscan: usage: svscan [-v] [dir]\n'], args.join(' '));
  }
});
