// npm pack, then npm install -g --prefix (prebuilt addon; and built from source with node-gyp)
// and npx: every program works from the installed package, and a missing addon is named.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
  assert.match(bad.stderr, /^svscan: fatal: unable to find the native addon svkit_sys\.node \(no prebuilt one for linux-\w+\): install python3, make and a C compiler \(apt-get install python3 make g\+\+\), then .*\n$/);
});

test('with install scripts allowed and no usable prebuilt, npm builds the addon with node-gyp', async () => {
  const prefix = box.path('prefix-gyp');
  const r = npm(['install', '-g', '--prefix', prefix, '--allow-scripts=svkit', tarball], box.root, cache, { SVKIT_BUILD_ADDON: '1' });
  assert.equal(r.code, 0, r.stderr);
  const pkg = join(prefix, 'lib/node_modules/svkit');
  assert.ok(existsSync(join(pkg, 'build/Release/svkit_sys.node')));
  rmSync(join(pkg, 'prebuilds'), { recursive: true });
  await checkService(box, join(prefix, 'bin'), 'scan-gyp');
});

test('an addon that cannot be built fails the install with one line naming what to install', () => {
  const prefix = box.path('prefix-nocc');
  const r = npm(['install', '-g', '--prefix', prefix, '--allow-scripts=svkit', tarball], box.root, cache, { SVKIT_BUILD_ADDON: '1', CC: '/nonexistent/cc', CXX: '/nonexistent/c++' });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /svkit: fatal: unable to build the native addon svkit_sys\.node: node-gyp failed: install python3, make and a C compiler/);
});

test('npx runs a program straight from the tarball', async () => {
  const r = npm(['exec', '--yes', `--package=${tarball}`, '--', 'svstat', '-Z'], box.root, cache);
  assert.deepEqual([r.code, r.stdout], [100, '']);
  assert.match(r.stderr, /^svstat: usage: svstat /m);
});
