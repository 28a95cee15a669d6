import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { ChangeBus, ChangeEvent } from '../service/context.js';
import type { Database } from './db.js';

const CHANNEL = 'aetherboard_events';
/** NOTIFY payloads are limited to 8000 bytes; larger event data stays local (clients refetch). */
const MAX_PAYLOAD = 7000;
const HEARTBEAT_COALESCE_MS = 250;

/**
 * Live events across replicas: what one replica emits is NOTIFYed on PostgreSQL and re-emitted by
 * every other replica to its own dashboard clients, so a browser sees the same live fleet
 * whichever replica it is connected to.
 */
export class PgBusBridge {
  private client: pg.Client | null = null;
  private readonly origin = randomBytes(6).toString('hex');
  private readonly lastBeat = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly database: Database,
    private readonly bus: ChangeBus,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.database.url,
      ...(this.database.schema ? { options: `-c search_path="${this.database.schema}"` } : {}),
    });
    await client.connect();
    client.on('notification', (n) => {
      if (!n.payload) return;
      try {
        const m = JSON.parse(n.payload) as { o: string; e: ChangeEvent };
        if (m.o !== this.origin) this.bus.emitLocal(m.e);
      } catch {
        // Not ours, or truncated: ignore.
      }
    });
    client.on('error', () => {
      if (!this.stopped) void this.restart();
    });
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
    this.bus.outbound = (e) => this.send(e);
  }

  private async restart(): Promise<void> {
    this.client = null;
    await new Promise((r) => setTimeout(r, 1000));
    if (!this.stopped) await this.start().catch(() => this.restart());
  }

  private send(e: ChangeEvent): void {
    if (e.type === 'heartbeats') {
      // Heartbeat flushes come many times a second; other replicas need to hear of them, not all of them.
      const t = performance.now();
      if (t - (this.lastBeat.get(e.workspace_id) ?? 0) < HEARTBEAT_COALESCE_MS) return;
      this.lastBeat.set(e.workspace_id, t);
    }
    let payload = JSON.stringify({ o: this.origin, e });
    if (payload.length > MAX_PAYLOAD) payload = JSON.stringify({ o: this.origin, e: { ...e, data: undefined } });
    this.database.pool?.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.bus.outbound = null;
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }
}
