// svstat: prints the status of each service directory, as a line or as JSON (docs/svstat.md).
import { formatSvstat, inProcessLogTail, inspectService, readHealthFile, svstatSuffix, toJsonHealth, toJsonStatus, unable, verboseLines } from '@svkit/core';
import { openSync, closeSync } from 'node:fs';
import { runMain } from './_cli/run.ts';
import { writeAll } from './_cli/stderr.ts';
import { usageError } from './_cli/usage.ts';

const PROG = 'svstat';
const USAGE = 'svstat [-v] [--json] dir...';

// Parsed by hand rather than with commander: svstat is called in loops by monitoring scripts,
// and commander's 130 KB cost ~20 ms of start-up, past the 1.3x `node -e 0` budget.
function parse(args: string[]): { json: boolean; verbose: boolean; help: boolean; dirs: string[] } {
  let json = false;
  let verbose = false;
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      i++;
      break;
    }
    if (arg === '--help' || arg === '-h') return { json, verbose, help: true, dirs: [] };
    if (arg === '--json') json = true;
    else if (arg === '-v' || arg === '--verbose') verbose = true;
    else if (arg.startsWith('-') && arg !== '-') throw usageError();
    else break;
  }
  return { json, verbose, help: false, dirs: args.slice(i) };
}

export function main(args: string[]): number {
  const { json, verbose, help, dirs } = parse(args);
  if (help) {
    writeAll(1, `usage: ${USAGE}\n\n  -v      several lines per service: ready, health, memory, CPU, restarts, last exit, why\n  --json  one JSON document for all directories (schema: docs/svstat.md)\n`);
    return 0;
  }
  // 0.76 stops when it cannot get back to the current directory after visiting a service.
  try {
    closeSync(openSync('.', 'r'));
  } catch (err) {
    throw unable('open current directory', err);
  }
  const nowMs = Date.now();
  const now = Math.floor(nowMs / 1000);
  if (json) {
    const services = dirs.map((dir) => {
      const ins = inspectService(dir);
      const health = ins.kind === 'status' ? readHealthFile(dir) : undefined;
      const tail = health?.lastExit ? inProcessLogTail(dir) : [];
      return { ...toJsonStatus(dir, ins, now), ...toJsonHealth(ins, health, nowMs), lastLines: tail.length > 0 ? tail : null };
    });
    writeAll(1, JSON.stringify({ version: 1, services }) + '\n');
    return 0;
  }
  // Buffered and written once, like 0.76.
  writeAll(1, dirs.map((dir) => {
    const ins = inspectService(dir);
    const health = ins.kind === 'status' ? readHealthFile(dir) : undefined;
    const line = `${dir}: ${formatSvstat(ins, now)}${svstatSuffix(ins, health, nowMs)}\n`;
    if (!verbose) return line;
    // What the service said before it died, when its log runs in svscan (S/log/multilog).
    const tail = health?.lastExit ? inProcessLogTail(dir) : [];
    const logged = tail.length > 0 ? ['last lines logged:', ...tail.map((l) => `  ${l}`)] : [];
    return line + [...verboseLines(ins, health, nowMs), ...logged].map((l) => `  ${l}\n`).join('');
  }).join(''));
  return 0;
}

runMain(import.meta.url, { prog: PROG, usage: USAGE, main });
