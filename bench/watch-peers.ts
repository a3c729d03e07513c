// The watchers the watch bench compares with svkit: nodemon and `pm2 --watch`, installed by the bench
// itself into build/bench-peers (never globally) when missing, each started on a service dir and
// stopped with everything it started (pm2's daemon lives in a PM2_HOME inside the scratch dir).
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, descendants, exited, procTable, signal, sleep, type Scratch } from './lib.ts';

export const PEER_PREFIX = join(ROOT, 'build/bench-peers');
const ENTRY: Record<string, string> = { nodemon: 'nodemon/bin/nodemon.js', pm2: 'pm2/bin/pm2' };

/** What the bench measures of a running watcher: the roots of its process tree, and how to stop it. */
export interface Running {
  roots(): number[];
  stop(): Promise<void>;
}

/** Installs the missing peers (one npm call); returns each peer's entry script and version, or why there is none. */
export function ensurePeers(): Map<string, { entry: string; version: string } | { missing: string }> {
  const entry = (p: string): string => join(PEER_PREFIX, 'node_modules', ENTRY[p]!);
  const names = Object.keys(ENTRY);
  const absent = names.filter((p) => !existsSync(entry(p)));
  let failure = '';
  if (absent.length > 0) {
    const r = spawnSync('npm', ['install', '--prefix', PEER_PREFIX, '--no-save', '--no-audit', '--no-fund', '--no-update-notifier', ...absent], { encoding: 'utf8', timeout: 300_000 });
    const why = r.error?.message ?? r.stderr.split('\n').filter((l) => l.startsWith('npm error') && !l.includes('complete log')).slice(0, 2).join('; ');
    if (r.status !== 0) failure = `npm install --prefix build/bench-peers ${absent.join(' ')} failed: ${why || `exit ${r.status}`}`;
  }
  const out = new Map<string, { entry: string; version: string } | { missing: string }>();
  for (const p of names) {
    if (!existsSync(entry(p))) out.set(p, { missing: failure || `${entry(p)} missing after npm install` });
    else out.set(p, { entry: entry(p), version: (JSON.parse(readFileSync(join(PEER_PREFIX, 'node_modules', p, 'package.json'), 'utf8')) as { version: string }).version });
  }
  return out;
}

/** nodemon in the foreground on svc, running ./run through sh, watching tree/ with --delay. */
export function startNodemon(s: Scratch, entry: string, svc: string, delayMs: number): Running {
  const child = s.spawn(process.execPath, [entry, '--no-stdin', '--watch', 'tree', '--ext', 'js', '--delay', `${delayMs / 1000}`, '--exec', 'sh ./run'], { cwd: svc });
  return {
    roots: () => (child.pid === undefined ? [] : [child.pid]),
    stop: async () => {
      const tree = child.pid === undefined ? [] : descendants(child.pid);
      child.kill('SIGTERM');
      if (!(await exited(child, 5000))) child.kill('SIGKILL');
      for (const p of tree) signal(p, 'SIGKILL');
    },
  };
}

/** pm2 start ./run --watch tree with a private PM2_HOME; the daemon it forks is the tree measured. */
export async function startPm2(s: Scratch, entry: string, svc: string, delayMs: number): Promise<Running> {
  const env = { ...process.env, PM2_HOME: s.path('pm2-home') };
  const pm2 = (args: string[]): ChildProcess => s.spawn(process.execPath, [entry, ...args], { cwd: svc, env });
  const start = pm2(['start', './run', '--name', 'app', '--interpreter', 'sh', '--cwd', svc, '--watch', 'tree', '--watch-delay', `${delayMs / 1000}`]);
  const done = await exited(start, 60_000);
  if (!done || start.exitCode !== 0) {
    await exited(pm2(['kill']), 30_000); // a daemon it may have forked; Scratch.cleanup does the rest
    throw new Error(done ? `pm2 start exited ${start.exitCode ?? start.signalCode} (its output: PM2_HOME/pm2.log)` : 'pm2 start did not return within 60 s');
  }
  const daemon = Number(readFileSync(join(env.PM2_HOME, 'pm2.pid'), 'utf8'));
  return {
    roots: () => [daemon],
    stop: async () => {
      const before = procTable();
      const tree = [daemon, ...descendants(daemon, before)].filter((p) => before.has(p));
      await exited(pm2(['kill']), 30_000);
      // Safety net: what survived pm2 kill (same pid, same name: not a reused pid) goes with its group
      // (the daemon made its own session), never the bench's own group.
      const after = procTable();
      const own = after.get(process.pid)?.pgid;
      for (const p of tree) {
        const was = before.get(p)!;
        if (after.get(p)?.comm !== was.comm) continue;
        if (was.pgid !== own) signal(-was.pgid, 'SIGKILL');
        signal(p, 'SIGKILL');
      }
      for (let i = 0; i < 100 && tree.some((p) => existsSync(`/proc/${p}`)); i++) await sleep(20);
    },
  };
}
