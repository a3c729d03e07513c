// The processor hand-off of a rotation (compat 7.6): sh -c PROC with previous on stdin,
// processed on stdout, state on fd 4 and newstate on fd 5; on success processed is archived.
// The processor is an asynchronous child: its directory waits (input stays in the pipe or in
// multilog's stdin) while it runs, but the thread goes on serving everything else.
import { spawn, type ChildProcess } from 'node:child_process';
import { ownChildProcess } from '../os/owned.ts';
import { closeSync, constants, fchmodSync, fsyncSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../formats/errno.ts';
import { finishFile, removeFile, type DirPlace } from './archive.ts';
import { LogFault, step } from './fault.ts';
import { openRegular } from './regular.ts';

const { O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC } = constants;

function openIn(d: DirPlace, file: string, flags: number, verb: string): number {
  return step(`unable to ${verb} ${d.name}/${file}`, () => openRegular(join(d.path, file), flags, 0o644));
}

/** A processor run in progress: `done` settles when it has exited (and its output is synced). */
export interface ProcessorRun {
  readonly done: Promise<void>;
  /** Kills the processor (its whole group when it has one); `done` then rejects. */
  kill(): void;
}

/**
 * Starts the processor once on `previous`. With timeoutMs it runs in its own process group and
 * is killed (the group, KILL) when it takes longer; without, it is a plain child as in 0.76.
 * `done` rejects with a LogFault (retry from scratch later) on any failure.
 */
export function startProcessor(d: DirPlace, processor: string, timeoutMs?: number): ProcessorRun {
  const fds: number[] = [];
  const closeAll = (): void => {
    for (const fd of fds.splice(0)) closeSync(fd); // sync-ok: closing a descriptor we own
  };
  let child: ChildProcess;
  try {
    fds.push(openIn(d, 'previous', O_RDONLY, 'read'));
    fds.push(openIn(d, 'processed', O_WRONLY | O_CREAT | O_TRUNC, 'create'));
    fds.push(openIn(d, 'state', O_RDONLY | O_CREAT, 'read'));
    fds.push(openIn(d, 'newstate', O_WRONLY | O_CREAT | O_TRUNC, 'create'));
    const [previous, processed, state, newstate] = fds as [number, number, number, number];
    child = ownChildProcess(spawn('/bin/sh', ['-c', processor], {
      cwd: d.path,
      stdio: [previous, processed, 'inherit', 'ignore', state, newstate],
      detached: timeoutMs !== undefined,
    }));
  } catch (err) {
    closeAll();
    return { done: Promise.reject(err instanceof LogFault ? err : new LogFault(`unable to fork for processor in ${d.name}`, err)), kill: () => {} };
  }
  let timedOut = false;
  let exited = false;
  const killGroup = (): void => {
    if (exited || child.pid === undefined) return;
    try {
      if (timeoutMs !== undefined) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // gone already
    }
  };
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => { timedOut = true; killGroup(); }, timeoutMs);
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (err) => {
      exited = true;
      if (timer !== undefined) clearTimeout(timer);
      closeAll();
      reject(new LogFault(`unable to fork for processor in ${d.name}`, err));
    });
    child.on('exit', (code, signal) => {
      exited = true;
      if (timer !== undefined) clearTimeout(timer);
      try {
        if (timedOut) throw new LogFault(`processor timed out in ${d.name} (killed after ${timeoutMs} ms)`);
        if (signal !== null) throw new LogFault(`processor crashed in ${d.name}`);
        if (code !== 0) throw new LogFault(`processor failed in ${d.name}`);
        const [, processed, , newstate] = fds as [number, number, number, number];
        step(`unable to write ${d.name}/processed to disk`, () => fsyncSync(processed)); // sync-ok: a descriptor we own
        step(`unable to set mode of ${d.name}/processed`, () => fchmodSync(processed, 0o744)); // sync-ok: a descriptor we own
        step(`unable to write ${d.name}/newstate to disk`, () => fsyncSync(newstate)); // sync-ok: a descriptor we own
        resolve();
      } catch (err) {
        reject(err);
      } finally {
        closeAll();
      }
    });
  });
  return { done, kill: killGroup };
}

/** After a successful run: previous goes, newstate becomes state, processed is archived as .s. */
export function acceptProcessed(d: DirPlace, num: number): void {
  removeFile(d, 'previous');
  try {
    renameSync(join(d.path, 'newstate'), join(d.path, 'state')); // sync-ok: a rename never waits on file contents
  } catch (err) {
    // Gone already: a retry after this step had succeeded.
    if (!isErrno(err, 'ENOENT')) throw new LogFault(`unable to rename newstate to state in directory ${d.name}`, err);
  }
  finishFile(d, 'processed', 's', num);
}
