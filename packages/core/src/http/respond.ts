// Small answers: JSON bodies, JSON errors, and request bodies read under a size cap.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const BODY_CAP = 4096;

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'",
};

export function headers(type: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...SECURITY_HEADERS, 'Content-Type': type, ...extra };
}

export function sendJson(res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void {
  const body = JSON.stringify(value) + '\n';
  res.writeHead(status, headers('application/json; charset=utf-8', { 'Content-Length': String(Buffer.byteLength(body)), ...extra }));
  res.end(body);
}

export function sendError(res: ServerResponse, status: number, error: string, extra: Record<string, string> = {}): void {
  sendJson(res, status, { error }, extra);
}

export class TooLarge extends Error {}

/** The body, or TooLarge past CAP bytes (by Content-Length or by what arrives). */
export function readBody(req: IncomingMessage, cap = BODY_CAP): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > cap) return reject(new TooLarge());
    const parts: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > cap) {
        req.removeAllListeners('data');
        reject(new TooLarge());
        req.resume();
      } else parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}
