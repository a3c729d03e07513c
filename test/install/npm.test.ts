// npm pack, then npm install -g --prefix (prebuilt addon; and built from source with node-gyp)
// and npx: every program works from the installed package, and a missing addon is named.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Sandbox } from '../helpers/sandbox.ts';
import { ROOT } from '../helpers/tools.ts';
import { checkService, checkUsage, npm, programs, run } from './_installed.ts';

const box = new Sandbox();
let tarball = '';
const cache = box.path('npm-cache');
after(() => box.cleanup());

before(() => {
  const r = npm(['pack', '--silent', '--pack-destination', box.root], ROOT, cache);
  assert.equal(r.code, 0, r.stderr);
  tarball = join(box.root, r.stdout.trim().split('\n').pop() ?? '');
  assert.ok(existsSync(tarball), r.stdout);
});

test('the tarball names every program in bin and ships the bundles and a prebuilt addon', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; private?: boolean };
  assert.equal(pkg.private, undefined);
  assert.deepEqual(Object.keys(pkg.bin).sort(), programs());
  for (const [prog, file] of Object.entries(pkg.bin)) assert.equal(file, `dist/${prog}.mjs`);
  const listed = spawnSync('tar', ['tzf', tarball], { encoding: 'utf8' }).stdout.split('\n');
  for (const prog of programs()) assert.ok(listed.includes(`package/dist/${prog}.mjs`), prog);
  assert.ok(listed.includes(`package/prebuilds/${process.platform}-${process.arch}/svkit_sys.node`));
});

test('with the cross compiler installed, the tarball also ships an aarch64 addon for linux-arm64', (t) => {
  if (process.arch === 'arm64') return t.skip('the host addon is the linux-arm64 one');
  if (spawnSync('sh', ['-c', 'command -v aarch64-linux-gnu-gcc']).status !== 0) {
    if (process.env['CI'] === 'true') assert.fail('CI: aarch64-linux-gnu-gcc missing (apt-get install gcc-aarch64-linux-gnu)');
    return t.skip('no aarch64-linux-gnu-gcc: make prebuilds ships the host addon only');
  }
  const x = spawnSync('tar', ['xzf', tarball, '-C', box.root, 'package/prebuilds/linux-arm64/svkit_sys.node']);
  assert.equal(x.status, 0, String(x.stderr));
  const elf = readFileSync(box.path('package/prebuilds/linux-arm64/svkit_sys.node'));
  // ELF magic, 64-bit, little-endian, ET_DYN (a shared object), e_machine EM_AARCH64 (183).
  assert.deepEqual([elf.subarray(0, 4).toString('latin1'), elf[4], elf[5], elf.readUInt16LE(16), elf.readUInt16LE(18)], ['\x7fELF', 2, 1, 3, 183]);
});

test('npm install -g --prefix puts every program on the PATH, working, with the prebuilt addon', async () => {
  const prefix = box.path('prefix');
  const r = npm(['install', '-g', '--prefix', prefix, tarball], box.root, cache);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /added 1 package/);
  assert.deepEqual(readdirSync(join(prefix, 'bin')).sort(), programs());
  const pkg = join(prefix, 'lib/node_modules/svkit');
  assert.ok(existsSync(join(pkg, `prebuilds/${process.platform}-${process.arch}/svkit_sys.node`)));
  assert.equal(existsSync(join(pkg, 'node_modules')), false, 'no runtime dependencies: the bundles hold them');
  await checkUsage(join(prefix, 'bin'));
  await checkService(box, join(prefix, 'bin'), 'scan-npm');

  // Without any addon, a program that needs one says what to install, in one line.
  rmSync(join(pkg, 'prebuilds'), { recursive: true });
  const scan = box.path('scan-noaddon');
  box.service('scan-noaddon/x', 'exec sleep 1000');
  const bad = await run(join(prefix, 'bin'), 'svscan', [scan]);
  assert.equal(bad.code, 111);
  assert.match(bad.stderr, /^svscan: fatal: unable to find the native addon svkit_sys\.node \(no prebuilt one for linux-\w+\): install python3, make and a C compiler \(apt-get install python3 make g\+\+\), then run make in a checkout or npm rebuild -g --allow-scripts=svkit svkit\n$/);

  // The command the message names works, even where npm is set to strict-allow-scripts.
  const rebuilt = npm(['rebuild', '-g', '--prefix', prefix, '--strict-allow-scripts', '--allow-scripts=svkit', 'svkit'], box.root, cache);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.ok(existsSync(join(pkg, 'build/Release/svkit_sys.node')));
  await checkService(box, join(prefix, 'bin'), 'scan-rebuilt');
});

test('with install scripts allowed and no usable prebuilt, npm builds the addon with node-gyp', async () => {
  const prefix = box.path('prefix-gyp');
  // Under strict-allow-scripts npm fails an install script nobody allowed, so this proves the
  // allow matches: npm matches a tarball by its file: spec, a registry package by its name.
  // (npm 11.19 then also needs PREFIX/lib/node_modules to exist: ENOENT otherwise.)
  mkdirSync(join(prefix, 'lib/node_modules'), { recursive: true });
  const r = npm(['install', '-g', '--prefix', prefix, '--strict-allow-scripts', `--allow-scripts=file:${tarball}`, tarball], box.root, cache, { SVKIT_BUILD_ADDON: '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /install-scripts/);
  const pkg = join(prefix, 'lib/node_modules/svkit');
  assert.ok(existsSync(join(pkg, 'build/Release/svkit_sys.node')));
  rmSync(join(pkg, 'prebuilds'), { recursive: true });
  await checkService(box, join(prefix, 'bin'), 'scan-gyp');
});

test('an addon that cannot be built fails the install with one line naming what to install', () => {
  const prefix = box.path('prefix-nocc');
  const r = npm(['install', '-g', '--prefix', prefix, `--allow-scripts=file:${tarball}`, tarball], box.root, cache, { SVKIT_BUILD_ADDON: '1', CC: '/nonexistent/cc', CXX: '/nonexistent/c++' });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /svkit: fatal: unable to build the native addon svkit_sys\.node: node-gyp failed: install python3, make and a C compiler \(apt-get install python3 make g\+\+\), then npm rebuild -g --allow-scripts=svkit svkit\n/);
});

test('npx runs a program straight from the tarball', async () => {
  const r = npm(['exec', '--yes', `--package=${tarball}`, '--', 'svstat', '-Z'], box.root, cache);
  assert.deepEqual([r.code, r.stdout], [100, '']);
  assert.match(r.stderr, /^svstat: usage: svstat /m);
});
