import type { AetherBoardClient, Alert } from '@aetherboard/sdk';

/** The run's alerts: its own agents' (by id prefix) and fleet outages, opened since it started. */
export function ours(a: Alert, prefix: string, start: number): boolean {
  if (Date.parse(a.opened_at) < start) return false;
  if (a.agent_id === null) return a.kind === 'fleet_outage';
  return prefix === '' || a.agent_id.startsWith(prefix);
}

/** Counts alerts as they open, newest first, reading only what is new since the last look. */
export class AlertWatch {
  private readonly seen = new Set<string>();
  private total = 0;
  private p1 = 0;
  private last = 0;
  constructor(
    private readonly client: AetherBoardClient,
    private readonly keep: (a: Alert) => boolean,
  ) {}

  async poll(now: number): Promise<{ total: number; p1: number }> {
    if (now - this.last >= 1000) {
      this.last = now;
      let cursor: string | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const page = await this.client.alerts.list({ limit: 200, cursor });
        let fresh = 0;
        for (const a of page.items) {
          if (this.seen.has(a.alert_id)) continue;
          fresh += 1;
          this.seen.add(a.alert_id);
          if (!this.keep(a)) continue;
          this.total += 1;
          if (a.severity === 'P1') this.p1 += 1;
        }
        if (fresh < page.items.length || !page.next_cursor) break;
        cursor = page.next_cursor;
      }
    }
    return { total: this.total, p1: this.p1 };
  }
}

/** Every alert of the run; pages are newest first, so reading stops at the first page older than the run. */
export async function collectAlerts(client: AetherBoardClient, start: number, keep: (a: Alert) => boolean): Promise<Alert[]> {
  const out: Alert[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await client.alerts.list({ limit: 1000, cursor });
    for (const a of page.items) if (keep(a)) out.push(a);
    if (!page.next_cursor || page.items.every((a) => Date.parse(a.opened_at) < start)) return out;
    cursor = page.next_cursor;
  }
}
