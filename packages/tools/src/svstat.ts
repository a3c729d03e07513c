// svstat: prints the status of each service directory, as a line or as JSON (docs/svstat.md).
import { formatSvstat, inProcessLogTail, inspectService, readHealthFile, svstatSuffix, toJsonHealth, toJsonStatus, unable, verboseLines } from '@svkit/core';
import { openSync, closeSync } from 'node:fs';
import { runMain } from './_cli/run.ts';
import { answerMeta } from './_cli/help.ts';
import { writeAll } from './_cli/stderr.ts';
import { resolveServices } from './_cli/svdir.ts';
import { usageError } from './_cli/usage.ts';

const HELP = {
  prog: 'svstat',
  usage: 'svstat [-v] [--json] dir...',
  summary: 'prints the status of each service directory',
  details: `  -v      several lines per service: ready, health, memory, CPU, restarts, last exit, why
  --json  one JSON document for all directories (options may follow the directories)
  dir     a service directory; with SVDIR set, a bare NAME means $SVDIR/NAME`,
};

// Parsed by hand rather than with commander: svstat is called in loops by monitoring scripts,
// and commander's 130 KB cost ~20 ms of start-up, past the 1.3x `node -e 0` budget. Options
// may follow operands (`svstat web --json`); after `--` everything is a directory.
function parse(args: string[]): { json: boolean; verbose: boolean; dirs: string[]; meta?: string } {
  let json = false;
  let verbose = false;
  const dirs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      dirs.push(...args.slice(i + 1));
      break;
    }
    if (arg === '--json') json = true;
    else if (arg === '-v' || arg === '--verbose') verbose = true;
    else if (arg === '--help' || arg === '-h') return { json, verbose, dirs, meta: '--help' };
    else if (arg === '--version') return { json, verbose, dirs, meta: arg };
    else if (arg.startsWith('-') && arg !== '-') throw usageError();
    else dirs.push(arg);
  }
  return { json, verbose, dirs };
}

export function main(args: string[]): number {
  const { json, verbose, dirs: operands, meta } = parse(args);
  // --help or --version anywhere (and svstat's old -h) answer as they do first.
  if (meta !== undefined) return answerMeta(HELP, [meta]) ?? 0;
  // 0.76 stops when it cannot get back to the current directory after visiting a service.
  try {
    closeSync(openSync('.', 'r'));
  } catch (err) {
    throw unable('open current directory', err);
  }
  const services = resolveServices(operands);
  const nowMs = Date.now();
  const now = Math.floor(nowMs / 1000);
  if (json) {
    const out = services.map(({ name, dir }) => {
      const ins = inspectService(dir);
      const health = ins.kind === 'status' ? readHealthFile(dir) : undefined;
      const tail = health?.lastExit ? inProcessLogTail(dir) : [];
      return { ...toJsonStatus(name, ins, now), ...toJsonHealth(ins, health, nowMs), lastLines: tail.length > 0 ? tail : null };
    });
    writeAll(1, JSON.stringify({ version: 1, services: out }) + '\n');
    return 0;
  }
  // Buffered and written once, like 0.76.
  writeAll(1, services.map(({ name, dir }) => {
    const ins = inspectService(dir);
    const health = ins.kind === 'status' ? readHealthFile(dir) : undefined;
    const line = `${name}: ${formatSvstat(ins, now)}${svstatSuffix(ins, health, nowMs)}\n`;
    if (!verbose) return line;
    // What the service said before it died, when its log runs in svscan (S/log/multilog).
    const tail = health?.lastExit ? inProcessLogTail(dir) : [];
    const logged = tail.length > 0 ? ['last lines logged:', ...tail.map((l) => `  ${l}`)] : [];
    return line + [...verboseLines(ins, health, nowMs), ...logged].map((l) => `  ${l}\n`).join('');
  }).join(''));
  return 0;
}

runMain(import.meta.url, { ...HELP, main });
