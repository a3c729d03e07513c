// multilog pattern matching (pure): literal bytes and `*`, anchored, no backtracking (compat 7.3).

const STAR = 0x2a;

/**
 * True when pattern matches line[start, end). A `*` at the end of the pattern takes the rest of
 * the line; a `*` followed by byte c skips to the first c (failing when there is none) and never
 * tries a later one. There is no escape character.
 */
export function matchPattern(pattern: Uint8Array, line: Uint8Array, start = 0, end = line.length): boolean {
  let p = 0;
  let i = start;
  const plen = pattern.length;
  while (p < plen) {
    const pc = pattern[p];
    if (pc === STAR) {
      if (p + 1 === plen) return true;
      const c = pattern[p + 1] as number;
      while (i < end && line[i] !== c) i++;
      if (i === end) return false;
      p++;
      continue;
    }
    if (i === end || line[i] !== pc) return false;
    p++;
    i++;
  }
  return i === end;
}
