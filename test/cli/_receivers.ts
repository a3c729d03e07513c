// Real receivers for svnotify's tests (not a test file itself): an SMTP server (the smtp-server
// package) and an HTTP server (node:http), both on 127.0.0.1 with a port the kernel picks, and
// a server that accepts and never says a word (an SMTP server that hangs).
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Mail {
  readonly from: string;
  readonly to: string[];
  /** The message as received, headers and body, quoted-printable undone. */
  readonly text: string;
  readonly subject: string;
}

export interface Smtp {
  readonly port: number;
  readonly mails: Mail[];
  close(): Promise<void>;
}

/** Undoes quoted-printable (nodemailer uses it for long lines). */
function unQuote(body: string): string {
  return body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** An SMTP server; with rejectRcpt every recipient is refused with 550. */
export async function startSmtp(opts: { rejectRcpt?: boolean } = {}): Promise<Smtp> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (opts.rejectRcpt === true) {
        const err = Object.assign(new Error('5.1.1 no such user here'), { responseCode: 550 });
        callback(err);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (b: Buffer) => chunks.push(b));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const text = unQuote(raw);
        const subject = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1]?.replace(/\r?\n[ \t]/g, ' ') ?? '';
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        mails.push({ from, to: session.envelope.rcptTo.map((r) => r.address), text, subject });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface Posted {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Http {
  port: number;
  readonly posts: Posted[];
  /** The status the next requests get (200 unless set). */
  status: number;
  /** While set, answers wait for it (the request is in posts already). */
  hold: Promise<void> | undefined;
  close(): Promise<void>;
}

export async function startHttp(): Promise<Http> {
  const posts: Posted[] = [];
  const self: Http = { port: 0, posts, status: 200, hold: undefined, close: async () => {} };
  const server = createHttpServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (s: string) => { body += s; });
    req.on('end', () => {
      posts.push({ headers: req.headers, body });
      void (self.hold ?? Promise.resolve()).then(() => {
        res.writeHead(self.status, { 'Content-Type': 'text/plain' });
        res.end('ok\n');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self.port = (server.address() as AddressInfo).port;
  self.close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return self;
}

/** A TCP server that accepts and never answers: an SMTP server that hangs before its greeting. */
export async function startSilent(): Promise<{ port: number; accepted: () => number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server = createNetServer((s) => { sockets.push(s); s.on('error', () => {}); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => sockets.length,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}
