// svnotify: a ready-made notify hook that delivers events by mail and webhook, in batches (docs/svnotify.md).
import { hostname } from 'node:os';
import { stat } from 'node:fs/promises';
import { SvkitError, unable, type ServiceEvent } from '@svkit/core';
import { announceSender, buildConfig, CONFIG_DIR, flushRun, hookRun, readConfigDir, senderRun, startDetachedSender, type Delivery, type NotifyConfig, type RawSettings, type RunDeps } from '@svkit/core/notify';
import { version } from './_cli/help.ts';
import { runMain, EXIT_OK, EXIT_TEMPORARY } from './_cli/run.ts';
import { warn } from './_cli/stderr.ts';
import { usageError } from './_cli/usage.ts';

const PROG = 'svnotify';
const EVENT_CAP = 64 * 1024;
/** The sender lock, as the hook hands it to the detached sender. */
const LOCK_FD = 3;

const VALUED: Readonly<Record<string, keyof RawSettings | 'config'>> = {
  '--config': 'config', '--smtp': 'smtp', '--from': 'from', '--to': 'to', '--webhook': 'webhook', '--only': 'only',
  '--batch': 'batch', '--timeout': 'timeout', '--spool': 'spool', '--smtp-password-file': 'smtpPasswordFile', '--webhook-token-file': 'webhookTokenFile',
};

interface Args { flags: RawSettings; config?: string; mode: 'hook' | 'flush' | 'sender'; passed: string[] }

function parseArgs(argv: string[]): Args {
  const out: Args = { flags: {}, mode: 'hook', passed: [] };
  let operands = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const key = VALUED[a];
    if (key !== undefined) {
      const v = argv[++i];
      if (v === undefined) throw usageError();
      if (key === 'config') out.config = v;
      else out.flags[key] = v;
      out.passed.push(a, v);
    } else if (a === '--flush' && out.mode === 'hook') out.mode = 'flush';
    else if (a === '--sender' && i === 0) out.mode = 'sender';
    else if (a.startsWith('-') || ++operands > 1) throw usageError();
    // The operand is the kind a hook gets as $1: the event on stdin says it too.
  }
  return out;
}

async function loadConfig(args: Args): Promise<NotifyConfig> {
  const dir = args.config ?? CONFIG_DIR;
  if (args.config !== undefined) {
    const st = await stat(dir).catch((err: unknown) => { throw unable(`open ${dir}`, err, 'permanent'); });
    if (!st.isDirectory()) throw new SvkitError('permanent', `unable to open ${dir}: not a directory`);
  }
  const files = await readConfigDir(dir);
  return buildConfig(files.raw, files.sources, args.flags);
}

async function readEvent(): Promise<ServiceEvent> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > EVENT_CAP) throw new SvkitError('permanent', `unable to read the event on stdin: over ${EVENT_CAP} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  let e: unknown;
  try {
    e = JSON.parse(text);
  } catch {
    throw new SvkitError('permanent', `unable to read the event on stdin: ${text === '' ? 'nothing there' : 'not JSON'}`);
  }
  const ok = typeof e === 'object' && e !== null && typeof (e as ServiceEvent).kind === 'string' && typeof (e as ServiceEvent).service === 'string' && typeof (e as ServiceEvent).time === 'number';
  if (!ok) throw new SvkitError('permanent', 'unable to read the event on stdin: not an event (kind, service, time)');
  return e as ServiceEvent;
}

/** The failures as warnings: exit 111 when any destination failed. */
function report(d: Delivery): number {
  for (const w of d.failed) warn(PROG, w);
  return d.failed.length > 0 ? EXIT_TEMPORARY : EXIT_OK;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const cfg = await loadConfig(args);
  const deps: RunDeps = {
    host: hostname(),
    userAgent: `svnotify (svkit) ${version()}`,
    startSender: (fd) => startDetachedSender(fd, args.passed),
  };
  if (args.mode === 'sender') {
    // ALRM (svnotify --flush) ends the window; the pid is written only once that is handled, and
    // the handler stays: a later ALRM while sending must not end the process (ALRM's default).
    const flush = new Promise<void>((resolve) => process.on('SIGALRM', () => resolve()));
    announceSender(LOCK_FD, process.pid);
    return report(await senderRun(cfg, LOCK_FD, flush, deps));
  }
  if (args.mode === 'flush') {
    process.on('SIGALRM', () => {}); // sending in the foreground, it is the sender another --flush may signal
    const r = await flushRun(cfg, deps);
    return r.kind === 'sent' ? report(r.delivery) : EXIT_OK;
  }
  const r = await hookRun(cfg, await readEvent(), deps);
  if (r.kind === 'filtered') return EXIT_OK;
  if (r.dropped) warn(PROG, `unable to spool the event: ${cfg.spool}/events is full, dropping it (counted, reported with the next batch)`);
  const code = r.kind === 'sent' ? report(r.delivery) : EXIT_OK;
  return r.dropped ? EXIT_TEMPORARY : code;
}

runMain(import.meta.url, {
  prog: PROG,
  usage: 'svnotify [--config dir] [--smtp url --from addr --to addr] [--webhook url] [--only kinds] [--batch s] [--timeout s] [--spool dir] [--flush] [kind]',
  summary: 'a notify hook that delivers service events by mail and webhook, in batches',
  details: [
    '  --config DIR              setting files, one value each (default: notify.d of the service dir)',
    '  --smtp URL                smtp://[user@]host[:port] (STARTTLS when offered) or smtps://...',
    '  --from ADDR, --to ADDRS   the sender, the recipients (comma-separated)',
    '  --smtp-password-file F    the SMTP password, in a file of mode 600 (never on the command line)',
    '  --webhook URL             POST each batch as JSON to URL (http or https)',
    '  --webhook-token-file F    sent as "Authorization: Bearer TOKEN"; the file must be mode 600',
    '  --only KINDS              kinds to deliver (default failed,limit,unhealthy,exit-nonzero; all)',
    '  --batch S                 seconds a batch collects events (default 60; 0: each at once)',
    '  --timeout S               seconds one delivery may take (default 20)',
    '  --spool DIR               where events wait (default supervise/notify-spool)',
    '  --flush                   send what waits now',
    'As S/notify: #!/bin/sh, then exec svnotify "$@". Flags win over files.',
  ].join('\n'),
  main,
});
