// svhttp: the HTTP API, event stream, metrics and dashboard of one scan directory (docs/svhttp.md).
import { createSvhttp, loadTokens, type Token } from '@svkit/core/http';
import { SvkitError, unable } from '@svkit/core';
import { createWriteStream, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { runMain } from './_cli/run.ts';
import { usageError } from './_cli/usage.ts';
import { writeAll } from './_cli/stderr.ts';

const HELP = {
  prog: 'svhttp',
  usage: 'svhttp [--listen ADDR] [--token-file F] [--audit-log F] dir',
  summary: 'serves the services of a scan directory over HTTP: JSON API, events, metrics, dashboard',
  details: `  --listen ADDR      HOST:PORT or PORT to listen on (default 127.0.0.1:8379)
  --token-file F     lines "ro TOKEN" or "rw TOKEN", mode 600; required for a non-loopback ADDR
  --audit-log F      append one line per control request to F (default: stdout)
  dir                the scan directory`,
};

const DEFAULT_PORT = 8379;

function parse(args: string[]): { listen: string; tokenFile?: string; audit?: string; dir: string } {
  const out: { listen: string; tokenFile?: string; audit?: string; dir?: string } = { listen: `127.0.0.1:${DEFAULT_PORT}` };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw usageError();
      return v;
    };
    if (a === '--listen') out.listen = value();
    else if (a === '--token-file') out.tokenFile = value();
    else if (a === '--audit-log') out.audit = value();
    else if (a.startsWith('-') || out.dir !== undefined) throw usageError();
    else out.dir = a;
  }
  if (out.dir === undefined) throw usageError();
  return { ...out, dir: out.dir };
}

function hostPort(listen: string): { host: string; port: number } {
  const m = /^(?:\[?([^\]]*?)\]?:)?(\d{1,5})$/.exec(listen);
  const port = Number(m?.[2]);
  if (m === null || port > 65535) throw new SvkitError('usage', 'usage');
  return { host: m[1] === undefined || m[1] === '' ? '127.0.0.1' : m[1], port };
}

function loopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export async function main(args: string[]): Promise<number> {
  const opts = parse(args);
  const { host, port } = hostPort(opts.listen);
  try {
    if (!statSync(opts.dir).isDirectory()) throw new SvkitError('permanent', `unable to open ${opts.dir}: not a directory`);
  } catch (err) {
    if (err instanceof SvkitError) throw err;
    throw unable(`open ${opts.dir}`, err, 'permanent');
  }
  const tokens: Token[] | undefined = opts.tokenFile === undefined ? undefined : loadTokens(opts.tokenFile);
  if (tokens === undefined && !loopback(host)) throw new SvkitError('permanent', `refusing to listen on ${host} without --token-file (only loopback is served without tokens)`);
  const auditStream = opts.audit === undefined ? undefined : createWriteStream(opts.audit, { flags: 'a', mode: 0o600 });
  auditStream?.on('error', (err) => writeAll(2, `svhttp: warning: unable to write ${opts.audit ?? ''}: ${err.message}\n`));
  const audit = (line: string): void => {
    if (auditStream !== undefined) auditStream.write(line + '\n');
    else process.stdout.write(line + '\n');
  };
  const timeout = Number(process.env['SVHTTP_REQUEST_TIMEOUT_MS'] ?? '') || undefined;
  const server = createSvhttp({ scandir: opts.dir, ...(tokens === undefined ? {} : { tokens }), audit, ...(timeout === undefined ? {} : { requestTimeoutMs: timeout }) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(unable(`listen on ${opts.listen}`, err)));
    server.listen(port, host, resolve);
  });
  const addr = server.address();
  const shown = typeof addr === 'object' && addr !== null ? (addr.family === 'IPv6' ? `[${addr.address}]` : addr.address) + `:${addr.port}` : opts.listen;
  process.stdout.write(`listening on http://${shown}/\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  auditStream?.end();
  return 0;
}

runMain(import.meta.url, { ...HELP, main });
