// svlog bench: `svlog -n 100` wall time on a full log dir against daemontools' way,
// `tail -n 100 current | tai64nlocal` (issue 9's row).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MARK, median, peer, standalone, svkitBin, timeRun, type BenchSection } from './lib.ts';

const RUNS = 15;

/** A log dir as multilog leaves it at s16777215: nine archives and a current of ~16 MB of stamped lines. */
function makeLogDir(dir: string): void {
  let t = 0x400000006b108b5fn;
  const file = (lines: number): string => {
    const out: string[] = [];
    for (let i = 0; i < lines; i++) out.push(`@${(t++).toString(16).padStart(16, '0')}00000000 GET /api/items/${i} 200 0.012s user-agent=bench\n`);
    return out.join('');
  };
  for (let k = 0; k < 9; k++) writeFileSync(join(dir, `@${(t + 1000000n + BigInt(k)).toString(16).padStart(16, '0')}00000000.s`), file(2000));
  writeFileSync(join(dir, 'current'), file(200_000));
  writeFileSync(join(dir, 'state'), '');
}

export async function run(): Promise<BenchSection> {
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), `${MARK}-svlog-`));
  try {
    makeLogDir(dir);
    const local = peer('tai64nlocal');
    const svkit = median(Array.from({ length: RUNS }, () => timeRun(svkitBin('svlog'), ['-n', '100', dir])));
    const dt = local === undefined ? null : median(Array.from({ length: RUNS }, () => timeRun('/bin/sh', ['-c', `tail -n 100 "$0/current" | ${local}`, dir])));
    if (local === undefined) notes.push('daemontools tai64nlocal not installed: its column is empty');
    notes.push(`log dir: 9 archives and a current of 200000 lines (~16 MB); median of ${RUNS} runs; svlog reads current backwards in 64 KiB blocks (Node start-up is most of its time)`);
    return {
      title: 'svlog: the last 100 lines of a log with local-time stamps',
      rows: [{ metric: 'svlog -n 100 vs tail -n 100 current | tai64nlocal', unit: 'ms', svkit, daemontools: dt, runit: null, s6: null, target: 'no target (Node start-up vs two C programs)' }],
      notes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await standalone(import.meta.url, run);
