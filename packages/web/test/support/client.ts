/** A tiny HTTP client for seeding through the public API, the way any client would. */
export type Call = <T = any>(method: string, path: string, body?: unknown, key?: string) => Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function client(url: string, defaultKey: string): Call {
  return async (method, path, body, key) => {
    const send = () =>
      fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${key ?? defaultKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // A pooled connection the server closed while idle fails at once; a read can simply go again.
    const res = await send().catch((err: unknown) => {
      if (method === 'GET') return send();
      throw err;
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
    return data;
  };
}
