import http from 'node:http';
import https from 'node:https';
import type { FetchLike } from '@aetherboard/sdk';

/**
 * A fetch for the simulator's heavy traffic: plain node:http over kept-alive sockets, which costs
 * the driving thread far less per request than the global fetch. The SDK takes it as its `fetch`.
 */
export function keepAliveFetch(maxSockets = 32): FetchLike {
  const agents = { http: new http.Agent({ keepAlive: true, maxSockets }), https: new https.Agent({ keepAlive: true, maxSockets }) };
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      const tls = url.protocol === 'https:';
      const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
      const body = typeof init.body === 'string' ? init.body : undefined;
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const req = (tls ? https : http).request(url, { method: init.method ?? 'GET', headers, agent: tls ? agents.https : agents.http }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
          const empty = status === 204 || status === 304;
          resolve(new Response(empty ? null : Buffer.concat(chunks).toString('utf8'), { status, headers: h }));
        });
      });
      const signal = init.signal;
      if (signal) {
        const abort = () => req.destroy(Object.assign(new Error('the request timed out'), { name: 'TimeoutError' }));
        if (signal.aborted) abort();
        else signal.addEventListener('abort', abort, { once: true });
      }
      req.on('error', reject);
      req.end(body);
    });
}
