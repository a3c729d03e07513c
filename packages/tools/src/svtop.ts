// svtop: a live view of every service of a scan directory, from the supervise/ files (docs/svtop.md).
import { inspectService, readHealthFile, renderTop, unable, type TopService } from '@svkit/core';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runMain } from './_cli/run.ts';
import { writeAll } from './_cli/stderr.ts';
import { usageError } from './_cli/usage.ts';

const PROG = 'svtop';
const USAGE = 'svtop [--once] dir';
const REFRESH_MS = 1000;

/** The service dirs of DIR (dot-names are never services) and their log services. */
function services(dir: string): TopService[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
  } catch (err) {
    throw unable(`read ${dir}`, err);
  }
  const out: TopService[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      if (!statSync(path).isDirectory()) continue;
    } catch {
      continue;
    }
    for (const [label, p] of [[name, path], [`${name}/log`, join(path, 'log')]] as const) {
      if (label.endsWith('/log')) {
        try {
          if (!statSync(join(p, 'supervise')).isDirectory()) continue;
        } catch {
          continue;
        }
      }
      const ins = inspectService(p);
      out.push({ name: label, ins, health: ins.kind === 'status' ? readHealthFile(p) : undefined });
    }
  }
  return out;
}

function frame(dir: string, live: boolean): string {
  const cols = process.stdout.columns ?? 80;
  return renderTop(dir, services(dir), Date.now(), Math.max(60, cols), live).join('\n') + '\n';
}

export async function main(args: string[]): Promise<number> {
  const once = args[0] === '--once';
  const rest = once ? args.slice(1) : args;
  if (rest.length !== 1 || rest[0]!.startsWith('-')) throw usageError();
  const dir = rest[0]!;
  if (once || !process.stdout.isTTY) {
    writeAll(1, frame(dir, false));
    return 0;
  }
  // Alternate screen, hidden cursor; both restored on q, Ctrl-C or TERM.
  writeAll(1, '\x1b[?1049h\x1b[?25l');
  await new Promise<void>((done) => {
    const draw = (): void => writeAll(1, '\x1b[H\x1b[2J' + frame(dir, true));
    draw();
    const timer = setInterval(draw, REFRESH_MS);
    const stop = (): void => {
      clearInterval(timer);
      if (process.stdin.isTTY) process.stdin.setRawMode(false);
      process.stdin.pause();
      done();
    };
    if (process.stdin.isTTY) process.stdin.setRawMode(true);
    process.stdin.on('data', (b: Buffer) => {
      if (b.includes(0x71) || b.includes(0x51) || b.includes(0x03)) stop(); // q, Q, Ctrl-C
    });
    process.stdout.on('resize', draw);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  writeAll(1, '\x1b[?25h\x1b[?1049l');
  return 0;
}

runMain(import.meta.url, {
  prog: PROG,
  usage: USAGE,
  summary: 'a live view of every service of a scan directory: state, uptime, ready, health, memory, CPU, restarts',
  details: `  --once  print one screen and exit (for scripts)
  dir     the scan directory; q quits`,
  main,
});
