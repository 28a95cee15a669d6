import type { Page } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | boolean | null | undefined>;

export function qs(q: Query | undefined): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** A thin client of the HTTP API: the key goes in the Authorization header, errors become ApiError. */
export class Api {
  constructor(
    private readonly key: string,
    private readonly onUnauthorized: () => void = () => undefined,
  ) {}

  async request<T>(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}`, accept: 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path + qs(opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (!res.ok) {
      const err = (data as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
      if (res.status === 401) this.onUnauthorized();
      throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `${method} ${path} answered ${res.status}`, err?.details);
    }
    return data as T;
  }

  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly warm = new Map<string, { at: number; p: Promise<unknown> }>();

  /**
   * Starts a read before anything asks for it (the first view's data, while the key is still being
   * checked); the first `get` of the same URL within a few seconds takes its answer.
   */
  prefetch(path: string, query?: Query): void {
    const url = path + qs(query);
    const p = this.request('GET', url);
    p.catch(() => undefined);
    this.warm.set(url, { at: Date.now(), p });
  }

  /** Identical reads in flight at once share one request (two widgets showing one summary). */
  get<T>(path: string, query?: Query): Promise<T> {
    const url = path + qs(query);
    const w = this.warm.get(url);
    if (w) {
      this.warm.delete(url);
      if (Date.now() - w.at < 5000) return w.p as Promise<T>;
    }
    let p = this.inflight.get(url) as Promise<T> | undefined;
    if (!p) {
      p = this.request<T>('GET', url).finally(() => this.inflight.delete(url));
      this.inflight.set(url, p);
    }
    return p;
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }

  /** Follows cursors until `max` items or the end; for lists a view needs whole (a pod's agents). */
  async all<T>(path: string, query: Query = {}, max = 5000): Promise<{ items: T[]; truncated: boolean }> {
    const items: T[] = [];
    let cursor: string | null | undefined;
    do {
      const page: Page<T> = await this.get<Page<T>>(path, { ...query, limit: Math.min(1000, max - items.length), cursor: cursor ?? undefined });
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor && items.length < max);
    return { items, truncated: Boolean(cursor) };
  }
}

/** Probes the key without keeping it: sign-in calls this before storing anything. */
export async function whoAmI<T>(key: string, api: Api = new Api(key)): Promise<T> {
  return api.get<T>('/api/me');
}
