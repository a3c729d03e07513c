// tai64nlocal through bin/: local time as 0.76 prints it; malformed stamps copied, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTool } from '../helpers/tools.ts';

test('tai64nlocal prints local time with 9 digits and copies other and malformed lines unchanged', async () => {
  const input = '@4000000037c219bf2ef02e94 mark\n@4000000037c219bf2ef02e94mark-no-space\nplain\n@zzz\n@\n@4000000037C219BF2EF02E94 up\n@4000000037c219bf x\n@4000000037c219bf2ef02e9411 y\n@4000000037c219bf2ef02e94';
  const env = { ...process.env, TZ: 'UTC' };
  const r = await runTool('tai64nlocal', [], { input, env });
  assert.deepEqual([r.code, r.stderr], [0, '']);
  assert.equal(r.stdout, '1999-08-24 04:04:05.787492500 mark\n1999-08-24 04:04:05.787492500mark-no-space\nplain\n@zzz\n@\n@4000000037C219BF2EF02E94 up\n@4000000037c219bf x\n@4000000037c219bf2ef02e9411 y\n1999-08-24 04:04:05.787492500');
  const pacific = await runTool('tai64nlocal', [], { input: '@4000000037c219bf2ef02e94 mark\n', env: { ...process.env, TZ: 'US/Pacific' } });
  assert.deepEqual([pacific.code, pacific.stdout, pacific.stderr], [0, '1999-08-23 21:04:05.787492500 mark\n', '']);
});
