import { AetherBoardError } from './errors.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface Transport {
  readonly url: string;
  request<T>(method: string, path: string, opts?: RequestOptions): Promise<T>;
}

export interface RequestOptions {
  body?: unknown;
  /** An already serialised JSON body (the exporter builds batches as text). */
  rawBody?: string;
  query?: Record<string, string | number | boolean | undefined | null>;
  timeoutMs?: number;
  /** Overrides the client's key for this call (null sends none). */
  key?: string | null;
}

export interface TransportOptions {
  url: string;
  key?: string;
  fetch?: FetchLike;
  timeoutMs?: number;
}

function retryAfter(res: Response): number | undefined {
  const h = res.headers.get('retry-after');
  if (!h) return undefined;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(h);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

export function createTransport(opts: TransportOptions): Transport {
  const base = opts.url.replace(/\/+$/, '');
  const doFetch: FetchLike = opts.fetch ?? ((input, init) => fetch(input, init));
  const defaultTimeout = opts.timeoutMs ?? 30_000;
  return {
    url: base,
    async request<T>(method: string, path: string, r: RequestOptions = {}): Promise<T> {
      let target = base + path;
      if (r.query) {
        const qs = new URLSearchParams();
        for (const [k, v] of Object.entries(r.query)) if (v !== undefined && v !== null) qs.set(k, String(v));
        const s = qs.toString();
        if (s) target += (target.includes('?') ? '&' : '?') + s;
      }
      const headers: Record<string, string> = { accept: 'application/json' };
      const key = r.key === undefined ? opts.key : r.key;
      if (key) headers.authorization = `Bearer ${key}`;
      let payload: string | undefined = r.rawBody;
      if (payload === undefined && r.body !== undefined) payload = JSON.stringify(r.body);
      if (payload !== undefined) headers['content-type'] = 'application/json';
      const timeoutMs = r.timeoutMs ?? defaultTimeout;
      let res: Response;
      let text: string;
      try {
        res = await doFetch(target, { method, headers, body: payload, signal: AbortSignal.timeout(timeoutMs) });
        text = await res.text();
      } catch (err) {
        const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
        if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
          throw new AetherBoardError(0, 'timeout', `${method} ${path}: no answer within ${timeoutMs} ms`);
        }
        const why = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
        throw new AetherBoardError(0, 'unreachable', `${method} ${path}: server unreachable (${why})`);
      }
      let json: unknown = undefined;
      if (text) {
        try {
          json = JSON.parse(text);
        } catch {
          if (res.ok) throw new AetherBoardError(res.status, 'bad_response', `${method} ${path}: the answer is not JSON`);
        }
      }
      if (!res.ok) {
        const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
        const code = (typeof err?.code === 'string' ? err.code : res.status >= 500 ? 'internal' : 'bad_response') as AetherBoardError['code'];
        const message = typeof err?.message === 'string' ? err.message : `${method} ${path} answered ${res.status}`;
        throw new AetherBoardError(res.status, code, message, err?.details, retryAfter(res));
      }
      return json as T;
    },
  };
}
