import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { context, trace, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, dialects, makeApi, seedOrg, startTestServer, type Api, type TestServer } from '../test-support/harness.js';
import { OTLP_TRACE_PROTO } from './otlp/proto/trace-service.js';

const proto = protobuf.parse(OTLP_TRACE_PROTO).root;
const RequestType = proto.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const ResponseType = proto.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');

type ExporterConfig = NonNullable<ConstructorParameters<typeof ProtoExporter>[0]>;
const GZIP = 'gzip' as unknown as ExporterConfig['compression'];

/** Spans made by the real SDK, kept in memory until a test hands them to an exporter. */
function tracer(resource: Attributes) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [new SimpleSpanProcessor(memory)] });
  return { memory, t: provider.getTracer('aetherboard-test', '1.0.0') };
}

/** An agent run the way GenAI instrumentations record one: invoke_agent around a tool call and a model call. */
function agentRun(resource: Attributes, agent: Attributes, opts: { chatFails?: boolean } = {}): ReadableSpan[] {
  const { memory, t } = tracer(resource);
  const root = t.startSpan('invoke_agent researcher', {
    attributes: { 'gen_ai.operation.name': 'invoke_agent', ...agent, 'gen_ai.request.model': 'gpt-test', 'gen_ai.usage.input_tokens': 120, 'gen_ai.usage.output_tokens': 30 },
  });
  const inside = trace.setSpan(context.active(), root);
  const tool = t.startSpan('execute_tool web_search', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'web_search' } }, inside);
  tool.end();
  const chat = t.startSpan('chat gpt-test', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-test', 'gen_ai.usage.input_tokens': 40, 'gen_ai.usage.output_tokens': 0 } }, inside);
  if (opts.chatFails) chat.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited by provider' });
  chat.end();
  const http = t.startSpan('GET /search', { attributes: { 'http.request.method': 'GET' } }, inside);
  http.end();
  root.end();
  return memory.getFinishedSpans();
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, (r) => resolve(r)));
}

/** Forwards to the server and remembers the headers of each request, to see what the exporter sent. */
async function recordingProxy(target: string): Promise<{ url: string; seen: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const seen: IncomingHttpHeaders[] = [];
  const t = new URL(target);
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    const fwd = httpRequest({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(fwd);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

/** A minimal OTLP/JSON request, the way a hand-rolled client or a collector writes one. */
function jsonRequest(spans: Array<{ agent?: string; op?: string; traceId?: string; spanId?: string; error?: boolean }>, resource: Record<string, string> = {}): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: Object.entries(resource).map(([key, v]) => ({ key, value: { stringValue: v } })) },
        scopeSpans: [
          {
            scope: { name: 'hand' },
            spans: spans.map((s, i) => ({
              traceId: s.traceId ?? '5b8efff798038103d269b633813fc60c',
              spanId: s.spanId ?? `eee19b7ec3c1b17${i}`,
              name: s.op ?? 'chat',
              kind: 3,
              startTimeUnixNano: String(now),
              endTimeUnixNano: String(now + 250_000_000n),
              attributes: [
                { key: 'gen_ai.operation.name', value: { stringValue: s.op ?? 'chat' } },
                ...(s.agent ? [{ key: 'gen_ai.agent.id', value: { stringValue: s.agent } }] : []),
                { key: 'gen_ai.usage.input_tokens', value: { intValue: '7' } },
              ],
              status: s.error ? { code: 2, message: 'boom' } : {},
            })),
          },
        ],
      },
    ],
  });
}

describe.each(dialects())('OTLP trace ingest on %s', (dialect) => {
  let s: TestServer;
  let api: Api;
  let operatorKey: string;
  let agentKey: string;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    api = s.api;
    await seedOrg(api);
    for (const id of ['researcher', 'writer']) {
      expect((await api('POST', '/api/agents', { body: agentBody(id, { priority_tier: 'P1' }) })).status).toBe(201);
      expect((await api('POST', `/api/agents/${id}/transitions`, { body: { to: 'ready', reason: 'go' } })).status).toBe(200);
    }
    operatorKey = (await api('POST', '/api/keys', { body: { role: 'operator', label: 'collector' } })).body.key;
    agentKey = (await api('POST', '/api/keys', { body: { role: 'agent', agent_id: 'writer', label: 'writer' } })).body.key;
  });
  afterAll(async () => s?.close());

  const invocationsOf = async (agent: string) => (await api('GET', `/api/invocations?agent_id=${agent}&limit=100`)).body.items as Array<Record<string, unknown>>;

  it('stores GenAI spans from the OpenTelemetry protobuf exporter (gzip, key in a header) as invocations, once, with one beat per export', async () => {
    const proxy = await recordingProxy(s.url);
    try {
      const spans = agentRun({ 'service.name': 'research-svc' }, { 'gen_ai.agent.id': 'researcher', 'gen_ai.agent.name': 'Researcher' }, { chatFails: true });
      const exporter = new ProtoExporter({ url: `${proxy.url}/v1/traces`, headers: { 'x-aetherboard-key': operatorKey }, compression: GZIP });
      const r = await exportWith(exporter, spans);
      expect(r.error).toBeUndefined();
      expect(r.code).toBe(0);
      expect(proxy.seen[0]).toMatchObject({ 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
      expect(proxy.seen[0]!.authorization).toBeUndefined();

      const items = await invocationsOf('researcher');
      expect(items).toHaveLength(3);
      const byOp = Object.fromEntries(items.map((i) => [(i.context as { operation: string }).operation, i]));
      const root = spans.find((x) => x.name === 'invoke_agent researcher')!;
      expect(byOp.invoke_agent).toMatchObject({
        invocation_id: `otel-${root.spanContext().traceId}-${root.spanContext().spanId}`,
        outcome: 'success',
        tokens_used: 150,
        name: 'invoke_agent researcher',
        context: expect.objectContaining({ model: 'gpt-test', service: 'research-svc', input_tokens: 120, output_tokens: 30 }),
      });
      expect(byOp.execute_tool).toMatchObject({ outcome: 'success', context: expect.objectContaining({ tool: 'web_search' }) });
      expect(byOp.chat).toMatchObject({ outcome: 'failure', tokens_used: 40, error_details: 'rate limited by provider' });
      expect(byOp.invoke_agent!.execution_time_ms).toEqual(expect.any(Number));

      let beats = await api('GET', '/api/agents/researcher/heartbeats');
      expect(beats.body.items).toHaveLength(1);
      expect(beats.body.items[0]).toMatchObject({ status: 'degraded', work_mode: 'executing' });

      // A collector that retries the same export never counts a span twice.
      expect((await exportWith(exporter, spans)).code).toBe(0);
      expect(await invocationsOf('researcher')).toHaveLength(3);
      expect((await api('GET', '/api/agents/researcher')).body.metrics).toMatchObject({ total_tasks: 3, successful_tasks: 2, failed_tasks: 1 });
      beats = await api('GET', '/api/agents/researcher/heartbeats');
      expect(beats.body.items).toHaveLength(2);
      await exporter.shutdown();
    } finally {
      await proxy.close();
    }
  });

  it('takes OTLP/JSON from the OpenTelemetry HTTP exporter with an agent key as Bearer', async () => {
    const spans = agentRun({ 'service.name': 'writer-svc', 'gen_ai.agent.id': 'writer' }, {});
    const exporter = new JsonExporter({ url: `${s.url}/v1/traces`, headers: { authorization: `Bearer ${agentKey}` } });
    const r = await exportWith(exporter, spans);
    expect(r.error).toBeUndefined();
    expect(r.code).toBe(0);
    const items = await invocationsOf('writer');
    expect(items.map((i) => (i.context as { operation: string }).operation).sort()).toEqual(['chat', 'execute_tool', 'invoke_agent']);
    expect(items.every((i) => i.outcome === 'success')).toBe(true);
    const beats = await api('GET', '/api/agents/writer/heartbeats');
    expect(beats.body.items).toEqual([expect.objectContaining({ status: 'ok', work_mode: 'executing' })]);
    expect((await api('GET', '/api/agents/writer')).body.last_seen_at).toEqual(expect.any(String));
    await exporter.shutdown();
  });

  it('answers in the encoding of the request, and gzip works for JSON too', async () => {
    const body = jsonRequest([{ agent: 'researcher', traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) }]);
    const res = await fetch(`${s.url}/v1/traces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.rootKey}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(body),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({});
    expect((await invocationsOf('researcher')).some((i) => i.invocation_id === `otel-${'a'.repeat(32)}-${'b'.repeat(16)}`)).toBe(true);

    const message = RequestType.fromObject({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.from('c'.repeat(32), 'hex'),
                  spanId: Buffer.from('d'.repeat(16), 'hex'),
                  name: 'chat',
                  startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                  endTimeUnixNano: String(BigInt(Date.now() + 5) * 1_000_000n),
                  attributes: [
                    { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                    { key: 'gen_ai.agent.id', value: { stringValue: 'ghost-agent' } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    const pb = await fetch(`${s.url}/v1/traces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.rootKey}`, 'content-type': 'application/x-protobuf' },
      body: RequestType.encode(message).finish(),
    });
    expect(pb.status).toBe(200);
    expect(pb.headers.get('content-type')).toBe('application/x-protobuf');
    const decoded = ResponseType.toObject(ResponseType.decode(new Uint8Array(await pb.arrayBuffer())), { longs: String }) as { partialSuccess?: { rejectedSpans: string; errorMessage: string } };
    expect(decoded.partialSuccess?.rejectedSpans).toBe('1');
    expect(decoded.partialSuccess?.errorMessage).toMatch(/unknown agent 'ghost-agent'/);
  });

  it('rejects spans of unknown agents by default, and registers them under the workforce manager when told to', async () => {
    const ghost = jsonRequest([{ agent: 'ghost', spanId: '1111111111111111' }, { agent: 'ghost', op: 'execute_tool', spanId: '2222222222222222' }], { 'aetherboard.team_id': 'research' });
    const refused = await api('POST', '/v1/traces', { raw: ghost, key: operatorKey });
    expect(refused.status).toBe(200);
    expect(refused.body.partialSuccess).toEqual({ rejectedSpans: '2', errorMessage: expect.stringMatching(/unknown agent 'ghost'.*otlp_unknown_agents.*\(2 spans\)/) });
    expect((await api('GET', '/api/agents/ghost')).status).toBe(404);

    const before = await api('GET', '/api/settings/integrations');
    expect(before.body).toEqual({ otlp_unknown_agents: 'reject', alertmanager_url: null, slack_webhook_url: null, from_environment: [] });
    const set = await api('PATCH', '/api/settings/integrations', { body: { otlp_unknown_agents: 'register' } });
    expect(set.status).toBe(200);
    expect(set.body.otlp_unknown_agents).toBe('register');
    // The liveness settings beside it are untouched.
    expect((await api('GET', '/api/settings/liveness')).body.cadence_s).toEqual({ P0: 60, P1: 180, P2: 600 });

    const ok = await api('POST', '/v1/traces', { raw: ghost, key: operatorKey });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({});
    const agent = await api('GET', '/api/agents/ghost');
    expect(agent.status).toBe(200);
    expect(agent.body).toMatchObject({ owner_id: 'mgr', team_id: 'research', priority_tier: 'P2', current_state: 'registered', agent_type: 'main' });
    expect(await invocationsOf('ghost')).toHaveLength(2);
    expect((await api('GET', '/api/agents/ghost/heartbeats')).body.items).toHaveLength(1);
    expect((await api('PATCH', '/api/settings/integrations', { body: { otlp_unknown_agents: 'reject' } })).body.otlp_unknown_agents).toBe('reject');
  });

  it('cannot register without a workforce manager, and says so', async () => {
    const ws = await api('POST', '/api/workspaces', { body: { name: 'No manager yet' } });
    const other = makeApi(s.url, ws.body.admin_key);
    expect((await other('PATCH', '/api/settings/integrations', { body: { otlp_unknown_agents: 'register' } })).status).toBe(200);
    const r = await other('POST', '/v1/traces', { raw: jsonRequest([{ agent: 'orphan' }]) });
    expect(r.status).toBe(200);
    expect(r.body.partialSuccess.errorMessage).toMatch(/workforce manager/);
    expect((await other('GET', '/api/agents/orphan')).status).toBe(404);
  });

  it('keeps agent keys to their own spans and refuses what it cannot read', async () => {
    const own = makeApi(s.url, agentKey);
    const r = await own('POST', '/v1/traces', { raw: jsonRequest([{ agent: 'researcher', spanId: '3333333333333333' }, { spanId: '4444444444444444' }]) });
    expect(r.status).toBe(200);
    // The span without an agent is the key's own agent's; the one naming another agent is refused.
    expect(r.body.partialSuccess).toEqual({ rejectedSpans: '1', errorMessage: "this key reports for agent 'writer' only" });

    expect((await api('POST', '/v1/traces', { raw: jsonRequest([{ agent: 'writer' }]), key: null })).status).toBe(401);
    const viewer = (await api('POST', '/api/keys', { body: { role: 'viewer', label: 'v' } })).body.key;
    expect((await api('POST', '/v1/traces', { raw: jsonRequest([{ agent: 'writer' }]), key: viewer })).status).toBe(403);

    const bad = async (body: Uint8Array | string, headers: Record<string, string>) => {
      const res = await fetch(`${s.url}/v1/traces`, { method: 'POST', headers: { authorization: `Bearer ${s.rootKey}`, ...headers }, body });
      return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
    };
    const garbage = await bad(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), { 'content-type': 'application/x-protobuf' });
    expect(garbage).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
    expect((await bad('{"resourceSpans": 3}', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await bad('not json', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await bad('{}', { 'content-type': 'text/plain' })).body.error.message).toMatch(/application\/x-protobuf or application\/json/);
    expect((await bad('not gzip at all', { 'content-type': 'application/json', 'content-encoding': 'gzip' })).body.error.message).toMatch(/gzip/);
    const bomb = gzipSync(Buffer.alloc(40 * 1024 * 1024, 0x20));
    expect((await bad(bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status).toBe(413);
    // Non-GenAI spans pass through untouched; an empty export is a success.
    expect((await api('POST', '/v1/traces', { raw: '{}' })).body).toEqual({});
    // The /api routes keep their JSON-only parsing.
    const pbToApi = await fetch(`${s.url}/api/agents`, { method: 'POST', headers: { authorization: `Bearer ${s.rootKey}`, 'content-type': 'application/x-protobuf' }, body: new Uint8Array([1, 2, 3]) });
    expect(pbToApi.status).toBe(400);
  });
});
