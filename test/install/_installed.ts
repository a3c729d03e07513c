// Runs every svkit program of an installed bin directory (npm prefix, make install, a link or a
// copy): a real service up and down through svscan/svc/svstat/svok, a log through multilog, and
// stamps through tai64n | tai64nlocal. Not a test file itself.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Sandbox, waitFor } from '../helpers/sandbox.ts';
import { ROOT, runTool, type RunResult } from '../helpers/tools.ts';

/** Every program the checkout builds: each must come out of every install route. */
export function programs(): string[] {
  return readdirSync(join(ROOT, 'packages/tools/src'))
    .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** A PATH with the installed bin directory and node, and nothing of the checkout. */
export function envFor(bin: string): NodeJS.ProcessEnv {
  return { PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: process.env['HOME'] ?? '/', LANG: 'C' };
}

export function run(bin: string, prog: string, args: string[], opts: { cwd?: string; input?: string } = {}): Promise<RunResult> {
  return runTool(join(bin, prog), args, { ...opts, env: envFor(bin) });
}

/** Each program's usage error (exit 100) or, for the filters, a pass over empty input (exit 0). */
export async function checkUsage(bin: string): Promise<void> {
  const usage: Record<string, string[]> = { svscan: ['-Z'], svstat: ['-Z'], supervise: [], svok: [], svimport: [], svlog: [], svwatch: [], svhttp: [], svnotify: ['--batch'] };
  for (const [prog, args] of Object.entries(usage)) {
    const r = await run(bin, prog, args);
    assert.deepEqual([r.code, r.stdout], [100, ''], `${prog}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^${prog}: usage: ${prog} `), prog);
  }
  const svc = await run(bin, 'svc', ['-Z', 'x']);
  assert.deepEqual([svc.code, svc.stdout, svc.stderr.split('\n')[0]], [100, '', 'svc: illegal option -- Z']);
}

/** A real service up and down through the installed svscan, svc, svstat and svok; a log; stamps. */
export async function checkService(box: Sandbox, bin: string, name: string): Promise<void> {
  const scan = box.path(name);
  box.service(join(name, 'echo'), 'echo "started $$" > started; exec sleep 1000');
  const svscan = box.track(spawn(join(bin, 'svscan'), [scan], { cwd: box.root, env: envFor(bin), stdio: ['ignore', 'ignore', 'pipe'], detached: true }));
  let err = '';
  svscan.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<number | null>((resolve) => svscan.on('exit', (code) => resolve(code)));
  const svc = join(scan, 'echo');
  await waitFor(async () => /^started \d+/.test(readFileSync(join(svc, 'started'), 'utf8')), 20_000, `service started (${err})`);
  const up = await run(bin, 'svstat', [svc]);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, new RegExp(`^${svc}: up \\(pid \\d+\\) \\d+ seconds\\n$`));
  assert.deepEqual(pick(await run(bin, 'svok', [svc])), [0, '', '']);
  assert.deepEqual(pick(await run(bin, 'svc', ['-d', svc])), [0, '', '']);
  await waitFor(async () => /: down \d+ seconds, normally up\n$/.test((await run(bin, 'svstat', [svc])).stdout), 20_000, 'svstat says down');
  svscan.kill('SIGTERM');
  assert.equal(await exited, 0, err);
  assert.equal(err, '');
  const logdir = box.path(`${name}-log`);
  assert.deepEqual(pick(await run(bin, 'multilog', ['t', logdir], { input: 'one\ntwo\n' })), [0, '', '']);
  assert.match(readFileSync(join(logdir, 'current'), 'utf8'), /^@4[0-9a-f]{23} one\n@4[0-9a-f]{23} two\n$/);
  const stamped = await run(bin, 'tai64n', [], { input: 'x\n' });
  assert.match(stamped.stdout, /^@4[0-9a-f]{23} x\n$/);
  const local = await run(bin, 'tai64nlocal', [], { input: stamped.stdout });
  assert.match(local.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} x\n$/);
}

function pick(r: RunResult): [number | null, string, string] {
  return [r.code, r.stdout, r.stderr];
}

/** npm with a private cache and no network but the local cache: the tarball has no dependencies. */
export function npm(args: string[], cwd: string, cache: string, env: NodeJS.ProcessEnv = {}): RunResult {
  const r = spawnSync('npm', [...args, '--offline', '--no-audit', '--no-fund', '--no-update-notifier'], {
    cwd, encoding: 'utf8', timeout: 120_000,
    env: { ...process.env, npm_config_cache: cache, ...env },
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
