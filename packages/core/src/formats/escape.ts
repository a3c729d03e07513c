// Names a user chose (service dirs, env/ files) printed so that a message stays one line.

const HEX = '0123456789abcdef';

function hex(byte: number): string {
  return `\\x${HEX[byte >> 4] ?? '0'}${HEX[byte & 15] ?? '0'}`;
}

/** Length of the valid UTF-8 sequence at b[i], or 0 when the byte there starts none. */
function utf8Length(b: Uint8Array, i: number): number {
  const c = b[i] ?? 0;
  const cont = (k: number): boolean => ((b[i + k] ?? 0) & 0xc0) === 0x80;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = b[i + 1] ?? 0;
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f)) return 0; // overlong, surrogate
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = b[i + 1] ?? 0;
    if ((c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

function escapeText(s: string): string {
  // C0 controls, DEL and C1 controls: \xHH. Nothing else (not even a backslash) changes, so
  // escaping twice is escaping once, and a name without controls prints as daemontools prints it.
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, (ch) => hex(ch.charCodeAt(0)));
}

/**
 * NAME with every control character as \xHH. Bytes (a file name as the kernel has it) are read
 * as UTF-8, and a byte that is not part of valid UTF-8 is shown as \xHH too.
 */
export function escapeName(name: string | Uint8Array): string {
  if (typeof name === 'string') return escapeText(name);
  let out = '';
  let i = 0;
  while (i < name.length) {
    const n = utf8Length(name, i);
    if (n === 0) {
      out += hex(name[i] ?? 0);
      i += 1;
      continue;
    }
    let cp = (name[i] ?? 0) & (n === 1 ? 0x7f : n === 2 ? 0x1f : n === 3 ? 0x0f : 0x07);
    for (let k = 1; k < n; k++) cp = (cp << 6) | ((name[i + k] ?? 0) & 0x3f);
    out += String.fromCodePoint(cp);
    i += n;
  }
  return escapeText(out);
}
