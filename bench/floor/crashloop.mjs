// The floor of CPU per restart for a supervisor written in Node (bench/health.bench.ts): the
// least a crash loop can do here, through svkit's own addon. posix_spawn of ./run, its exit
// watched through a pidfd on a worker thread, supervise/status replaced (tmp + rename) at the
// start and at the exit, then a 1 s timer to the next start. No events, no health record, no
// service-dir files, no commands: what svkit's supervise adds to this is its features.
// usage: node bench/floor/crashloop.mjs SERVICEDIR
import { closeSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const sys = createRequire(import.meta.url)('../../build/svkit_sys.node');
const dir = process.argv[2];
mkdirSync(join(dir, 'supervise'), { recursive: true });
const [wake] = sys.pipe(true);
const status = Buffer.alloc(20);

function announce(pid) {
  status.writeUInt32LE(pid, 12);
  sys.replaceFileSync(join(dir, 'supervise/status'), join(dir, 'supervise/status.new'), status);
}

function start() {
  const pid = sys.spawn('./run', ['./run'], null, dir, [0, 1, 2]);
  const pidfd = sys.pidfdOpen(pid);
  announce(pid);
  sys.pollIn([pidfd], wake, () => {
    sys.reap(pidfd);
    closeSync(pidfd);
    announce(0);
    setTimeout(start, 1000);
  });
}

process.on('SIGTERM', () => process.exit(0));
start();
