import { z } from 'zod';
import type { HeartbeatIngest } from '../../service/heartbeats.js';
import { decodeTraces, encodeResponse, encodingOf, inflate } from '../../integrations/otlp/decode.js';
import { ingestTraces } from '../../integrations/otlp/ingest.js';
import { rawBodyRoute } from '../../integrations/raw-route.js';
import { readSettings, type IntegrationOptions } from '../../integrations/settings.js';
import { requireRole } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

/** Compressed, as received. */
export const OTLP_BODY_LIMIT = 8 * 1024 * 1024;
/** After gzip is undone. */
export const OTLP_INFLATED_LIMIT = 32 * 1024 * 1024;
/** The header an exporter may send the key in, instead of `Authorization: Bearer`. */
export const OTLP_KEY_HEADER = 'x-aetherboard-key';

const ExportTraceServiceResponse = z.object({
  partialSuccess: z
    .object({ rejectedSpans: z.string().describe('int64, as OTLP/JSON writes it'), errorMessage: z.string() })
    .optional()
    .describe('present only when some spans were rejected'),
});

export function otlpRoutes(d: RouteDeps, ingest: HeartbeatIngest, opts: IntegrationOptions): AnyRoute[] {
  const { svc } = d;
  return [
    rawBodyRoute(
      defineRoute({
        method: 'POST',
        url: '/v1/traces',
        tag: 'integrations',
        summary: 'OTLP/HTTP trace ingest: OpenTelemetry GenAI spans become invocations and signs of life',
        description:
          'An ExportTraceServiceRequest as `application/x-protobuf` or `application/json` (OTLP/JSON), optionally with ' +
          '`Content-Encoding: gzip`. Each span with `gen_ai.operation.name` becomes a finished invocation of the agent named by ' +
          '`gen_ai.agent.id` (else `gen_ai.agent.name`) on the span, an ancestor span or the resource, idempotent on trace id + span id; ' +
          'each agent with a span in the export gets one heartbeat (`degraded` if a span failed). Other spans are accepted and ignored. ' +
          `The key goes in \`Authorization: Bearer\` or in the \`${OTLP_KEY_HEADER}\` header. The answer is an ExportTraceServiceResponse ` +
          'in the encoding of the request, with `partialSuccess` when spans were rejected (unknown agents, per the workspace setting ' +
          '`otlp_unknown_agents`).',
        access: 'authenticated',
        roles: 'operator and up; an agent key for its own spans',
        bodyLimit: OTLP_BODY_LIMIT,
        responses: { 200: { description: 'accepted (see partialSuccess); protobuf when the request was protobuf', schema: ExportTraceServiceResponse } },
        handler: async ({ body, principal, raw }) => {
          if (principal.role !== 'agent') requireRole(principal, 'operator');
          const encoding = encodingOf(raw.headers['content-type']);
          const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
          const spans = decodeTraces(inflate(bytes, raw.headers['content-encoding'], OTLP_INFLATED_LIMIT), encoding);
          const settings = await readSettings(svc.database.db, principal.workspaceId, opts);
          const r = await ingestTraces(svc, ingest, principal, settings, spans);
          const res = encodeResponse(encoding, r.rejected, r.reasons.join('; '));
          return { status: 200, body: res.body, headers: { 'content-type': res.contentType } };
        },
      }),
      { keyHeader: OTLP_KEY_HEADER },
    ),
  ];
}
