import { iso } from '../../store/codec.js';
import { STATUS_ERROR, type AttrValue, type Attributes, type OtlpSpan } from './decode.js';

/** The OpenTelemetry GenAI semantic-convention attributes the mapping reads. */
export const GENAI = {
  operation: 'gen_ai.operation.name',
  agentId: 'gen_ai.agent.id',
  agentName: 'gen_ai.agent.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  provider: 'gen_ai.provider.name',
  system: 'gen_ai.system',
  tool: 'gen_ai.tool.name',
  conversation: 'gen_ai.conversation.id',
  errorType: 'error.type',
} as const;

/** Our own optional attributes, for what the GenAI conventions do not name. */
export const OURS = {
  agentId: 'aetherboard.agent_id',
  costUsd: 'aetherboard.cost_usd',
  assignmentId: 'aetherboard.assignment_id',
  teamId: 'aetherboard.team_id',
  podId: 'aetherboard.pod_id',
  tier: 'aetherboard.priority_tier',
} as const;

const ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
const MAX_MS = 8.64e15;

export const str = (a: Attributes, k: string): string | undefined => {
  const v = a[k];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
};

const num = (a: Attributes, k: string): number | undefined => {
  const v: AttrValue | undefined = a[k];
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
};

/** An agent id as the roster spells ids; a display name becomes a slug (`Research Bot` → `research-bot`). */
export function toAgentId(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  if (raw.length <= 128 && ID.test(raw)) return raw;
  const slug = raw
    .toLowerCase()
    .replace(/[^a-z0-9._:@-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 128);
  return slug === '' ? null : slug;
}

export interface AgentRef {
  agentId: string;
  agentName: string | null;
}

/**
 * Which agent a GenAI span belongs to: its own `gen_ai.agent.id` (else `gen_ai.agent.name`), else
 * the nearest ancestor in the same export that names one (a tool call inside `invoke_agent`), else
 * the resource's, else the agent the API key is bound to.
 */
export function agentOf(span: OtlpSpan, byId: Map<string, OtlpSpan>, keyAgent: string | null): AgentRef | null {
  let cur: OtlpSpan | undefined = span;
  for (let hops = 0; cur && hops < 64; hops++) {
    const ref = named(cur.attributes);
    if (ref) return ref;
    cur = cur.parentSpanId ? byId.get(`${cur.traceId}:${cur.parentSpanId}`) : undefined;
  }
  const fromResource = named(span.resource) ?? refOf(str(span.resource, OURS.agentId), null);
  if (fromResource) return fromResource;
  return keyAgent ? { agentId: keyAgent, agentName: null } : null;
}

function named(a: Attributes): AgentRef | null {
  const name = str(a, GENAI.agentName) ?? null;
  return refOf(str(a, GENAI.agentId) ?? name ?? undefined, name);
}

function refOf(raw: string | undefined, name: string | null): AgentRef | null {
  const agentId = toAgentId(raw);
  return agentId ? { agentId, agentName: name } : null;
}

export const isGenAi = (s: OtlpSpan): boolean => str(s.attributes, GENAI.operation) !== undefined;
export const failed = (s: OtlpSpan): boolean => s.statusCode === STATUS_ERROR;

/** trace id + span id: a collector that re-sends an export never counts a span twice. */
export const invocationIdOf = (s: OtlpSpan): string => `otel-${s.traceId}-${s.spanId}`;

/**
 * One finished invocation per GenAI span, in the shape of `POST /api/invocations/batch` items (the
 * batch validates it like any other). Returns a reason instead when the span cannot be one.
 */
export function invocationOf(s: OtlpSpan, agentId: string): Record<string, unknown> | string {
  const a = s.attributes;
  const startMs = Number(s.startNs / 1_000_000n);
  if (s.startNs === 0n || startMs > MAX_MS) return 'the span has no usable start time';
  const endNs = s.endNs >= s.startNs ? s.endNs : s.startNs;
  const endMs = Number(endNs / 1_000_000n);
  if (endMs > MAX_MS) return 'the span has no usable end time';
  const operation = str(a, GENAI.operation)!;
  const model = str(a, GENAI.requestModel) ?? str(a, GENAI.responseModel);
  const tool = str(a, GENAI.tool);
  const input = num(a, GENAI.inputTokens);
  const output = num(a, GENAI.outputTokens);
  const tokens = input === undefined && output === undefined ? undefined : Math.round((input ?? 0) + (output ?? 0));
  const cost = num(a, OURS.costUsd);
  const assignment = toAgentId(str(a, OURS.assignmentId));
  const context: Record<string, unknown> = {
    source: 'otlp',
    trace_id: s.traceId,
    span_id: s.spanId,
    operation,
  };
  if (s.parentSpanId) context.parent_span_id = s.parentSpanId;
  if (model) context.model = model;
  const responseModel = str(a, GENAI.responseModel);
  if (responseModel && responseModel !== model) context.response_model = responseModel;
  const provider = str(a, GENAI.provider) ?? str(a, GENAI.system);
  if (provider) context.provider = provider;
  if (tool) context.tool = tool;
  if (input !== undefined) context.input_tokens = input;
  if (output !== undefined) context.output_tokens = output;
  const conversation = str(a, GENAI.conversation);
  if (conversation) context.conversation_id = conversation.slice(0, 256);
  const service = str(s.resource, 'service.name');
  if (service) context.service = service.slice(0, 256);

  const what = tool ? `${operation} ${tool}` : model ? `${operation} (${model})` : operation;
  const name = (s.name || operation).slice(0, 200);
  const item: Record<string, unknown> = {
    invocation_id: invocationIdOf(s),
    agent_id: agentId,
    name,
    task_description: (s.name && s.name !== what ? `${what}: ${s.name}` : what).slice(0, 10_000),
    context,
    started_at: iso(startMs),
    completed_at: iso(endMs),
    execution_time_ms: Math.min(Number(endNs - s.startNs) / 1e6, 30 * 86_400_000),
    success: !failed(s),
  };
  if (tokens !== undefined) item.tokens_used = Math.min(tokens, 1e12);
  if (cost !== undefined) item.cost_usd = Math.min(cost, 1e9);
  if (assignment) item.assignment_id = assignment;
  if (failed(s)) item.error_details = (s.statusMessage || str(a, GENAI.errorType) || 'the span ended with status ERROR').slice(0, 10_000);
  return item;
}
