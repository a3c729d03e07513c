// The checkout's routes: bin/<prog> linked or copied anywhere, and make install PREFIX=...
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Sandbox } from '../helpers/sandbox.ts';
import { BIN, ROOT } from '../helpers/tools.ts';
import { checkService, checkUsage, programs, run } from './_installed.ts';

const box = new Sandbox();
after(() => box.cleanup());

test('every bin/<prog> works through a symlink chain from another directory', async () => {
  const links = box.path('links');
  const hop = box.path('hop');
  mkdirSync(links);
  mkdirSync(hop);
  for (const prog of programs()) {
    symlinkSync(join(BIN, prog), join(hop, prog));
    symlinkSync(join(hop, prog), join(links, prog)); // a link to a link, as /usr/local/bin -> /opt/... does
  }
  await checkUsage(links);
  await checkService(box, links, 'scan-links');
});

test('a copy of bin/<prog> elsewhere runs the checkout it was made for', async () => {
  const copies = box.path('copies');
  mkdirSync(copies);
  for (const prog of programs()) copyFileSync(join(BIN, prog), join(copies, prog));
  const r = spawnSync('chmod', ['755', ...readdirSync(copies).map((f) => join(copies, f))]);
  assert.equal(r.status, 0);
  await checkUsage(copies);
  const st = await run(copies, 'svstat', [box.path('none')]);
  assert.deepEqual([st.code, st.stdout], [0, `${box.path('none')}: unable to chdir: file does not exist\n`]);
});

test('make install PREFIX=... DESTDIR=... installs like a C tool, and the programs run from there', async () => {
  const prefix = box.path('usr-local');
  const stage = box.path('stage');
  const r = spawnSync('make', ['-s', 'install', `PREFIX=${prefix}`, `DESTDIR=${stage}`], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(join(stage, prefix, 'bin')).sort(), programs());
  // Staged, then moved into place as a package manager would: the launchers name PREFIX, not DESTDIR.
  const mv = spawnSync('mv', [join(stage, prefix), prefix]);
  assert.equal(mv.status, 0);
  const bin = join(prefix, 'bin');
  assert.deepEqual(readdirSync(join(prefix, 'lib/svkit')).sort(), ['build', 'dist']);
  await checkUsage(bin);
  await checkService(box, bin, 'scan-prefix');
});
