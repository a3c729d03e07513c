// svstat: prints the status of each service directory, as a line or as JSON (docs/svstat.md).
import { formatSvstat, inspectService, toJsonStatus, unable } from '@svkit/core';
import { closeSync, openSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { runMain } from './_cli/run.ts';
import { writeAll } from './_cli/stderr.ts';
import { usageError } from './_cli/usage.ts';

const PROG = 'svstat';
const USAGE = 'svstat [--json] dir...';

function parse(args: string[]): { json: boolean; dirs: string[] } {
  const cmd = new Command(PROG)
    .option('--json', 'one JSON document for all directories')
    .argument('[dir...]')
    .allowExcessArguments()
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (s) => writeAll(1, s) });
  try {
    cmd.parse(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError && err.code === 'commander.helpDisplayed') return { json: false, dirs: [] };
    throw usageError();
  }
  return { json: cmd.opts<{ json?: boolean }>().json === true, dirs: cmd.args };
}

export function main(args: string[]): number {
  const { json, dirs } = parse(args);
  // 0.76 opens "." to come back after each chdir: an unreadable cwd is fatal (111).
  try {
    closeSync(openSync('.', 'r'));
  } catch (err) {
    throw unable('open current directory', err);
  }
  const now = Math.floor(Date.now() / 1000);
  if (json) {
    const services = dirs.map((dir) => toJsonStatus(dir, inspectService(dir), now));
    writeAll(1, JSON.stringify({ version: 1, services }) + '\n');
    return 0;
  }
  // Buffered and written once, like 0.76.
  writeAll(1, dirs.map((dir) => `${dir}: ${formatSvstat(inspectService(dir), now)}\n`).join(''));
  return 0;
}

runMain(import.meta.url, { prog: PROG, usage: USAGE, main });
