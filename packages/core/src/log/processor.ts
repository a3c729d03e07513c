// The processor hand-off of a rotation (compat 7.6): sh -c PROC with previous on stdin,
// processed on stdout, state on fd 4 and newstate on fd 5; on success processed is archived.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, fchmodSync, fsyncSync, openSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../formats/errno.ts';
import { finishFile, removeFile, type DirPlace } from './archive.ts';
import { LogFault, step } from './fault.ts';

const { O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC } = constants;

function openIn(d: DirPlace, file: string, flags: number, verb: string): number {
  return step(`unable to ${verb} ${d.name}/${file}`, () => openSync(join(d.path, file), flags, 0o644));
}

/** Runs the processor once on `previous`; throws a LogFault (retry from scratch later) on failure. */
export function runProcessor(d: DirPlace, processor: string): void {
  const fds: number[] = [];
  try {
    const previous = openIn(d, 'previous', O_RDONLY, 'read');
    fds.push(previous);
    const processed = openIn(d, 'processed', O_WRONLY | O_CREAT | O_TRUNC, 'create');
    fds.push(processed);
    const state = openIn(d, 'state', O_RDONLY | O_CREAT, 'read');
    fds.push(state);
    const newstate = openIn(d, 'newstate', O_WRONLY | O_CREAT | O_TRUNC, 'create');
    fds.push(newstate);
    // Synchronous on purpose, as in 0.76: input waits while the processor runs.
    const r = spawnSync('/bin/sh', ['-c', processor], {
      cwd: d.path,
      stdio: [previous, processed, 'inherit', 'ignore', state, newstate],
    });
    if (r.error !== undefined) throw new LogFault(`unable to fork for processor in ${d.name}`, r.error);
    if (r.signal !== null) throw new LogFault(`processor crashed in ${d.name}`);
    if (r.status !== 0) throw new LogFault(`processor failed in ${d.name}`);
    step(`unable to write ${d.name}/processed to disk`, () => fsyncSync(processed));
    step(`unable to set mode of ${d.name}/processed`, () => fchmodSync(processed, 0o744));
    step(`unable to write ${d.name}/newstate to disk`, () => fsyncSync(newstate));
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** After a successful run: previous goes, newstate becomes state, processed is archived as .s. */
export function acceptProcessed(d: DirPlace, num: number): void {
  removeFile(d, 'previous');
  try {
    renameSync(join(d.path, 'newstate'), join(d.path, 'state'));
  } catch (err) {
    // Gone already: a retry after this step had succeeded.
    if (!isErrno(err, 'ENOENT')) throw new LogFault(`unable to rename newstate to state in directory ${d.name}`, err);
  }
  finishFile(d, 'processed', 's', num);
}
