/** A way out of AetherBoard for notifications: one small interface, one file per implementation. */
export interface Delivery {
  url: string;
  secret: string;
  eventType: string;
  body: string;
  attempt: number;
}

export interface DeliveryResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

export interface Notifier {
  readonly name: string;
  deliver(d: Delivery): Promise<DeliveryResult>;
}
