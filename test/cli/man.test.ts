// Man pages: built by make from docs/<prog>.md for every program, and they render cleanly,
// through groff with every warning on and through `man -l` as a user would read them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ROOT, peer } from '../helpers/tools.ts';

const TOOLS = readdirSync(join(ROOT, 'packages/tools/src')).filter((f) => f.endsWith('.ts') && !f.startsWith('_')).map((f) => f.slice(0, -3));

function renderers(): string | false {
  if (peer('groff') !== undefined && peer('man') !== undefined) return false;
  if (process.env['CI'] === 'true') throw new Error('CI: groff and man missing (apt-get install groff-base man-db)');
  return 'groff or man not installed (apt-get install groff-base man-db)';
}

test('every program has a docs page and a man page built from it', () => {
  assert.ok(TOOLS.length >= 8, TOOLS.join(' '));
  for (const prog of TOOLS) {
    assert.ok(existsSync(join(ROOT, 'docs', `${prog}.md`)), `docs/${prog}.md`);
    const page = join(ROOT, 'build/man', `${prog}.8`);
    assert.ok(existsSync(page), `${page} (run make)`);
    const text = readFileSync(page, 'latin1');
    assert.match(text, new RegExp(`^\\.TH ${prog.toUpperCase()} 8 `, 'm'));
    assert.match(text, new RegExp(`^${prog} \\\\- \\S`, 'm'), 'NAME line');
  }
});

for (const prog of TOOLS) {
  test(`man -l build/man/${prog}.8 renders NAME, SYNOPSIS and the docs' sections, groff -ww says nothing`, { skip: renderers() }, async () => {
    const page = join(ROOT, 'build/man', `${prog}.8`);
    const groff = await execa('groff', ['-t', '-man', '-Tutf8', '-ww', '-z', page], { reject: false });
    assert.deepEqual([groff.exitCode, groff.stderr], [0, ''], 'groff warnings');
    const man = await execa('man', ['-l', page], { reject: false, env: { MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' } });
    assert.equal(man.exitCode, 0, man.stderr);
    for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'SEE ALSO']) assert.match(man.stdout, new RegExp(`^${section}$`, 'm'), section);
    assert.match(man.stdout, new RegExp(`^ +${prog} +- +\\S`, 'm'));
    assert.doesNotMatch(man.stdout, /\\f|\*\*|`/, 'no markup left over');
  });
}
