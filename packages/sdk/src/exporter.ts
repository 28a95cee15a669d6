import { backoffDelay, type BackoffOptions } from './backoff.js';
import { AetherBoardError } from './errors.js';
import type { Transport } from './http.js';
import { serialise, type InvocationRecord } from './record.js';

export interface ExporterOptions {
  /** Finished invocations per request (the server takes up to 5,000). Default 1,000. */
  batchSize?: number;
  /** Finished invocations held while the server is slow or away; beyond it new ones are dropped and counted. Default 10,000. */
  maxBuffer?: number;
  /** How often a partial batch is sent. Default 1 s. */
  flushIntervalMs?: number;
  /** A request never grows past this many bytes, whatever the batch size. Default 4 MiB. */
  maxBatchBytes?: number;
  requestTimeoutMs?: number;
  backoff?: BackoffOptions;
}

export interface ExportStats {
  /** Invocations the server acknowledged as stored. */
  sent: number;
  /** Invocations discarded because the buffer was full. */
  dropped: number;
  /** Invocations waiting to be sent, the batch in flight included. */
  buffered: number;
  /** Invocations the server refused (they are not retried). */
  rejected: number;
  /** Failed export requests (each retried later). */
  failed_requests: number;
}

export interface FlushResult {
  sent: number;
  remaining: number;
}

type ErrorSink = (err: Error) => void;

/**
 * Sends finished invocations in batches, in the background, one request at a time. A failed
 * request keeps its batch at the head of the buffer and is retried after a backoff; the server's
 * idempotency on `invocation_id` makes a retry after a lost answer harmless.
 */
export class Exporter {
  // A queue as an array and a head index: taking a batch off the front must not shift the rest.
  private buf: InvocationRecord[] = [];
  private head = 0;
  // What `push` reads sits next to the queue; the rest of the state follows.
  private readonly maxBuffer: number;
  private readonly batchSize: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private soon = false;
  private inFlight: Promise<boolean> | undefined;
  private readonly flushIntervalMs: number;
  private readonly maxBatchBytes: number;
  private readonly timeoutMs: number;
  private attempt = 0;
  private retryAt = 0;
  readonly stats: Omit<ExportStats, 'buffered'> = { sent: 0, dropped: 0, rejected: 0, failed_requests: 0 };

  constructor(
    private readonly transport: Transport,
    private readonly agentId: string,
    private readonly opts: ExporterOptions,
    private readonly onError: ErrorSink,
    /** Sees every finished record once, whether it is sent or dropped. */
    private readonly observe: (rec: InvocationRecord) => void = () => undefined,
  ) {
    this.batchSize = Math.min(Math.max(1, opts.batchSize ?? 1000), 5000);
    this.maxBuffer = Math.max(1, opts.maxBuffer ?? 10_000);
    this.flushIntervalMs = Math.max(10, opts.flushIntervalMs ?? 1000);
    this.maxBatchBytes = Math.max(64 * 1024, opts.maxBatchBytes ?? 4 * 1024 * 1024);
    this.timeoutMs = opts.requestTimeoutMs ?? 15_000;
  }

  get buffered(): number {
    return this.buf.length - this.head;
  }

  private take(n: number): void {
    this.head += n;
    if (this.head === this.buf.length) {
      this.buf = [];
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.buf.length) {
      this.buf = this.buf.slice(this.head);
      this.head = 0;
    }
  }

  /** Lets the observer see records still waiting (a heartbeat wants the latest vitals). */
  observePending(): void {
    for (let i = this.head; i < this.buf.length; i++) this.observe(this.buf[i]!);
  }

  /** The hot path: an array push, and now and then a wake-up. Never throws, never waits. */
  push(rec: InvocationRecord): void {
    if (this.buf.length - this.head >= this.maxBuffer) {
      this.stats.dropped += 1;
      this.observe(rec);
      return;
    }
    this.buf.push(rec);
    if (this.timer === undefined) this.arm();
    if (this.buf.length - this.head >= this.batchSize && !this.soon && this.inFlight === undefined) {
      this.soon = true;
      const t = setTimeout(() => {
        this.soon = false;
        void this.pump(false);
      }, 0);
      t.unref?.();
    }
  }

  private arm(): void {
    this.timer = setInterval(() => void this.pump(false), this.flushIntervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Sends one batch, then keeps going while full batches wait (or until empty when draining).
   * Stops at the first failure: the backoff decides when to try again.
   */
  private async pump(drain: boolean): Promise<void> {
    let first = true;
    while (this.inFlight === undefined && this.buffered > 0 && Date.now() >= this.retryAt) {
      if (!first && !drain && this.buffered < this.batchSize) return;
      first = false;
      this.inFlight = this.sendOne().finally(() => {
        this.inFlight = undefined;
      });
      if (!(await this.inFlight)) return;
    }
  }

  /** One request. Answers false when it failed and should be retried later. */
  private async sendOne(): Promise<boolean> {
    const n0 = Math.min(this.batchSize, this.buffered);
    const h = this.head;
    const parts: string[] = [];
    let bytes = 20;
    let n = 0;
    try {
      for (; n < n0; n++) {
        const rec = this.buf[h + n]!;
        this.observe(rec);
        const s = serialise(rec, this.agentId);
        if (n > 0 && bytes + s.length + 1 > this.maxBatchBytes) break;
        parts.push(s);
        bytes += s.length + 1;
      }
    } catch (err) {
      // Serialisation itself failing is a bug of ours; drop the one record rather than loop on it.
      this.buf.splice(h + n, 1);
      this.stats.rejected += 1;
      this.onError(err instanceof Error ? err : new Error(String(err)));
      return true;
    }
    try {
      const res = await this.transport.request<{ accepted: number; duplicates?: number; rejected: Array<{ index: number; error: { code: string; message: string } }> }>(
        'POST',
        '/api/invocations/batch',
        { rawBody: `{"invocations":[${parts.join(',')}]}`, timeoutMs: this.timeoutMs },
      );
      this.take(n);
      this.stats.sent += res.accepted;
      this.stats.rejected += res.rejected.length;
      this.attempt = 0;
      this.retryAt = 0;
      if (res.rejected.length > 0) {
        const first = res.rejected[0]!;
        this.onError(new AetherBoardError(202, first.error.code as AetherBoardError['code'], `${res.rejected.length} invocation(s) refused; first: ${first.error.message}`, res.rejected));
      }
      return true;
    } catch (err) {
      this.stats.failed_requests += 1;
      const e = err instanceof AetherBoardError ? err : new AetherBoardError(0, 'unreachable', String(err));
      if (e.retryable) {
        this.attempt += 1;
        this.retryAt = Date.now() + Math.max(backoffDelay(this.attempt, this.opts.backoff), e.retryAfterMs ?? 0);
      } else {
        // The server refused the request itself (bad key, no such agent...): retrying cannot help.
        this.take(n);
        this.stats.rejected += n;
      }
      this.onError(e);
      return false;
    }
  }

  /**
   * Sends everything buffered, waiting out backoffs, until the buffer is empty or the time is up.
   * Resolves (never rejects) with what was sent and what is left.
   */
  async flush(timeoutMs = 10_000): Promise<FlushResult> {
    const deadline = Date.now() + timeoutMs;
    const before = this.stats.sent;
    while (this.buffered > 0 && Date.now() < deadline) {
      if (this.inFlight !== undefined) {
        await this.inFlight;
        continue;
      }
      const wait = this.retryAt - Date.now();
      if (wait > 0) {
        await new Promise((r) => setTimeout(r, Math.min(wait, deadline - Date.now())));
        continue;
      }
      await this.pump(true);
    }
    return { sent: this.stats.sent - before, remaining: this.buffered };
  }
}
