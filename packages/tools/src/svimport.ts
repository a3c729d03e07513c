// svimport: turns supervisord, PM2 and systemd configuration into service dirs (docs/svimport.md).
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { type PlannedService, readSource, renderReport, serviceFiles, checkTargets, writeServices, type ServiceSpec } from '@svkit/core/import';
import { runMain } from './_cli/run.ts';
import { warn, writeAll } from './_cli/stderr.ts';
import { usageError } from './_cli/usage.ts';

const PROG = 'svimport';
const USAGE = 'svimport [--dry-run] [--into DIR] FILE...';

function parse(args: string[]): { dryRun: boolean; into: string; files: string[] } {
  let dryRun = false;
  let into = '.';
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') { i++; break; }
    if (arg === '--dry-run' || arg === '-n') dryRun = true;
    else if (arg === '--into') into = args[++i] ?? '';
    else if (arg.startsWith('--into=')) into = arg.slice('--into='.length);
    else if (arg.startsWith('-') && arg !== '-') throw usageError();
    else break;
  }
  const files = args.slice(i);
  if (files.length === 0 || into === '') throw usageError();
  return { dryRun, into, files };
}

/** A command whose program is not on this machine still imports, with a warning. */
function programExists(spec: ServiceSpec): boolean {
  const first = spec.words[0] ?? '';
  if (!/^[A-Za-z0-9_@%+=:,./-]+$/.test(first)) return true; // quoted or a variable: not checked
  if (first.includes('/')) return existsSync(first.startsWith('/') ? first : join(spec.cwd ?? '.', first));
  return (process.env['PATH'] ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, first)));
}

export async function main(args: string[]): Promise<number> {
  const { dryRun, into, files } = parse(args);
  const planned: PlannedService[] = [];
  const notes: string[] = [];
  for (const file of files) {
    const r = await readSource(file);
    notes.push(...r.notes);
    for (const spec of r.services) planned.push({ spec, files: serviceFiles(spec), target: resolve(into, spec.name) });
  }
  checkTargets(planned);
  for (const p of planned) if (!programExists(p.spec)) warn(PROG, `${p.spec.origin}: program ${p.spec.words[0]} does not exist here: the service will fail until it is installed`);
  if (!dryRun) writeServices(resolve(into), planned);
  writeAll(1, renderReport(planned, notes, dryRun));
  return 0;
}

runMain(import.meta.url, {
  prog: PROG,
  usage: USAGE,
  summary: 'turns supervisord, PM2 and systemd configuration into service directories',
  details: `  --dry-run  print the plan and the report, write nothing (also -n)
  --into DIR where the service directories go (default: the current directory)
  FILE       a supervisord .conf/.ini, a PM2 .json/.yaml/.js, or a systemd .service`,
  main,
});
