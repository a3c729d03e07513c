// make lint: nothing a user controls is read or run synchronously on svscan's main thread
// (docs/conventions.md, "Rules of the engine"). Fails on a `*Sync(` call, spawnSync or execSync
// in packages/core/src, unless the line says why it is safe (`// sync-ok: REASON`) or its file is
// allowed below. Keep the list short: every entry is start-up code, client-side code, or code
// that touches only what the engine owns, each with its reason.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const SRC = join(ROOT, 'packages/core/src');

/** Files allowed as a whole, relative to packages/core/src: path -> reason. */
const ALLOWED = {
  'os/sys.ts': 'start-up: finds the native addon once, before anything is supervised',
  'os/proc.ts': "the kernel's /proc (stat, btime, the pid list): never blocks, no user controls it",
  'os/fifo.ts': 'the FIFOs and lock of supervise/, always opened O_NONBLOCK: a FIFO never blocks such an open',
  'os/poller.ts': 'its own wake pipe and the pidfds it was given: descriptors the engine owns',
  'supervise/supervisedir.ts': 'mkdir of supervise/ and closing its own descriptors: the engine\'s own files',
  'supervise/control.ts': 'client side (svc, svok, svstat): runs in a short-lived program, never in svscan',
  'supervise/inspect.ts': "svstat's reader (client side); chdirError, which Supervisor.start also calls, is a stat and an access of the dir itself and opens nothing",
  'scan/scanlock.ts': 'start-up: the one-svscan-per-dir lock is taken once, before anything is supervised',
  'scan/journal.ts': "svscan's own journal in .svscan/ (0700): opened O_NONBLOCK|O_NOFOLLOW, regular files only, appends of one line",
  'scan/vanished.ts': 'start-up: stats of the scan dir entries before anything is supervised (metadata, opens nothing)',
  'scan/fdbudget.ts': "counts /proc/self/fd: the kernel's, never blocks",
  'http/tokens.ts': "svhttp's start-up (the token file is read once, before anything is served) and svnotify's secret files: never loaded by svscan",
  'import/': 'svimport, a short-lived client program: never loaded by svscan',
  'notify/': "svnotify, a hook run as its own short-lived process per event: never loaded by svscan; its spool is its own (mode 700)",
  // Pending: owned by other parts of issue 13, to be made asynchronous there.
  'scan/scanner.ts': 'PENDING (issue 13b owns scanner.ts): readdir and stat of the scan dir, metadata only (no service file is opened); /dev/null at start-up',
};

const CALL = /\b(\w+Sync|spawnSync|execSync|execFileSync)\s*\(/;
const MARK = /\/\/ sync-ok: \S/;

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

const allowed = (rel) => Object.keys(ALLOWED).some((k) => (k.endsWith('/') ? rel.startsWith(k) : rel === k));
const problems = [];
const used = new Set();
for (const file of files(SRC)) {
  const rel = relative(SRC, file);
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    const code = line.replace(/^\s*(\/\/|\*|\/\*).*$/, ''); // comments name calls, they do not make them
    const m = CALL.exec(code);
    if (m === null || MARK.test(line)) return;
    if (allowed(rel)) {
      used.add(Object.keys(ALLOWED).find((k) => (k.endsWith('/') ? rel.startsWith(k) : rel === k)));
      return;
    }
    problems.push(`packages/core/src/${rel}:${i + 1}: ${m[1]}() on the main thread: make it asynchronous, or say why it is safe with // sync-ok: REASON`);
  });
}
for (const k of Object.keys(ALLOWED)) if (!used.has(k)) problems.push(`scripts/lint-sync.mjs: allowed entry ${k} has no synchronous call any more: remove it`);
if (problems.length > 0) {
  process.stderr.write(`lint: ${problems.length} problem(s)\n${problems.join('\n')}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(`lint: no synchronous call outside the allowed list (${Object.keys(ALLOWED).length} files, each with its reason)\n`);
}
