// Prometheus text exposition format 0.0.4, byte for byte as prom-client 15 writes it (its
// registry.js and util.js), so svhttp's hand-written families read exactly as its own did:
// test/unit/http-promtext.test.ts builds the same families with prom-client and compares.
// Pure: strings in, strings out.

/** A sample's value: JavaScript's number text, `Nan` (sic, as prom-client writes it), `+Inf`, `-Inf`. */
export function promValue(v: number): string {
  if (Number.isNaN(v)) return 'Nan';
  if (!Number.isFinite(v)) return v < 0 ? '-Inf' : '+Inf';
  return `${v}`;
}

/** HELP text and metric names: backslash and newline escaped. */
export function promEscape(s: string): string {
  return /[\\\n]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : s;
}

/** A label value between double quotes: backslash, newline and double quote escaped. */
export function promLabelValue(s: string): string {
  return /[\\\n"]/.test(s) ? promEscape(s).replace(/"/g, '\\"') : s;
}

/** The `# HELP` and `# TYPE` lines of a family, without a final newline. */
export function promHeader(name: string, help: string, type: 'gauge' | 'counter'): string {
  const n = promEscape(name);
  return `# HELP ${n} ${promEscape(help)}\n# TYPE ${n} ${type}`;
}
