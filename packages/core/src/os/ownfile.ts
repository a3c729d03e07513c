// Writes of the engine's own files in supervise/ (health, stat, pid, events), each one job on
// the thread pool (the addon's writeFile): a restart writes several of them, and Node's
// promise API costs four trips (open, write, close, rename) and their promises per file.
// Callers still take a slot of the fd queue, as a job holds a descriptor while it runs.
import { sys } from './sys.ts';

/** DATA to TMP, then renamed to PATH: readers see the old file or the new one, never a part. */
export function replaceOwnFile(path: string, tmp: string, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    sys().writeFile(path, tmp, typeof data === 'string' ? Buffer.from(data) : data, (err) => (err === null ? resolve() : reject(err)));
  });
}

/** Each [PATH, TMP, DATA] replaced as by replaceOwnFile, in order, as one job; stops at the first failure. */
export function replaceOwnFiles(files: readonly (readonly [string, string, string | Buffer])[]): Promise<void> {
  const s = sys();
  if (s.replaceFiles === undefined || files.length === 0 || files.length > 16) {
    return files.reduce<Promise<void>>((done, [path, tmp, data]) => done.then(() => replaceOwnFile(path, tmp, data)), Promise.resolve());
  }
  const list = files.flatMap(([path, tmp, data]) => [path, tmp, typeof data === 'string' ? Buffer.from(data) : data]);
  return new Promise((resolve, reject) => {
    s.replaceFiles?.(list, (err) => (err === null ? resolve() : reject(err)));
  });
}

/** DATA appended to PATH (created if absent; EINVAL if it is not a regular file). Resolves to PATH's size after it. */
export function appendOwnFile(path: string, data: string | Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    sys().writeFile(path, null, typeof data === 'string' ? Buffer.from(data) : data, (err, size) => (err === null ? resolve(size) : reject(err)));
  });
}
