// Webhook delivery: one JSON POST with Node's own http/https client (certificates checked, no
// redirect followed); a 2xx answer is success, anything else (or no answer in time) a failure.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { WebhookTarget } from './config.ts';
import { reason } from './reason.ts';

/** The URL as messages show it: no query (it may carry a key), no user. */
export function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** POSTs body; throws an Error whose message is the reason (one line). */
export function postWebhook(target: WebhookTarget, body: string, timeoutS: number, userAgent: string): Promise<void> {
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<void>((resolve, reject) => {
    const req = send(target.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'User-Agent': userAgent,
        ...(target.token === undefined ? {} : { Authorization: `Bearer ${target.token}` }),
      },
    }, (res) => {
      res.resume(); // the answer's body is not needed, only read to free the socket
      res.on('end', () => {
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`HTTP ${status}${res.statusMessage === undefined || res.statusMessage === '' ? '' : ` ${res.statusMessage}`}`));
      });
      res.on('error', (err) => reject(new Error(reason(err))));
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutS} s`)), timeoutS * 1000);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(reason(err)));
    });
    req.end(body);
  });
}
