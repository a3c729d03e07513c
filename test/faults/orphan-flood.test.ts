// A PID 1 flooded by a thousand orphans (issue 9): every one reaped, and meanwhile another
// service's deaths still reach its own supervisor with their status (finish CODE SIGNAL).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { noPidns, ps, startPid1, zombiesOf } from '../scenarios/_pidns.ts';

describe('orphan flood', { skip: noPidns() }, () => {
  it('a thousand orphans at once: all reaped, a neighbour keeps its exit codes', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    // 1000 orphans that exit at once: each `(true &)` leaves a child reparented to PID 1.
    const flood = box.service('scan/flood', 'i=0; while [ $i -lt 1000 ]; do (true &); i=$((i+1)); done\necho done > flooded\nexec sleep 1000');
    const exits = box.service('scan/exits', 'echo x >> starts\n[ $(wc -l < starts) -ge 6 ] && exec sleep 1000\nexit 3', { finish: 'echo "$1 $2" >> ends' });
    const init = await startPid1(box, box.path('scan'));
    await waitFor(() => existsSync(join(flood, 'flooded')), 60_000, 'the flood done');
    await waitFor(() => existsSync(join(exits, 'ends')) && readFileSync(join(exits, 'ends'), 'utf8').split('\n').length > 5, 60_000, 'five ends');
    await waitFor(() => zombiesOf(init.pid).length === 0 && ps().filter((p) => p.ppid === init.pid && p.comm === 'true').length === 0, 30_000, 'every orphan reaped');
    assert.deepEqual(readFileSync(join(exits, 'ends'), 'utf8').trim().split('\n'), Array(5).fill('3 0'));
    process.kill(init.pid, 'SIGTERM');
    assert.deepEqual(await init.exited, { code: 0, signal: null });
  });
});
