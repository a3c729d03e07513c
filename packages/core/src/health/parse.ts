// Parsers of the health files of a service dir: one value per file, text in, value or the
// reason it is wrong out (the caller names the file in its warning). Pure.

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly why: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(why: string): Parsed<T> => ({ ok: false, why });

/** The one value of a file: surrounding blanks and the final newline do not count. */
function value(text: string): string {
  return text.trim();
}

/** Seconds, a decimal number >= 0 ("1", "0.5"), as milliseconds. */
export function parseSeconds(text: string, min = 0): Parsed<number> {
  const v = value(text);
  if (!/^\d+(\.\d+)?$/.test(v)) return bad(`not a number of seconds: ${JSON.stringify(v.slice(0, 40))}`);
  const ms = Math.round(Number(v) * 1000);
  if (ms < min * 1000) return bad(`must be at least ${min} seconds`);
  return ok(ms);
}

/** A count >= min. */
export function parseCount(text: string, min = 1): Parsed<number> {
  const v = value(text);
  if (!/^\d+$/.test(v)) return bad(`not a whole number: ${JSON.stringify(v.slice(0, 40))}`);
  const n = Number(v);
  if (n < min) return bad(`must be at least ${min}`);
  return ok(n);
}

/** notification-fd: a descriptor number, as s6 takes it (1 is allowed: a daemon that prints a line when ready). */
export function parseFd(text: string): Parsed<number> {
  const v = value(text);
  if (!/^\d+$/.test(v)) return bad(`not a file descriptor number: ${JSON.stringify(v.slice(0, 40))}`);
  const n = Number(v);
  if (n > 1023) return bad('file descriptor number above 1023');
  return ok(n);
}

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** limit-memory: bytes with an optional K, M or G suffix (powers of 1024). */
export function parseBytes(text: string): Parsed<number> {
  const m = /^(\d+)([KMG]?)B?$/i.exec(value(text));
  if (m === null) return bad(`not a size (bytes, or a number with K, M or G): ${JSON.stringify(value(text).slice(0, 40))}`);
  const n = Number(m[1]) * (UNITS[(m[2] ?? '').toUpperCase()] ?? 1);
  if (n <= 0) return bad('must be more than 0 bytes');
  return ok(n);
}

/** limit-cpu: percent of one core, > 0, may exceed 100. */
export function parsePercent(text: string): Parsed<number> {
  const v = value(text).replace(/%$/, '');
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0) return bad(`not a percentage above 0: ${JSON.stringify(value(text).slice(0, 40))}`);
  return ok(Number(v));
}

export type Action = 'restart' | 'alert' | 'stop';

export function parseAction(text: string): Parsed<Action> {
  const v = value(text);
  if (v === 'restart' || v === 'alert' || v === 'stop') return ok(v);
  return bad(`not one of restart, alert, stop: ${JSON.stringify(v.slice(0, 40))}`);
}

/** restart-backoff: "BASE MAX" in seconds, BASE > 0, MAX >= BASE. */
export function parseBackoff(text: string): Parsed<{ base: number; max: number }> {
  const parts = value(text).split(/\s+/);
  if (parts.length !== 2) return bad('expected two numbers of seconds: BASE MAX');
  const base = parseSeconds(parts[0] ?? '');
  const max = parseSeconds(parts[1] ?? '');
  if (!base.ok) return base;
  if (!max.ok) return max;
  if (base.value <= 0) return bad('BASE must be more than 0 seconds');
  if (max.value < base.value) return bad('MAX is less than BASE');
  return ok({ base: base.value, max: max.value });
}

/** restart-giveup: "N T": N failures within T seconds. */
export function parseGiveup(text: string): Parsed<{ failures: number; within: number }> {
  const parts = value(text).split(/\s+/);
  if (parts.length !== 2) return bad('expected a count and a number of seconds: N T');
  const n = parseCount(parts[0] ?? '');
  const t = parseSeconds(parts[1] ?? '');
  if (!n.ok) return n;
  if (!t.ok) return t;
  if (t.value <= 0) return bad('T must be more than 0 seconds');
  return ok({ failures: n.value, within: t.value });
}

/** restart-never: exit codes 0-255, separated by blanks. */
export function parseExitCodes(text: string): Parsed<number[]> {
  const parts = value(text).split(/\s+/).filter((p) => p !== '');
  if (parts.length === 0) return bad('no exit code');
  const codes: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p) || Number(p) > 255) return bad(`not an exit code (0-255): ${JSON.stringify(p.slice(0, 40))}`);
    codes.push(Number(p));
  }
  return ok(codes);
}

/** health/tcp: PORT or HOST:PORT ([v6]:PORT for an IPv6 address). */
export function parseTcpTarget(text: string): Parsed<{ host: string; port: number }> {
  const v = value(text);
  const m = /^(?:(\[[^\]]+\]|[^:\s]+):)?(\d+)$/.exec(v);
  const port = Number(m?.[2]);
  if (m === null || port < 1 || port > 65535) return bad(`not PORT or HOST:PORT: ${JSON.stringify(v.slice(0, 60))}`);
  const host = (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, '');
  return ok({ host, port });
}

/** health/http: an http:// URL (https is not checked: a local health endpoint speaks plain HTTP). */
export function parseHttpUrl(text: string): Parsed<URL> {
  const v = value(text);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return bad(`not a URL: ${JSON.stringify(v.slice(0, 60))}`);
  }
  if (url.protocol !== 'http:') return bad(`not an http:// URL: ${JSON.stringify(v.slice(0, 60))}`);
  return ok(url);
}
