// supervise/envdir.ts: env/ read as bytes, non-regular entries skipped, within the kernel's limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV_ENTRIES_MAX, EnvDirError, readEnvDir } from '../../packages/core/src/supervise/envdir.ts';

const root = mkdtempSync(join(tmpdir(), 'svkit-unit-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function envDir(): string {
  const dir = join(root, `env${n++}`);
  mkdirSync(dir);
  return dir;
}
const text = (block: readonly Buffer[] | undefined): string[] => (block ?? []).map((b) => b.toString('latin1')).sort();

test('no env/: undefined, the base applies unchanged', async () => {
  assert.equal(await readEnvDir(join(root, 'none'), 'S/env', { A: '1' }, () => {}), undefined);
});

test("envdir's rules: first line, trailing blanks cut, NUL as newline, empty file unsets, dot and = names ignored", async () => {
  const dir = envDir();
  writeFileSync(join(dir, 'A'), 'one \t\ntwo\n');
  writeFileSync(join(dir, 'B'), 'x\0y');
  writeFileSync(join(dir, 'GONE'), '');
  writeFileSync(join(dir, 'EMPTYLINE'), '\n');
  writeFileSync(join(dir, '.hidden'), 'h');
  writeFileSync(join(dir, 'K=V'), 'kv');
  assert.deepEqual(text(await readEnvDir(dir, 'S/env', { GONE: 'was', KEEP: 'k' }, () => {})), ['A=one', 'B=x\ny', 'EMPTYLINE=', 'KEEP=k']);
});

test('names and values are bytes: not UTF-8 is kept as it is, and warnings show it escaped', async () => {
  const dir = envDir();
  writeFileSync(Buffer.from(`${dir}/N\xff`, 'latin1'), Buffer.from([0xfe, 0x0a]));
  mkdirSync(join(dir, 'SUB\n'));
  execFileSync('mkfifo', [join(dir, 'FIFO')]);
  const warnings: string[] = [];
  const block = await readEnvDir(dir, 'S/env', {}, (m) => warnings.push(m));
  assert.deepEqual(block, [Buffer.from([0x4e, 0xff, 0x3d, 0xfe])]);
  assert.deepEqual(warnings, [
    'unable to read S/env/FIFO: not a regular file (fifo), skipped',
    'unable to read S/env/SUB\\x0a: not a regular file (directory), skipped',
  ]);
});

test('budgets: a value over 128 KiB is skipped; over 1 MiB in all or too many entries, env/ cannot be used', async () => {
  const big = envDir();
  writeFileSync(join(big, 'BIG'), Buffer.alloc(200_000, 0x61));
  writeFileSync(join(big, 'EDGE'), Buffer.alloc(128 * 1024 - 5, 0x61)); // "EDGE=" + value + NUL: one byte over
  writeFileSync(join(big, 'OK'), 'ok');
  const warnings: string[] = [];
  assert.deepEqual(text(await readEnvDir(big, 'S/env', {}, (m) => warnings.push(m))), ['OK=ok']);
  assert.deepEqual(warnings, [
    'unable to read S/env/BIG: file too big (over 131072 bytes), skipped',
    'unable to read S/env/EDGE: value too long (over 131072 bytes with its name), skipped',
  ]);
  const total = envDir();
  for (let i = 0; i < 9; i++) writeFileSync(join(total, `V${i}`), Buffer.alloc(120_000, 0x62));
  await assert.rejects(readEnvDir(total, 'S/env', {}, () => {}), (err: unknown) => err instanceof EnvDirError && err.reason === 'too big (over 1048576 bytes in all)');
  const many = envDir();
  for (let i = 0; i <= ENV_ENTRIES_MAX; i++) writeFileSync(join(many, `V${i}`), '1');
  await assert.rejects(readEnvDir(many, 'S/env', {}, () => {}), (err: unknown) => err instanceof EnvDirError && err.reason === `too many entries (over ${ENV_ENTRIES_MAX})`);
});

test('env a file or a FIFO, not a directory: one warning, the service runs without it', async () => {
  writeFileSync(join(root, 'envfile'), 'x');
  const warnings: string[] = [];
  assert.equal(await readEnvDir(join(root, 'envfile'), 'S/env', {}, (m) => warnings.push(m)), undefined);
  assert.deepEqual(warnings, ['unable to read S/env: not a directory']);
});
