import type { Alert } from '@aetherboard/sdk';
import { count, duration, renderTable } from '../lib/output.js';
import { FAULT_KINDS, FAULTS, formatRule, type FaultKind } from './faults.js';
import { tierCounts } from './fleet.js';
import type { Fault } from './injector.js';
import type { SimRun } from './driver.js';
import type { Tier } from './policy.js';

const SILENCES: ReadonlySet<FaultKind> = new Set(['silent', 'offline', 'flap', 'pod_dark', 'outage']);
export const AUTO_ESCALATION = 'blocked→escalated (system)';

export interface FaultOutcome {
  id: number;
  kind: FaultKind;
  agents: string[];
  tiers: Tier[];
  pod: string | null;
  onset: string;
  end: string | null;
  onset_offset_ms: number;
  duration_ms: number;
  caught: boolean;
  /** Still under way, and not caught yet, when the run stopped: left out of recall. */
  in_progress: boolean;
  detected_at: string | null;
  /** From the fault's start to the first alert (or automatic escalation) that caught it. */
  latency_ms: number | null;
  detected_by: string[];
  alert_ids: string[];
  /** Agents of the fault with an alert of their own, or under a fleet_outage. */
  agents_paged: number;
  escalated: boolean;
}

export interface KindSummary {
  injected: number;
  caught: number;
  missed: number;
  latency_median_ms: number | null;
  latency_max_ms: number | null;
  detected_by: Record<string, number>;
}

export interface SimReport {
  seed: string;
  faults_spec: string[];
  fleet: { agents: number; pods: number; teams: number; working: number; tiers: Record<Tier, number>; manager: string };
  time: { clock: 'manual' | 'real'; start: string; end: string; simulated_ms: number; setup_wall_ms: number; run_wall_ms: number; wall_ms: number; ratio: number; tick_ms: number };
  traffic: { heartbeats: number; invocations: number; tasks: number; blocks: number; requests: number; beats_per_s: number };
  faults: FaultOutcome[];
  by_kind: Partial<Record<FaultKind, KindSummary>>;
  skipped: Array<{ kind: FaultKind; at: string; reason: string }>;
  alerts: {
    total: number;
    with_fault: number;
    false_positives: Array<{ alert_id: string; kind: string; agent_id: string | null; opened_at: string; summary: string }>;
    by_kind: Record<string, number>;
  };
  escalations: { alerts_reached_level_1: number; of_them_with_fault: number; automatic_blocked_to_escalated: number };
  precision: number | null;
  recall: number | null;
  warnings: string[];
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};

/**
 * Attributes every alert to the fault behind it (same agent, opened between the fault's start and
 * one interval plus grace after its end; a fleet_outage to every silence under way), then scores.
 */
export function buildReport(run: SimRun): SimReport {
  const { fleet } = run;
  const byAgent = new Map<string, Fault[]>();
  for (const f of run.faults) for (const i of f.agents) {
    const id = fleet.agents[i]!.id;
    byAgent.set(id, [...(byAgent.get(id) ?? []), f]);
  }
  const tiersOf = (f: Fault): Tier[] => [...new Set(f.agents.map((i) => fleet.agents[i]!.tier))].sort();
  const slowest = (f: Fault): Tier => tiersOf(f).at(-1)!;
  const windowEnd = (f: Fault) => (f.end ?? run.end) + run.tailMs(f.kind, slowest(f));
  const within = (f: Fault, t: number) => t >= f.onset && t <= windowEnd(f);

  const hits = new Map<number, { alerts: Alert[]; paged: Set<number>; outage: boolean }>();
  const hit = (f: Fault) => {
    let h = hits.get(f.id);
    if (!h) hits.set(f.id, (h = { alerts: [], paged: new Set(), outage: false }));
    return h;
  };
  const falsePositives: Alert[] = [];
  const byKind: Record<string, number> = {};
  let withFault = 0;
  let level1 = 0;
  let level1WithFault = 0;
  const index = new Map(fleet.agents.map((a) => [a.id, a.i]));
  for (const a of run.alerts) {
    byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
    const t = Date.parse(a.opened_at);
    let matched: Fault[];
    if (a.agent_id === null) matched = run.faults.filter((f) => SILENCES.has(f.kind) && within(f, t));
    else matched = (byAgent.get(a.agent_id) ?? []).filter((f) => within(f, t));
    if (a.escalation_level >= 1) level1 += 1;
    if (matched.length === 0) {
      falsePositives.push(a);
      continue;
    }
    withFault += 1;
    if (a.escalation_level >= 1) level1WithFault += 1;
    for (const f of matched) {
      const h = hit(f);
      h.alerts.push(a);
      if (a.agent_id === null) h.outage = true;
      else h.paged.add(index.get(a.agent_id)!);
    }
  }

  let autoEscalations = 0;
  const outcomes: FaultOutcome[] = run.faults.map((f) => {
    const h = hits.get(f.id) ?? { alerts: [], paged: new Set<number>(), outage: false };
    const detections: Array<{ at: number; by: string }> = h.alerts.map((a) => ({ at: Date.parse(a.opened_at), by: a.kind }));
    if (f.kind === 'stuck') {
      const id = fleet.agents[f.agents[0]!]!.id;
      for (const t of run.escalations.get(id) ?? []) {
        const at = Date.parse(t.at);
        if (within(f, at)) {
          detections.push({ at, by: AUTO_ESCALATION });
          autoEscalations += 1;
        }
      }
    }
    detections.sort((x, y) => x.at - y.at);
    const paged = h.outage ? f.agents.length : h.paged.size;
    const group = f.kind === 'pod_dark' || f.kind === 'outage';
    const caught = group ? h.outage || paged === f.agents.length : detections.length > 0;
    const first = detections[0];
    const end = f.end ?? run.end;
    return {
      id: f.id,
      kind: f.kind,
      agents: f.agents.map((i) => fleet.agents[i]!.id),
      tiers: tiersOf(f),
      pod: f.pod === null ? null : fleet.pods[f.pod]!.id,
      onset: new Date(f.onset).toISOString(),
      end: f.end === null ? null : new Date(f.end).toISOString(),
      onset_offset_ms: f.onset - run.start,
      duration_ms: end - f.onset,
      caught,
      in_progress: !caught && f.end === null,
      detected_at: caught && first ? new Date(first.at).toISOString() : null,
      latency_ms: caught && first ? first.at - f.onset : null,
      detected_by: [...new Set(detections.map((d) => d.by))],
      alert_ids: h.alerts.map((a) => a.alert_id),
      agents_paged: paged,
      escalated: h.alerts.some((a) => a.escalation_level >= 1),
    };
  });

  const kinds: Partial<Record<FaultKind, KindSummary>> = {};
  for (const kind of FAULT_KINDS) {
    const xs = outcomes.filter((o) => o.kind === kind);
    if (xs.length === 0) continue;
    const lat = xs.filter((o) => o.latency_ms !== null).map((o) => o.latency_ms!);
    const by: Record<string, number> = {};
    for (const o of xs) for (const d of o.detected_by) by[d] = (by[d] ?? 0) + 1;
    kinds[kind] = {
      injected: xs.length,
      caught: xs.filter((o) => o.caught).length,
      missed: xs.filter((o) => !o.caught && !o.in_progress).length,
      latency_median_ms: median(lat),
      latency_max_ms: lat.length > 0 ? Math.max(...lat) : null,
      detected_by: by,
    };
  }
  const scored = outcomes.filter((o) => !o.in_progress);
  const simulated = run.end - run.start;
  const wall = run.setupWallMs + run.runWallMs;
  return {
    seed: run.options.seed,
    faults_spec: run.options.faults.map(formatRule),
    fleet: {
      agents: fleet.agents.length,
      pods: fleet.pods.length,
      teams: fleet.teams.length,
      working: fleet.agents.filter((a) => a.working).length,
      tiers: tierCounts(fleet.agents),
      manager: fleet.managerId,
    },
    time: {
      clock: run.manualClock ? 'manual' : 'real',
      start: new Date(run.start).toISOString(),
      end: new Date(run.end).toISOString(),
      simulated_ms: simulated,
      setup_wall_ms: Math.round(run.setupWallMs),
      run_wall_ms: Math.round(run.runWallMs),
      wall_ms: Math.round(wall),
      ratio: wall > 0 ? Math.round((simulated / wall) * 10) / 10 : 0,
      tick_ms: run.tickMs,
    },
    traffic: {
      heartbeats: run.counters.beats,
      invocations: run.counters.invocations,
      tasks: run.counters.tasks,
      blocks: run.counters.blocks,
      requests: run.counters.requests,
      beats_per_s: run.runWallMs > 0 ? Math.round(run.counters.beats / (run.runWallMs / 1000)) : 0,
    },
    faults: outcomes,
    by_kind: kinds,
    skipped: run.skipped.map((s) => ({ kind: s.kind, at: new Date(s.at).toISOString(), reason: s.reason })),
    alerts: {
      total: run.alerts.length,
      with_fault: withFault,
      false_positives: falsePositives.map((a) => ({ alert_id: a.alert_id, kind: a.kind, agent_id: a.agent_id, opened_at: a.opened_at, summary: a.summary })),
      by_kind: byKind,
    },
    escalations: { alerts_reached_level_1: level1, of_them_with_fault: level1WithFault, automatic_blocked_to_escalated: autoEscalations },
    precision: run.alerts.length > 0 ? withFault / run.alerts.length : null,
    recall: scored.length > 0 ? scored.filter((o) => o.caught).length / scored.length : null,
    warnings: run.warnings,
  };
}

const ratio = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
const offset = (ms: number) => `+${duration(ms)}`;

/** The report for people: what ran, each fault kind and how it was caught, the score. */
export function renderReport(r: SimReport): string {
  const out: string[] = [];
  const t = r.time;
  out.push('AetherBoard simulation report');
  out.push(
    `  fleet     ${count(r.fleet.agents)} agents (P0 ${count(r.fleet.tiers.P0)}, P1 ${count(r.fleet.tiers.P1)}, P2 ${count(r.fleet.tiers.P2)}; ${count(r.fleet.working)} take work) in ${count(r.fleet.pods)} pods, ${r.fleet.teams} team(s); manager ${r.fleet.manager}`,
  );
  out.push(
    `  time      ${duration(t.simulated_ms)} simulated in ${duration(t.wall_ms)} (setup ${duration(t.setup_wall_ms)}, run ${duration(t.run_wall_ms)}): ${t.ratio}× real time, ${t.clock} clock, tick ${duration(t.tick_ms)}`,
  );
  out.push(
    `  traffic   ${count(r.traffic.heartbeats)} heartbeats (${count(r.traffic.beats_per_s)}/s), ${count(r.traffic.invocations)} invocations, ${count(r.traffic.tasks)} tasks, ${count(r.traffic.blocks)} blocks, ${count(r.traffic.requests)} requests`,
  );
  out.push(`  seed      ${r.seed}; faults ${r.faults_spec.length > 0 ? r.faults_spec.join(',') : 'none'}`);
  out.push('');
  const rows = Object.entries(r.by_kind) as Array<[FaultKind, KindSummary]>;
  out.push(
    renderTable(rows, [
      { header: 'fault', get: ([k]) => k },
      { header: 'injected', get: ([, s]) => s.injected, align: 'right' },
      { header: 'caught', get: ([, s]) => s.caught, align: 'right' },
      { header: 'missed', get: ([, s]) => s.missed, align: 'right' },
      { header: 'latency med', get: ([, s]) => duration(s.latency_median_ms), align: 'right' },
      { header: 'max', get: ([, s]) => duration(s.latency_max_ms), align: 'right' },
      { header: 'caught by', get: ([, s]) => Object.entries(s.detected_by).map(([k, n]) => `${k} ×${n}`).join(', ') },
      { header: 'expected', get: ([k]) => FAULTS[k].expected, max: 48 },
    ]),
  );
  if (rows.length === 0) out.push('(no faults injected)');
  const missed = r.faults.filter((f) => !f.caught && !f.in_progress);
  const running = r.faults.filter((f) => f.in_progress).length;
  if (running > 0) out.push(`(${running} fault(s) still under way and not caught yet when the run stopped: left out of recall)`);
  if (missed.length > 0) {
    out.push('');
    out.push('Missed:');
    for (const f of missed.slice(0, 20)) {
      out.push(`  #${f.id} ${f.kind} ${f.pod ?? f.agents[0]} (${f.tiers.join('/')}) at ${offset(f.onset_offset_ms)} for ${duration(f.duration_ms)}${f.agents.length > 1 ? `: ${f.agents_paged}/${f.agents.length} agents paged` : ''}`);
    }
  }
  if (r.skipped.length > 0) {
    const by = new Map<string, number>();
    for (const s of r.skipped) by.set(`${s.kind}: ${s.reason}`, (by.get(`${s.kind}: ${s.reason}`) ?? 0) + 1);
    out.push('');
    out.push(`Not injected: ${[...by].map(([k, n]) => `${k} (${n})`).join('; ')}`);
  }
  out.push('');
  out.push(
    `Alerts    ${count(r.alerts.total)}: ${count(r.alerts.with_fault)} with a fault behind them, ${count(r.alerts.false_positives.length)} false positive(s)` +
      (r.alerts.total > 0 ? ` [${Object.entries(r.alerts.by_kind).map(([k, n]) => `${k} ${n}`).join(', ')}]` : ''),
  );
  out.push(
    `Escalated ${count(r.escalations.alerts_reached_level_1)} alert(s) reached the workforce manager (level 1); ${count(r.escalations.automatic_blocked_to_escalated)} automatic blocked→escalated move(s)`,
  );
  for (const fp of r.alerts.false_positives.slice(0, 10)) out.push(`  false positive: ${fp.kind} ${fp.agent_id ?? '(workspace)'} at ${fp.opened_at}: ${fp.summary}`);
  out.push('');
  out.push(`precision ${ratio(r.precision)}   recall ${ratio(r.recall)}`);
  if (r.warnings.length > 0) {
    out.push('');
    out.push(`${r.warnings.length} call(s) of the simulated fleet were refused; the first: ${r.warnings.slice(0, 3).join(' | ')}`);
  }
  return out.join('\n');
}
