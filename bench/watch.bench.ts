// The watch file: reaction (file saved -> new pid in status) and svscan's idle CPU with a
// watched tree of 10,000 files. nodemon and pm2 --watch are measured when installed.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Scratch, median, now, peer, pollSync, sleep, statusPid, svkitBin, writeService, type BenchRow, type BenchSection } from './lib.ts';

const FILES = 10_000;
const DELAY_MS = 300;
const TRIALS = 5;
const IDLE_MS = 10_000;

/** utime+stime of a process in clock ticks (100 a second on Linux). */
function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export async function run(): Promise<BenchSection> {
  const notes: string[] = [];
  const s = new Scratch('watch');
  const svc = writeService(s.path('scan/app'), 'exec sleep 100000');
  for (let d = 0; d < FILES / 100; d++) {
    mkdirSync(join(svc, 'tree', `d${d}`), { recursive: true });
    for (let f = 0; f < 100; f++) writeFileSync(join(svc, 'tree', `d${d}`, `f${f}.js`), '');
  }
  writeFileSync(join(svc, 'watch'), 'tree\n');
  writeFileSync(join(svc, 'watch-delay'), `${DELAY_MS}\n`);
  const scanner = s.spawn(svkitBin('svscan'), [s.path('scan')]);
  const reactions: number[] = [];
  let idle: number | null = null;
  try {
    let pid = 0;
    pollSync(() => (pid = statusPid(svc, 'svkit')) !== 0, 20_000);
    // Ready once a change restarts the service (the initial scan of 10,000 files takes a moment).
    for (let i = 0; i < 60 && statusPid(svc, 'svkit') === pid; i++) {
      writeFileSync(join(svc, 'tree/d0/f0.js'), String(i));
      await sleep(1000);
    }
    for (let t = 0; t < TRIALS; t++) {
      await sleep(1500);
      pid = statusPid(svc, 'svkit');
      const t0 = now();
      writeFileSync(join(svc, `tree/d${t}/f1.js`), String(t));
      while (now() - t0 < 10_000) {
        const p = statusPid(svc, 'svkit');
        if (p !== 0 && p !== pid) break;
        await sleep(2);
      }
      reactions.push(now() - t0);
    }
    await sleep(1000);
    const scanPid = scanner.pid ?? 0;
    const c0 = cpuTicks(scanPid);
    const w0 = now();
    await sleep(IDLE_MS);
    idle = ((cpuTicks(scanPid) - c0) / 100 / ((now() - w0) / 1000)) * 100;
  } finally {
    scanner.kill('SIGTERM');
    const left = await s.cleanup();
    if (left) notes.push(left);
  }
  for (const p of ['nodemon', 'pm2']) if (peer(p) === undefined) notes.push(`${p} not installed: its column is empty (npm install -g ${p} to compare)`);
  const rows: BenchRow[] = [
    { metric: `watch reaction: file saved to new pid (median of ${TRIALS}, watch-delay ${DELAY_MS} ms)`, unit: 'ms', svkit: median(reactions), daemontools: null, runit: null, s6: null, target: `<= ${DELAY_MS + 50}` },
    { metric: `idle CPU of svscan watching ${FILES} files over ${IDLE_MS / 1000} s`, unit: '% of a core', svkit: idle, daemontools: null, runit: null, s6: null, target: 'near 0' },
  ];
  return { title: 'watch: restart on change', rows, notes };
}
