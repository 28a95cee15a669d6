import { createHmac } from 'node:crypto';
import type { Delivery, DeliveryResult, Notifier } from './notifier.js';

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** POSTs the event as JSON, signed so the receiver can tell it came from us and was not altered. */
export class WebhookNotifier implements Notifier {
  readonly name = 'webhook';
  constructor(private readonly timeoutMs = 5_000) {}

  async deliver(d: Delivery): Promise<DeliveryResult> {
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'AetherBoard-Webhook/1',
          'x-aetherboard-event': d.eventType,
          'x-aetherboard-delivery-attempt': String(d.attempt),
          'x-aetherboard-signature': signature(d.secret, d.body),
        },
        body: d.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.ok ? { ok: true, statusCode: res.status, error: null } : { ok: false, statusCode: res.status, error: `receiver answered ${res.status}` };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return { ok: false, statusCode: null, error: e.cause?.code ?? e.name ?? 'network error' };
    }
  }
}
