// npm's install step for the native addon (package.json "install"): nothing to do when a
// shipped prebuilt binary (or an earlier build) loads; otherwise build it with node-gyp from
// binding.gyp, and when that cannot be done say in one line what to install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const HINT = 'install python3, make and a C compiler (apt-get install python3 make g++), then npm rebuild -g --allow-scripts=svkit svkit';
const candidates = [
  join('build', 'Release', 'svkit_sys.node'),
  join('prebuilds', `${process.platform}-${process.arch}`, 'svkit_sys.node'),
];

function loads(path) {
  try {
    createRequire(import.meta.url)(path);
    return true;
  } catch {
    return false;
  }
}

function nodeGyp() {
  // npm tells its scripts where its own node-gyp is; a node-gyp on the PATH is the fallback.
  const bundled = process.env['npm_config_node_gyp'];
  if (bundled !== undefined && existsSync(bundled)) return [process.execPath, bundled];
  return ['node-gyp'];
}

function headersDir() {
  // Node's own headers next to its binary (a distribution or nodejs.org install): no download.
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function main() {
  if (existsSync(join(root, 'Makefile'))) return 0; // a checkout: make builds build/svkit_sys.node
  if (process.env['SVKIT_BUILD_ADDON'] !== '1') {
    for (const c of candidates) if (existsSync(join(root, c)) && loads(join(root, c))) return 0;
  }
  const [file, ...pre] = nodeGyp();
  const r = spawnSync(file, [...pre, 'rebuild', ...headersDir()], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status === 0 && loads(join(root, candidates[0]))) return 0;
  const reason = r.error ? `${file}: ${r.error.message}` : 'node-gyp failed';
  process.stderr.write(`svkit: fatal: unable to build the native addon svkit_sys.node: ${reason}: ${HINT}\n`);
  return 1;
}

process.exitCode = main();
