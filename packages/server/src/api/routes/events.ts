import type { FastifyRequest } from 'fastify';
import type { ChangeEvent } from '../../service/context.js';
import { unauthorized, type Principal } from '../principal.js';
import { defineRoute, type AnyRoute } from '../route.js';
import type { RouteDeps } from './deps.js';

/** The cookie a browser's EventSource carries, since it cannot set an Authorization header. */
export const EVENTS_COOKIE = 'aetherboard_key';

export interface EventStreamOptions {
  /** Keep-alive comment interval: proxies drop connections that stay silent. */
  keepAliveMs?: number;
  /** Changes are gathered this long and written together, so a burst costs one write. */
  flushMs?: number;
  /** More changes than this in one window are announced as one `overflow` event instead. */
  maxPerFlush?: number;
}

const MAX_BUFFERED_BYTES = 1 << 20;

/** A change that lists its agents (the `heartbeats` event) and names this one among them. */
function namesAgent(e: ChangeEvent, agentId: string): boolean {
  const ids = (e.data as { agent_ids?: unknown } | undefined)?.agent_ids;
  return Array.isArray(ids) && ids.includes(agentId);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function eventRoutes(d: RouteDeps, opts: EventStreamOptions = {}): AnyRoute[] {
  const keepAliveMs = opts.keepAliveMs ?? 15_000;
  const flushMs = opts.flushMs ?? 250;
  const maxPerFlush = opts.maxPerFlush ?? 100;

  const authenticate = async (req: FastifyRequest): Promise<Principal> => {
    if (req.headers.authorization) return d.auth.authenticate(req);
    const key = cookieValue(req.headers.cookie, EVENTS_COOKIE);
    if (!key) throw unauthorized(`send Authorization: Bearer <key>, or the ${EVENTS_COOKIE} cookie`);
    // The authenticator reads one header; give it the cookie's key in that form.
    return d.auth.authenticate({ headers: { authorization: `Bearer ${key}` } } as FastifyRequest);
  };

  return [
    defineRoute({
      method: 'GET',
      url: '/api/events',
      tag: 'system',
      summary: 'Live changes of the workspace as server-sent events',
      description:
        'A text/event-stream. Authenticate with `Authorization: Bearer <key>` or, from a browser EventSource, with the ' +
        `\`${EVENTS_COOKIE}\` cookie holding the key. Events: \`ready\` once subscribed; \`change\` with ` +
        '`{type, agent_id?, data?}` for each change (agent.registered, agent.transition, agent.fired, assignment.updated, …); ' +
        '`overflow` with `{count}` when a burst was too large to list, meaning "refetch what you show". ' +
        '`heartbeats` carries `{agent_ids}`: the agents whose beats were just stored, or null when there were more than 32 ' +
        '(`agent_id` too when there was one). ' +
        'A comment line is sent every 15 s to keep the connection open. Agent keys receive only their own agent\'s changes.',
      access: 'public',
      roles: 'any key',
      responses: {
        200: { description: 'the event stream', contentType: 'text/event-stream' },
        401: { description: 'no valid key' },
      },
      handler: async ({ raw, reply }) => {
        const principal = await authenticate(raw);
        const ws = principal.workspaceId;
        const onlyAgent = principal.role === 'agent' ? principal.agentId : null;

        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-store',
          connection: 'keep-alive',
          // Reverse proxies must pass events through as they come, not buffer them.
          'x-accel-buffering': 'no',
        });
        res.write(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ workspace_id: ws })}\n\n`);

        let pending: ChangeEvent[] = [];
        let overflow = 0;
        let flushTimer: ReturnType<typeof setTimeout> | undefined;
        let closed = false;

        const write = (chunk: string): void => {
          if (closed) return;
          // A client that stops reading must not make the server hold an ever-growing buffer.
          if (res.writableLength > MAX_BUFFERED_BYTES) {
            cleanup();
            res.destroy();
            return;
          }
          res.write(chunk);
        };

        const flush = (): void => {
          flushTimer = undefined;
          let out = '';
          for (const e of pending) {
            out += `event: change\ndata: ${JSON.stringify({ type: e.type, agent_id: e.agent_id ?? null, data: e.data ?? null })}\n\n`;
          }
          if (overflow > 0) out += `event: overflow\ndata: ${JSON.stringify({ count: overflow })}\n\n`;
          pending = [];
          overflow = 0;
          if (out) write(out);
        };

        const off = d.svc.bus.on((e) => {
          if (e.workspace_id !== ws) return;
          if (onlyAgent !== null && e.agent_id !== onlyAgent && !namesAgent(e, onlyAgent)) return;
          if (pending.length < maxPerFlush) pending.push(e);
          else overflow += 1;
          flushTimer ??= setTimeout(flush, flushMs);
        });
        const keepAlive = setInterval(() => write(': keep-alive\n\n'), keepAliveMs);

        function cleanup(): void {
          if (closed) return;
          closed = true;
          off();
          clearInterval(keepAlive);
          if (flushTimer) clearTimeout(flushTimer);
        }
        res.on('close', cleanup);
        res.on('error', cleanup);
        return {};
      },
    }),
  ];
}
