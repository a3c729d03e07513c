// The start pass (supervise/startpass.ts): the service dir is listed once per start, and a
// listing taken while run was alive is reused while the dir is unchanged. Whatever path a
// start takes, a file added, changed or removed is seen at the next start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { lines, supervise, waitStatus, waitUp } from '../fixtures/supervision.ts';

test('env/ and finish added, changed and removed between restarts are seen at the next start', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  // Evidence goes outside the service dir: writing there would change the dir it lists.
  const dir = box.service('s', 'echo "$$ ${GREETING-unset}" >> ../seen\nexec sleep 1000');
  const seen = join(box.root, 'seen');
  const sup = await supervise(box, dir);
  const said = (pid: number): string | undefined => lines(seen).find((l) => l.startsWith(`${pid} `))?.slice(String(pid).length + 1);
  const next = async (old: number, label: string): Promise<string> => {
    process.kill(old, 'SIGKILL');
    // state 1 (run): while finish runs, status names finish's pid (state 2), not run's.
    const pid = (await waitStatus(dir, (st) => st.pid !== 0 && st.pid !== old && st.state === 1, label)).pid;
    await waitFor(() => said(pid) !== undefined, 20_000, `${label}: run wrote its line`);
    return said(pid) as string;
  };
  let pid = await waitUp(dir);
  await waitFor(() => said(pid) !== undefined, 20_000, 'first line');
  assert.equal(said(pid), 'unset');
  // Two plain restarts first: from then on a listing taken while run was alive can be reused.
  assert.equal(await next(pid, 'plain 1'), 'unset');
  pid = (await waitUp(dir));
  assert.equal(await next(pid, 'plain 2'), 'unset');
  pid = await waitUp(dir);
  mkdirSync(join(dir, 'env'));
  writeFileSync(join(dir, 'env/GREETING'), 'hi\n');
  assert.equal(await next(pid, 'env/ added'), 'hi');
  pid = await waitUp(dir);
  writeFileSync(join(dir, 'env/GREETING'), 'again\n'); // the service dir itself is unchanged
  assert.equal(await next(pid, 'env/GREETING changed'), 'again');
  pid = await waitUp(dir);
  writeFileSync(join(dir, 'finish'), '#!/bin/sh\necho "$1 $2" >> ../finished\n');
  chmodSync(join(dir, 'finish'), 0o755);
  rmSync(join(dir, 'env'), { recursive: true });
  assert.equal(await next(pid, 'finish added, env/ removed'), 'unset');
  await waitFor(() => existsSync(join(box.root, 'finished')), 20_000, 'finish ran');
  assert.deepEqual(lines(join(box.root, 'finished')), ['-1 9']);
  assert.equal(sup.stderr(), '');
});
