// Sends what each destination has waiting in the spool: one mail, one POST. A destination whose
// delivery fails keeps its events for the next batch (at most PENDING_MAX of them).
import type { NotifyConfig } from './config.ts';
import { sendMail } from './mail.ts';
import { renderMail, renderWebhook } from './render.ts';
import { clearPending, pendingEvents, type Destination } from './spool.ts';
import { postWebhook, shownUrl } from './webhook.ts';

export interface Delivery {
  /** Destinations and how many events each got. */
  readonly sent: readonly { destination: Destination; events: number }[];
  /** One warning text ("unable to send mail to X: REASON") per failed destination. */
  readonly failed: readonly string[];
}

export function destinations(cfg: NotifyConfig): Destination[] {
  return [...(cfg.smtp === undefined ? [] : ['mail' as const]), ...(cfg.webhook === undefined ? [] : ['webhook' as const])];
}

export async function deliverPending(cfg: NotifyConfig, host: string, userAgent: string): Promise<Delivery> {
  const sent: { destination: Destination; events: number }[] = [];
  const failed: string[] = [];
  for (const d of destinations(cfg)) {
    const events = pendingEvents(cfg.spool, d);
    if (events.length === 0) continue;
    try {
      if (d === 'mail' && cfg.smtp !== undefined) {
        await sendMail(cfg.smtp, renderMail(events, host), cfg.timeout).catch((err: Error) => {
          throw new Error(`unable to send mail to ${cfg.smtp?.to.join(', ') ?? ''}: ${err.message}`);
        });
      } else if (d === 'webhook' && cfg.webhook !== undefined) {
        const url = shownUrl(cfg.webhook.url);
        await postWebhook(cfg.webhook, renderWebhook(events, host), cfg.timeout, userAgent).catch((err: Error) => {
          throw new Error(`unable to send the events to ${url}: ${err.message}`);
        });
      }
      clearPending(cfg.spool, d);
      sent.push({ destination: d, events: events.length });
    } catch (err) {
      failed.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { sent, failed };
}
