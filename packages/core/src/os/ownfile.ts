// Writes of the engine's own files in supervise/ (health, stat, pid, events), each one job on
// the thread pool (the addon's writeFile), or several files in one (writeFiles): a restart
// writes several of them, and Node's promise API costs four trips (open, write, close,
// rename) and their promises per file.
// Callers still take a slot of the fd queue, as a job holds a descriptor while it runs.
import { sys } from './sys.ts';

/** DATA to TMP, then renamed to PATH: readers see the old file or the new one, never a part. */
export function replaceOwnFile(path: string, tmp: string, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    sys().writeFile(path, tmp, typeof data === 'string' ? Buffer.from(data) : data, (err) => (err === null ? resolve() : reject(err)));
  });
}

/** DATA appended to PATH (created if absent; EINVAL if it is not a regular file). Resolves to PATH's size after it. */
export function appendOwnFile(path: string, data: string | Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    sys().writeFile(path, null, typeof data === 'string' ? Buffer.from(data) : data, (err, size) => (err === null ? resolve(size) : reject(err)));
  });
}

/** One file for replaceOwnFiles(). */
export interface OwnFile {
  readonly path: string;
  readonly tmp: string;
  readonly data: string | Buffer;
}

/** replaceOwnFile() for each of FILES in order, as one job (one after the other with an addon built before writeFiles). */
export async function replaceOwnFiles(files: readonly OwnFile[]): Promise<void> {
  const s = sys();
  if (s.writeFiles === undefined) {
    for (const f of files) await replaceOwnFile(f.path, f.tmp, f.data);
    return;
  }
  const flat = files.flatMap((f) => [f.path, f.tmp, typeof f.data === 'string' ? Buffer.from(f.data) : f.data]);
  const write = s.writeFiles.bind(s);
  return new Promise((resolve, reject) => {
    write(flat, (err) => (err === null ? resolve() : reject(err)));
  });
}
