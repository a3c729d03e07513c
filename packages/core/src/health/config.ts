// The health files of a service dir, read at each start with readServiceFile(): a file that is
// absent leaves today's default, a bad one gets one warning naming it and is ignored.
import { readdir, access, constants } from 'node:fs/promises';
import { queuedFdOp } from '../os/fdqueue.ts';
import { join } from 'node:path';
import { readServiceFile } from '../os/servicefile.ts';
import { errnoText } from '../formats/errno.ts';
import * as p from './parse.ts';

export interface CheckConfig {
  readonly tcp?: { readonly host: string; readonly port: number };
  readonly http?: URL;
  /** health/check exists and is executable. */
  readonly script: boolean;
  readonly interval: number;
  readonly timeout: number;
  readonly retries: number;
  readonly action: p.Action;
}

export interface HealthConfig {
  readonly notificationFd?: number;
  readonly timeoutReady?: number;
  readonly backoff?: { readonly base: number; readonly max: number };
  readonly reset: number;
  readonly giveup?: { readonly failures: number; readonly within: number };
  readonly never: readonly number[];
  readonly limitMemory?: number;
  readonly limitCpu?: number;
  readonly limitSamples: number;
  readonly limitInterval: number;
  readonly limitAction: p.Action;
  readonly checks?: CheckConfig;
  /** Names of the health files present: a service with none behaves exactly as before. */
  readonly files: readonly string[];
}

export const DEFAULTS = {
  reset: 60_000, limitSamples: 3, limitInterval: 1000, limitAction: 'restart',
  interval: 10_000, timeout: 5000, retries: 3, action: 'restart',
} as const;

export const NO_HEALTH: HealthConfig = {
  reset: DEFAULTS.reset, never: [], limitSamples: DEFAULTS.limitSamples, limitInterval: DEFAULTS.limitInterval,
  limitAction: DEFAULTS.limitAction, files: [],
};

const TOP_FILES = ['notification-fd', 'timeout-ready', 'restart-backoff', 'restart-reset', 'restart-giveup',
  'restart-never', 'limit-memory', 'limit-cpu', 'limit-samples', 'limit-interval', 'limit-action'] as const;
const CHECK_FILES = ['tcp', 'http', 'interval', 'timeout', 'retries', 'action'] as const;

async function names(dir: string): Promise<Set<string>> {
  try {
    return new Set(await queuedFdOp(() => readdir(dir)));
  } catch {
    return new Set();
  }
}

/**
 * Reads the health files of service dir CWD (named DIR in warnings). One readdir finds which
 * exist (or LISTING, the start pass's, when given), so a service without them reads nothing.
 */
export async function loadHealthConfig(cwd: string, dir: string, warn: (m: string) => void, listing?: ReadonlySet<string>): Promise<HealthConfig> {
  const top = listing ?? await names(cwd);
  if (!top.has('health') && !TOP_FILES.some((f) => top.has(f))) return NO_HEALTH;
  const present: string[] = TOP_FILES.filter((f) => top.has(f));
  const inHealth = top.has('health') ? await names(join(cwd, 'health')) : new Set<string>();
  const texts = new Map<string, string>();
  const read = async (rel: string): Promise<void> => {
    try {
      const f = await readServiceFile(join(cwd, rel));
      if (f.kind === 'ok') texts.set(rel, f.data.toString('latin1'));
      else if (f.kind === 'not-regular') warn(`unable to read ${dir}/${rel}: not a regular file (${f.type}), ignored`);
      else if (f.kind === 'too-big') warn(`unable to read ${dir}/${rel}: larger than ${f.cap} bytes, ignored`);
    } catch (err) {
      warn(`unable to read ${dir}/${rel}: ${errnoText(err)}`);
    }
  };
  const checkRel = CHECK_FILES.filter((f) => inHealth.has(f)).map((f) => `health/${f}`);
  await Promise.all([...present, ...checkRel].map(read));
  const get = <T>(rel: string, parse: (t: string) => p.Parsed<T>): T | undefined => {
    const text = texts.get(rel);
    if (text === undefined) return undefined;
    const r = parse(text);
    if (r.ok) return r.value;
    warn(`unable to parse ${dir}/${rel}: ${r.why}, ignored`);
    return undefined;
  };
  let script = false;
  if (inHealth.has('check')) {
    const st = await readServiceFile(join(cwd, 'health/check'), 0).catch(() => undefined);
    if (st?.kind === 'not-regular') warn(`unable to run ${dir}/health/check: not a regular file (${st.type}), ignored`);
    else if (await access(join(cwd, 'health/check'), constants.X_OK).then(() => true, () => false)) script = true;
    else warn(`unable to run ${dir}/health/check: not executable, ignored`);
  }
  const tcp = get('health/tcp', p.parseTcpTarget);
  const http = get('health/http', p.parseHttpUrl);
  const checks: CheckConfig | undefined = tcp !== undefined || http !== undefined || script
    ? {
        ...(tcp !== undefined ? { tcp } : {}), ...(http !== undefined ? { http } : {}), script,
        interval: get('health/interval', (t) => positive(p.parseSeconds(t))) ?? DEFAULTS.interval,
        timeout: get('health/timeout', (t) => positive(p.parseSeconds(t))) ?? DEFAULTS.timeout,
        retries: get('health/retries', (t) => p.parseCount(t)) ?? DEFAULTS.retries,
        action: get('health/action', p.parseAction) ?? DEFAULTS.action,
      }
    : undefined;
  const opt = <K extends string, T>(key: K, v: T | undefined): { [k in K]?: T } => (v === undefined ? {} : { [key]: v }) as { [k in K]?: T };
  return {
    ...opt('notificationFd', get('notification-fd', p.parseFd)),
    ...opt('timeoutReady', get('timeout-ready', (t) => positive(p.parseSeconds(t)))),
    ...opt('backoff', get('restart-backoff', p.parseBackoff)),
    reset: get('restart-reset', (t) => p.parseSeconds(t)) ?? DEFAULTS.reset,
    ...opt('giveup', get('restart-giveup', p.parseGiveup)),
    never: get('restart-never', p.parseExitCodes) ?? [],
    ...opt('limitMemory', get('limit-memory', p.parseBytes)),
    ...opt('limitCpu', get('limit-cpu', p.parsePercent)),
    limitSamples: get('limit-samples', (t) => p.parseCount(t)) ?? DEFAULTS.limitSamples,
    limitInterval: get('limit-interval', (t) => positive(p.parseSeconds(t))) ?? DEFAULTS.limitInterval,
    limitAction: get('limit-action', p.parseAction) ?? DEFAULTS.limitAction,
    ...opt('checks', checks),
    files: [...present, ...(inHealth.size > 0 ? ['health'] : [])],
  };
}

function positive(r: p.Parsed<number>): p.Parsed<number> {
  return r.ok && r.value <= 0 ? { ok: false, why: 'must be more than 0 seconds' } : r;
}
