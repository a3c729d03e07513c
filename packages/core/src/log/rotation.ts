// Pure rotation decisions of a log directory (compat 7.5): write-chunk limits and retention.

/** Files are closed at a line end once they pass size - SOFT_MARGIN bytes. */
export const SOFT_MARGIN = 2000;
const NL = 0x0a;

/**
 * How many bytes of data[start, end) go into `current` in one write when it holds `bytes` of
 * at most `size`: never past size, and once past size - 2000 only up to the last newline.
 * The caller rotates first when bytes >= size.
 */
export function chunkLength(bytes: number, size: number, data: Uint8Array, start: number, end: number): number {
  let len = Math.min(end - start, size - bytes);
  if (bytes + len >= size - SOFT_MARGIN) {
    const last = lastNewline(data, start, start + len);
    if (last >= 0) len = last + 1 - start;
  }
  return len;
}

/** True when a file of `bytes` whose last written byte is `lastByte` is due for rotation. */
export function rotateAfter(bytes: number, size: number, lastByte: number | undefined): boolean {
  return bytes >= size - SOFT_MARGIN && lastByte === NL;
}

function lastNewline(data: Uint8Array, start: number, end: number): number {
  if (end <= start) return -1;
  const at = data.lastIndexOf(NL, end - 1);
  return at >= start ? at : -1;
}

/** An archive for retention: a name starting with `@` and at least 25 characters long. */
export function isArchiveName(name: string): boolean {
  return name.length >= 25 && name.startsWith('@');
}

/**
 * The names retention deletes, in order: while num or more archives remain, the one whose first
 * 25 characters sort lowest goes, so at most num - 1 are kept.
 */
export function expiredArchives(names: readonly string[], num: number): string[] {
  const archives = names.filter(isArchiveName).sort((a, b) => {
    const ka = a.slice(0, 25);
    const kb = b.slice(0, 25);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return archives.slice(0, Math.max(0, archives.length - num + 1));
}
