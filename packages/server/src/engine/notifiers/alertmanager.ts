import type { ServiceContext } from '../../service/context.js';
import { allSettings, type IntegrationOptions } from '../../integrations/settings.js';
import type { NotifyStats } from '../../integrations/stats.js';
import { markForwarded, openAlertsOf, owedResolutions, type AlertForForwarding } from '../../integrations/store.js';

const TARGET = 'alertmanager';
const DEFAULT_RESEND_MS = 60_000;
/** Alertmanager treats an alert whose endsAt passed as resolved: four missed resends, as Prometheus does. */
const HORIZON_RESENDS = 4;
const RETRY_MS = 15_000;
/** A change is pushed at once and again shortly after, in case the push read just before a concurrent write committed. */
const CONFIRM_MS = 5_000;
const MAX_ALERTS = 10_000;
const CHUNK = 500;

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

/** The alert as Alertmanager sees it: labels to route on, our summary as annotation. */
export function toAlertmanager(a: AlertForForwarding, endsAt: number): AlertmanagerAlert {
  const labels: Record<string, string> = { alertname: a.kind, kind: a.kind, severity: a.severity, workspace: a.workspace_id };
  if (a.agent_id) labels.agent = a.agent_id;
  if (a.pod_id) labels.pod = a.pod_id;
  if (a.team_id) labels.team = a.team_id;
  if (a.priority_tier) labels.tier = a.priority_tier;
  return {
    labels,
    annotations: { summary: a.summary, alert_id: a.alert_id, status: a.status, escalation_level: String(a.escalation_level) },
    startsAt: new Date(a.opened_at).toISOString(),
    endsAt: new Date(Math.max(endsAt, a.opened_at)).toISOString(),
  };
}

export function alertsEndpoint(base: string): string {
  const b = base.replace(/\/+$/, '');
  return b.endsWith('/api/v2/alerts') ? b : `${b}/api/v2/alerts`;
}

/**
 * Mirrors each workspace's alerts into its Alertmanager, so teams route AetherBoard alerts with the
 * routing they already have. Open alerts are re-sent every minute with `endsAt` a few resends
 * ahead (Alertmanager resolves them by itself if we go quiet); a resolution is sent with `endsAt`
 * at the moment ours resolved. What was sent is stored, so a resolution owed before a restart is
 * still delivered after it.
 */
export class AlertmanagerForwarder {
  private readonly due = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private lastLook = Number.NEGATIVE_INFINITY;
  /** The flip history read so far: alert events in it say which workspaces changed. */
  private seenSeq: number | null = null;
  private readonly resendMs: number;

  constructor(
    private readonly svc: ServiceContext,
    private readonly opts: IntegrationOptions,
    private readonly stats: NotifyStats,
    private readonly timeoutMs = 5_000,
  ) {
    this.resendMs = opts.alertmanagerResendMs ?? DEFAULT_RESEND_MS;
  }

  async run(now: number): Promise<void> {
    // Looking once a second is plenty; the manual clock looks on every pass.
    if (this.svc.clock.kind === 'real' && now - this.lastLook < 1_000) return;
    this.lastLook = now;
    await this.noteChanges();
    for (const { ws, settings } of await allSettings(this.svc.database.db, this.opts)) {
      const url = settings.alertmanager_url;
      if (!url) continue;
      const changed = this.dirty.delete(ws);
      if (!changed && now < (this.due.get(ws) ?? 0)) continue;
      const ok = await this.sync(ws, alertsEndpoint(url), now);
      this.due.set(ws, now + (!ok ? RETRY_MS : changed ? Math.min(CONFIRM_MS, this.resendMs) : this.resendMs));
    }
  }

  /** Alert events since the last look (any process may have written them) make their workspace due now. */
  private async noteChanges(): Promise<void> {
    const db = this.svc.database.db;
    if (this.seenSeq === null) {
      // At start every workspace is due anyway.
      const head = await db.selectFrom('events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
      this.seenSeq = Number(head?.seq ?? 0);
      return;
    }
    for (;;) {
      const rows = await db.selectFrom('events').select(['seq', 'workspace_id', 'type']).where('seq', '>', this.seenSeq).orderBy('seq').limit(5_000).execute();
      for (const r of rows) if (r.type.startsWith('alert.')) this.dirty.add(r.workspace_id);
      if (rows.length > 0) this.seenSeq = Number(rows[rows.length - 1]!.seq);
      if (rows.length < 5_000) return;
    }
  }

  private async sync(ws: string, endpoint: string, now: number): Promise<boolean> {
    const db = this.svc.database.db;
    const owed = await owedResolutions(db, TARGET, ws, MAX_ALERTS);
    const open = await openAlertsOf(db, ws, MAX_ALERTS);
    if (owed.length === 0 && open.length === 0) return true;
    // Resolutions first: a condition that cleared and came back has the same labels, and the
    // newer, firing one must be the last word.
    const payload = [...owed.map((a) => toAlertmanager(a, a.resolved_at ?? now)), ...open.map((a) => toAlertmanager(a, now + HORIZON_RESENDS * this.resendMs))];
    for (let i = 0; i < payload.length; i += CHUNK) {
      const ok = await this.post(endpoint, payload.slice(i, i + CHUNK));
      this.stats.count(ws, TARGET, ok);
      if (!ok) return false;
    }
    await markForwarded(
      db,
      TARGET,
      ws,
      open.map((a) => a.alert_id),
      owed.map((a) => a.alert_id),
      now,
    );
    return true;
  }

  private async post(endpoint: string, alerts: AlertmanagerAlert[]): Promise<boolean> {
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'AetherBoard-Alertmanager/1' },
        body: JSON.stringify(alerts),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text().catch(() => '');
      if (!res.ok) process.stderr.write(`alertmanager: ${endpoint} answered ${res.status}: ${text.slice(0, 200)}\n`);
      return res.ok;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      process.stderr.write(`alertmanager: ${endpoint} unreachable: ${e.cause?.code ?? e.message}\n`);
      return false;
    }
  }
}
