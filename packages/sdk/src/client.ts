import { AgentHandle, type AgentOptions } from './agent.js';
import { createTransport, type FetchLike, type RequestOptions, type Transport } from './http.js';
import type * as T from './types.js';

export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:7070`. */
  url: string;
  /** An API key (`Authorization: Bearer`). */
  key: string;
  /** A fetch to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: FetchLike;
  /** Per-request timeout of the admin calls; default 30 s. */
  timeoutMs?: number;
}

const enc = encodeURIComponent;

/** Walks every page of a list call. */
export async function* paginate<I, Q extends T.PageQuery>(list: (q: Q) => Promise<T.Page<I>>, query: Q): AsyncGenerator<I> {
  let cursor: string | undefined = query.cursor;
  for (;;) {
    const page = await list({ ...query, cursor });
    for (const item of page.items) yield item;
    if (!page.next_cursor) return;
    cursor = page.next_cursor;
  }
}

/**
 * Thin, typed wrappers over the HTTP API. Every method resolves with the server's answer or
 * throws an `AetherBoardError {status, code, message, details}`.
 */
export class AetherBoardClient {
  readonly transport: Transport;

  constructor(readonly options: ClientOptions) {
    this.transport = createTransport({ url: options.url, key: options.key, fetch: options.fetch, timeoutMs: options.timeoutMs });
  }

  /** Any route, for what the typed helpers do not cover. */
  request<R>(method: string, path: string, opts?: RequestOptions): Promise<R> {
    return this.transport.request<R>(method, path, opts);
  }

  /** The handle an agent embeds: heartbeats, status and invocation tracking for one agent. */
  agent(agentId: string, opts: AgentOptions = {}): AgentHandle {
    return new AgentHandle(this.transport, agentId, opts);
  }

  private get<R>(path: string, query?: object): Promise<R> {
    return this.transport.request<R>('GET', path, { query: query as RequestOptions['query'] });
  }
  private send<R>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<R> {
    return this.transport.request<R>(method, path, { body });
  }

  health(): Promise<{ status: 'ok'; version: string }> {
    return this.transport.request('GET', '/healthz', { key: null });
  }
  me(): Promise<T.Me> {
    return this.get('/api/me');
  }
  openapi(): Promise<Record<string, unknown>> {
    return this.transport.request('GET', '/api/openapi.json', { key: null });
  }

  readonly workspaces = {
    /** Root only: a new workspace and its first admin key (shown once). */
    create: (name: string) => this.send<T.WorkspaceCreated>('POST', '/api/workspaces', { name }),
  };

  readonly keys = {
    create: (body: T.CreateKeyInput) => this.send<T.KeyCreated>('POST', '/api/keys', body),
    list: (q: T.PageQuery = {}) => this.get<T.Page<T.ApiKey>>('/api/keys', q),
    revoke: (keyId: string) => this.send<void>('DELETE', `/api/keys/${enc(keyId)}`),
  };

  readonly members = {
    create: (body: T.CreateMemberInput) => this.send<T.Member>('POST', '/api/members', body),
    list: (q: T.MemberListQuery = {}) => this.get<T.Page<T.Member>>('/api/members', q),
    get: (id: string) => this.get<T.Member>(`/api/members/${enc(id)}`),
    update: (id: string, patch: T.UpdateMemberInput) => this.send<T.Member>('PATCH', `/api/members/${enc(id)}`, patch),
  };

  readonly pods = {
    create: (body: T.CreatePodInput) => this.send<T.Pod>('POST', '/api/pods', body),
    list: (q: T.PodListQuery = {}) => this.get<T.Page<T.Pod>>('/api/pods', q),
    get: (id: string) => this.get<T.Pod>(`/api/pods/${enc(id)}`),
    update: (id: string, patch: T.UpdatePodInput) => this.send<T.Pod>('PATCH', `/api/pods/${enc(id)}`, patch),
  };

  readonly org = {
    get: () => this.get<T.Org>('/api/org'),
    setManager: (managerId: string) => this.send<T.Org>('PUT', '/api/org', { manager_id: managerId }),
  };

  readonly agents = {
    create: (body: T.CreateAgentInput) => this.send<T.Agent>('POST', '/api/agents', body),
    list: (q: T.AgentListQuery = {}) => this.get<T.Page<T.Agent>>('/api/agents', q),
    get: (id: string) => this.get<T.Agent>(`/api/agents/${enc(id)}`),
    update: (id: string, patch: T.UpdateAgentInput) => this.send<T.Agent>('PATCH', `/api/agents/${enc(id)}`, patch),
    transition: (id: string, to: T.AgentState, reason: string) => this.send<T.Agent>('POST', `/api/agents/${enc(id)}/transitions`, { to, reason }),
    transitions: (id: string, q: T.PageQuery & { order?: 'asc' | 'desc' } = {}) => this.get<T.Page<T.Transition>>(`/api/agents/${enc(id)}/transitions`, q),
    fire: (id: string, reason: T.FireReason, context?: string) =>
      this.send<T.Agent>('POST', `/api/agents/${enc(id)}/fire`, context === undefined ? { reason } : { reason, context }),
    heartbeats: (id: string, q: T.PageQuery = {}) => this.get<T.Page<T.Heartbeat>>(`/api/agents/${enc(id)}/heartbeats`, q),
    events: (id: string, q: T.PageQuery = {}) => this.get<T.Page<T.AgentEvent>>(`/api/agents/${enc(id)}/events`, q),
    metrics: (id: string, q: T.MetricsQuery = {}) => this.get<T.AgentInvocationMetrics>(`/api/agents/${enc(id)}/metrics`, q),
    sessions: (id: string, q: T.PageQuery & { active?: boolean } = {}) => this.get<T.Page<T.Session>>(`/api/agents/${enc(id)}/sessions`, q),
    openSession: (id: string, body: T.CreateSessionInput) => this.send<T.Session>('POST', `/api/agents/${enc(id)}/sessions`, body),
  };

  readonly heartbeats = {
    send: (agentId: string, body: T.HeartbeatInput) => this.send<T.HeartbeatAccepted>('POST', `/api/agents/${enc(agentId)}/heartbeat`, body),
    sendBatch: (heartbeats: T.BatchHeartbeatInput[]) => this.send<T.BatchResult>('POST', '/api/heartbeats', { heartbeats }),
  };

  readonly alerts = {
    list: (q: T.AlertListQuery = {}) => this.get<T.Page<T.Alert>>('/api/alerts', q),
    get: (id: string) => this.get<T.Alert>(`/api/alerts/${enc(id)}`),
    ack: (id: string, note?: string) => this.send<T.Alert>('POST', `/api/alerts/${enc(id)}/ack`, note === undefined ? {} : { note }),
    resolve: (id: string, note?: string) => this.send<T.Alert>('POST', `/api/alerts/${enc(id)}/resolve`, note === undefined ? {} : { note }),
  };

  readonly assignments = {
    create: (body: T.CreateAssignmentInput) => this.send<T.Assignment>('POST', '/api/assignments', body),
    list: (q: T.AssignmentListQuery = {}) => this.get<T.Page<T.Assignment>>('/api/assignments', q),
    get: (id: string) => this.get<T.Assignment>(`/api/assignments/${enc(id)}`),
    update: (id: string, patch: T.UpdateAssignmentInput) => this.send<T.Assignment>('PATCH', `/api/assignments/${enc(id)}`, patch),
    /** Hands open work to another agent: the original ends as handoff, the same work starts with `agent_id`. */
    reassign: (id: string, body: T.ReassignInput) => this.send<T.Reassignment>('POST', `/api/assignments/${enc(id)}/reassign`, body),
  };

  readonly sessions = {
    get: (id: string) => this.get<T.Session>(`/api/sessions/${enc(id)}`),
    update: (id: string, patch: T.UpdateSessionInput) => this.send<T.Session>('PATCH', `/api/sessions/${enc(id)}`, patch),
  };

  readonly invocations = {
    start: (body: T.StartInvocationInput) => this.send<T.InvocationStarted>('POST', '/api/invocations', body),
    complete: (id: string, body: T.CompleteInvocationInput) => this.send<T.Invocation>('POST', `/api/invocations/${enc(id)}/complete`, body),
    batch: (invocations: T.BatchInvocationInput[]) => this.send<T.InvocationBatchResult>('POST', '/api/invocations/batch', { invocations }),
    list: (q: T.InvocationListQuery = {}) => this.get<T.Page<T.Invocation>>('/api/invocations', q),
    get: (id: string) => this.get<T.Invocation>(`/api/invocations/${enc(id)}`),
  };

  readonly analytics = {
    top: (q: T.TopAgentsQuery = {}) => this.get<T.TopAgents>('/api/analytics/agents/top', q),
    team: (teamId: string, q: T.GroupAnalyticsQuery = {}) => this.get<T.GroupAnalytics>(`/api/analytics/teams/${enc(teamId)}`, q),
    pod: (podId: string, q: T.GroupAnalyticsQuery = {}) => this.get<T.GroupAnalytics>(`/api/analytics/pods/${enc(podId)}`, q),
    workspace: (q: T.GroupAnalyticsQuery = {}) => this.get<T.GroupAnalytics>('/api/analytics/workspace', q),
  };

  readonly fleet = {
    summary: () => this.get<T.FleetSummary>('/api/fleet/summary'),
  };

  readonly webhooks = {
    create: (body: T.CreateWebhookInput) => this.send<T.Webhook>('POST', '/api/webhooks', body),
    list: (q: T.PageQuery = {}) => this.get<T.Page<T.Webhook>>('/api/webhooks', q),
    remove: (id: string) => this.send<void>('DELETE', `/api/webhooks/${enc(id)}`),
    deliveries: (id: string, q: T.PageQuery & { status?: 'pending' | 'delivered' | 'failed' } = {}) =>
      this.get<T.Page<T.WebhookDelivery>>(`/api/webhooks/${enc(id)}/deliveries`, q),
  };

  readonly silences = {
    create: (body: T.CreateSilenceInput) => this.send<T.Silence>('POST', '/api/silences', body),
    list: (q: T.PageQuery & { active?: boolean } = {}) => this.get<T.Page<T.Silence>>('/api/silences', q),
    remove: (id: string) => this.send<void>('DELETE', `/api/silences/${enc(id)}`),
  };

  readonly settings = {
    liveness: () => this.get<T.LivenessSettings>('/api/settings/liveness'),
    updateLiveness: (patch: T.LivenessSettingsPatch) => this.send<T.LivenessSettings>('PATCH', '/api/settings/liveness', patch),
  };

  /** The manual clock of a server started with `--clock manual`. */
  readonly clock = {
    get: () => this.get<{ now: string }>('/api/clock'),
    advance: (ms: number) => this.send<{ now: string }>('POST', '/api/clock/advance', { ms }),
  };
}

export function createClient(opts: ClientOptions): AetherBoardClient {
  return new AetherBoardClient(opts);
}
