import type { ServiceContext } from '../../service/context.js';
import { allSettings, type IntegrationOptions } from '../../integrations/settings.js';
import type { NotifyStats } from '../../integrations/stats.js';
import type { AlertForForwarding } from '../../integrations/store.js';
import { getMeta, setMeta } from '../../store/workspaces.js';

const TARGET = 'slack';
const CURSOR_KEY = 'slack_cursor';
const TYPES = ['alert.opened', 'alert.escalated', 'alert.resolved'];
const RETRY_MS = 30_000;
/** A message the receiver keeps refusing is skipped after this many tries, so it blocks nothing for long. */
const MAX_ATTEMPTS = 5;
const PAGE = 500;
const FIRST_LOOKBACK_MS = 5 * 60_000;

export interface SlackEvent {
  seq: number;
  workspace_id: string;
  type: string;
  to_value: string | null;
  reason: string | null;
}

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

/** Slack's mrkdwn treats these three as markup. */
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackMessage(e: SlackEvent, a: AlertForForwarding): SlackMessage {
  const [icon, verb] =
    e.type === 'alert.opened' ? [':rotating_light:', 'opened'] : e.type === 'alert.escalated' ? [':arrow_double_up:', `escalated to level ${e.to_value ?? '?'}`] : [':white_check_mark:', 'resolved'];
  const who = a.agent_id ? ` for ${a.agent_id}` : '';
  const facts = [
    `severity *${a.severity}*`,
    a.pod_id ? `pod ${esc(a.pod_id)}` : null,
    a.team_id ? `team ${esc(a.team_id)}` : null,
    a.priority_tier ? `tier ${a.priority_tier}` : null,
    `workspace ${esc(a.workspace_id)}`,
    `alert \`${a.alert_id}\``,
  ].filter((x): x is string => x !== null);
  const detail = e.type === 'alert.resolved' && e.reason ? `\n_${esc(e.reason)}_` : '';
  return {
    text: `${icon} [${a.severity}] ${a.kind} ${verb}${who}: ${a.summary}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${icon} *${esc(a.kind)}* ${verb}${who ? ` for \`${esc(a.agent_id!)}\`` : ''}\n${esc(a.summary)}${detail}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: facts.join(' · ') }] },
    ],
  };
}

/**
 * Posts P1 alert events (opened, escalated, resolved) to each workspace's Slack-compatible
 * incoming webhook. It reads the flip history from a stored cursor, so a restart neither loses nor
 * repeats a message that was delivered; the cursor starts at the head, so history is never replayed.
 */
export class SlackForwarder {
  private lastLook = Number.NEGATIVE_INFINITY;
  private retryAt = 0;
  private attempts = 0;

  constructor(
    private readonly svc: ServiceContext,
    private readonly opts: IntegrationOptions,
    private readonly stats: NotifyStats,
    private readonly timeoutMs = 5_000,
  ) {}

  async run(now: number): Promise<void> {
    if (this.svc.clock.kind === 'real' && now - this.lastLook < 1_000) return;
    this.lastLook = now;
    const db = this.svc.database.db;
    const urls = new Map<string, string>();
    for (const { ws, settings } of await allSettings(db, this.opts)) if (settings.slack_webhook_url) urls.set(ws, settings.slack_webhook_url);
    let stored = Number((await getMeta(db, CURSOR_KEY)) ?? NaN);
    if (!Number.isFinite(stored) && urls.size > 0) {
      // First run with a webhook already configured (from the environment): the last few minutes
      // may hold alerts opened by this very pass, so start a little back rather than at the head.
      const before = await db.selectFrom('events').select((eb) => eb.fn.max('seq').as('seq')).where('at', '<', now - FIRST_LOOKBACK_MS).executeTakeFirst();
      stored = Number(before?.seq ?? 0);
    }
    if (!Number.isFinite(stored) || urls.size === 0) {
      // Nobody listens yet: keep the cursor at the head, so whoever configures a webhook later
      // gets what happens from then on, not the backlog.
      const head = await db.selectFrom('events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
      const seq = Number(head?.seq ?? 0);
      if (seq !== stored) await setMeta(db, CURSOR_KEY, String(seq));
      return;
    }
    if (now < this.retryAt) return;
    let cursor = stored;
    const events = await db.selectFrom('events').select(['seq', 'workspace_id', 'type', 'to_value', 'reason', 'alert_id']).where('seq', '>', cursor).orderBy('seq').limit(PAGE).execute();
    const wanted = events.filter((e) => e.alert_id !== null && TYPES.includes(e.type) && urls.has(e.workspace_id));
    const alerts = await this.alertsById([...new Set(wanted.map((e) => e.alert_id!))]);
    for (const e of events) {
      const a = e.alert_id ? alerts.get(e.alert_id) : undefined;
      const url = urls.get(e.workspace_id);
      if (a && url && a.severity === 'P1' && TYPES.includes(e.type)) {
        const ok = await this.post(url, slackMessage({ ...e, seq: Number(e.seq) }, a));
        this.stats.count(e.workspace_id, TARGET, ok);
        if (!ok && ++this.attempts < MAX_ATTEMPTS) {
          this.retryAt = now + RETRY_MS;
          break;
        }
        this.attempts = 0;
      }
      cursor = Number(e.seq);
    }
    if (cursor !== stored) await setMeta(db, CURSOR_KEY, String(cursor));
  }

  private async alertsById(ids: string[]): Promise<Map<string, AlertForForwarding>> {
    if (ids.length === 0) return new Map();
    const rows = await this.svc.database.db
      .selectFrom('alerts as a')
      .leftJoin('agents as g', (j) => j.onRef('g.workspace_id', '=', 'a.workspace_id').onRef('g.agent_id', '=', 'a.agent_id'))
      .select(['a.alert_id', 'a.workspace_id', 'a.kind', 'a.severity', 'a.status', 'a.summary', 'a.agent_id', 'a.opened_at', 'a.resolved_at', 'a.escalation_level', 'g.pod_id', 'g.team_id', 'g.priority_tier'])
      .where('a.alert_id', 'in', ids)
      .execute();
    return new Map(rows.map((r) => [r.alert_id, r]));
  }

  private async post(url: string, msg: SlackMessage): Promise<boolean> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'AetherBoard-Slack/1' },
        body: JSON.stringify(msg),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text().catch(() => '');
      if (!res.ok) process.stderr.write(`slack: the webhook answered ${res.status}: ${text.slice(0, 200)}\n`);
      return res.ok;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      process.stderr.write(`slack: the webhook is unreachable: ${e.cause?.code ?? e.message}\n`);
      return false;
    }
  }
}
