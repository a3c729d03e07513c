// Shared checks of the adversarial suite (not a test file itself): while a bad service is
// present, the others stay controllable, and svscan's TERM leaves nothing behind.
import assert from 'node:assert/strict';
import { type Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { type Svscan, sandboxProcesses, statusPid, waitUp } from '../scenarios/_svscan.ts';

/** Generous: the suite runs on a busy machine; the evidence is the status, not the time. */
export const DEADLINE_MS = 20_000;

/**
 * `svc -d` of a healthy service acts (its status says down and its process is gone), then
 * `svc -u` brings it back: svscan's main thread is not held by anything.
 */
export async function assertControllable(box: Sandbox, rel: string): Promise<void> {
  const dir = box.path(rel);
  const pid = await waitUp(dir, DEADLINE_MS);
  const down = await runTool('svc', ['-d', rel], { cwd: box.root });
  assert.deepEqual([down.code, down.stdout, down.stderr], [0, '', ''], `svc -d ${rel}`);
  await waitFor(() => statusPid(dir) === 0, DEADLINE_MS, `${rel} down`);
  await waitFor(() => !sandboxProcesses(box.root).some((p) => p.pid === pid), DEADLINE_MS, `${rel}'s process gone`);
  const up = await runTool('svc', ['-u', rel], { cwd: box.root });
  assert.deepEqual([up.code, up.stdout, up.stderr], [0, '', ''], `svc -u ${rel}`);
  await waitUp(dir, DEADLINE_MS);
}

/** TERM to svscan: exit 0, and no process of the sandbox left (nothing orphaned). */
export async function stopAndCheck(box: Sandbox, scan: Svscan): Promise<void> {
  process.kill(scan.pid, 'SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
  await waitFor(() => sandboxProcesses(box.root).length === 0, DEADLINE_MS, `no process left (${JSON.stringify(sandboxProcesses(box.root))})`);
}

/** How many times needle occurs in text. */
export function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** Every line of svscan's stderr is one message of the grammar (nothing split by a name). */
export function assertOneLineEach(stderr: string): void {
  for (const line of stderr.split('\n').slice(0, -1)) assert.match(line, /^svscan: (warning|fatal): /, `a line of its own: ${JSON.stringify(line)}`);
}
