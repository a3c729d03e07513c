// Writes one launcher script per program: node scripts/launchers.mjs OUTDIR HOME prog...
// A launcher runs HOME/dist/<prog>.mjs. It is found next to the resolved launcher first (so a
// symlink from anywhere works), then in HOME, the svkit it was made for (so a copy works too).
// The program name is written into the file, never taken from the name it was called by.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [outdir, home, ...programs] = process.argv.slice(2);
if (outdir === undefined || home === undefined) throw new Error('usage: launchers.mjs OUTDIR HOME prog...');
const quoted = `'${home.replaceAll("'", `'\\''`)}'`;

// V8 flags of one program. supervise's heap stays a few MB, yet V8's memory reducer ran two
// full collections about 8 s after start-up (some 20 ms of CPU, the cost of two restarts of a
// crash loop) to give back about 1 MB. Set from inside the program it comes too late: loading
// the bundle has already woken the reducer by then. svscan: V8 grows its young generation with the
// allocation rate of start-up (100 services: some 3 MB of pages kept touched); 1 MB semi-spaces
// keep the marginal PSS per service at about 91 KiB instead of 131 (bench svscan), and an
// in-process log at full rate cost the same CPU either way (2 runs each).
const NODE_FLAGS = { supervise: '--no-memory-reducer ', svscan: '--max-semi-space-size=1 ' };

function launcher(prog) {
  return `#!/bin/sh
# ${prog}: runs svkit's bundled dist/${prog}.mjs (written by scripts/launchers.mjs; do not edit).
prog=${prog}
# Only a symlink costs a readlink (a fork): svc and svstat are called in loops.
if [ -L "$0" ]; then home=$(readlink -f "$0") && home=\${home%/*}/..; else home=\${0%/*}/..; fi
[ -f "$home/dist/$prog.mjs" ] || home=${quoted}
if [ ! -f "$home/dist/$prog.mjs" ]; then
  echo "$prog: fatal: unable to open $home/dist/$prog.mjs: file does not exist (run make in the svkit checkout)" >&2
  exit 111
fi
if ! command -v node >/dev/null 2>&1; then
  echo "$prog: fatal: unable to run node: command not found (install Node.js >= 20.19)" >&2
  exit 111
fi
exec node ${NODE_FLAGS[prog] ?? ''}"$home/dist/$prog.mjs" "$@"
`;
}

mkdirSync(outdir, { recursive: true });
for (const prog of programs) {
  const file = join(outdir, prog);
  writeFileSync(file, launcher(prog));
  chmodSync(file, 0o755);
}
