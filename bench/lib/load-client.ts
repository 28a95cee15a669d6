/**
 * The load generator's own process (forked by load.ts), so that it never competes with the
 * server for the same event loop. Plain keep-alive HTTP/1.1 over raw sockets: requests are
 * pre-encoded, and a response is parsed only as far as its status line and Content-Length, so
 * the client stays far cheaper per request than any server it drives. One request in flight per
 * connection (no pipelining), like a fleet of ordinary HTTP clients.
 */
import { connect, type Socket } from 'node:net';
import type { LoadJob, LoadResult } from './load.js';

const HEADER_END = Buffer.from('\r\n\r\n');

function contentLength(head: string): number {
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (!m) throw new Error(`response without Content-Length: ${head.slice(0, 200)}`);
  return Number(m[1]);
}

function run(job: LoadJob): Promise<LoadResult> {
  const requests = job.requests.map((r) => Buffer.from(r, 'utf8'));
  const started = performance.now();
  const measureFrom = started + job.warmupMs;
  const end = measureFrom + job.durationMs;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let completed = 0;
  let allCompleted = 0;
  let allAccepted = 0;
  let accepted = 0;
  let rejected = 0;
  let failures = 0;
  let firstError: string | null = null;
  let next = 0;
  let open = job.connections;

  return new Promise((resolve) => {
    const finish = () => {
      if (--open > 0) return;
      latencies.sort((a, b) => a - b);
      const at = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)]! : NaN);
      resolve({
        completed,
        allCompleted,
        allAccepted,
        seconds: job.durationMs / 1000,
        rps: completed / (job.durationMs / 1000),
        statuses,
        accepted,
        rejected,
        failures,
        firstError,
        latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) },
      });
    };

    const start = (socket: Socket) => {
      let buf: Buffer | null = null;
      let sentAt = 0;
      let done = false;
      const stop = () => {
        if (done) return;
        done = true;
        socket.destroy();
        finish();
      };
      const send = () => {
        const now = performance.now();
        if (now >= end) return stop();
        sentAt = now;
        socket.write(requests[next++ % requests.length]!);
      };
      socket.setNoDelay(true);
      socket.on('connect', send);
      socket.on('error', (err) => {
        failures += 1;
        firstError ??= err.message;
        stop();
      });
      socket.on('close', stop);
      socket.on('data', (chunk: Buffer) => {
        buf = buf ? Buffer.concat([buf, chunk]) : chunk;
        const headEnd = buf.indexOf(HEADER_END);
        if (headEnd < 0) return;
        const head = buf.toString('latin1', 0, headEnd);
        const total = headEnd + 4 + contentLength(head);
        if (buf.length < total) return;
        const doneAt = performance.now();
        const status = head.slice(9, 12);
        const body = job.countAccepted ? buf.toString('utf8', headEnd + 4, total) : '';
        buf = buf.length > total ? buf.subarray(total) : null;
        allCompleted += 1;
        if (job.countAccepted && status === String(job.expectStatus)) allAccepted += (JSON.parse(body) as { accepted: number }).accepted;
        // Throughput counts completions inside the window (unbiased in steady state).
        if (doneAt >= measureFrom && doneAt <= end) {
          completed += 1;
          statuses[status] = (statuses[status] ?? 0) + 1;
          latencies.push(doneAt - sentAt);
          if (status !== String(job.expectStatus)) {
            failures += 1;
            firstError ??= `${status}: ${body.slice(0, 300)}`;
          } else if (job.countAccepted) {
            const r = JSON.parse(body) as { accepted: number; rejected: unknown[] };
            accepted += r.accepted;
            rejected += r.rejected.length;
            if (r.rejected.length > 0) firstError ??= JSON.stringify(r.rejected[0]);
          }
        }
        send();
      });
    };
    for (let i = 0; i < job.connections; i++) start(connect(job.port, job.host));
  });
}

process.on('message', (msg: { type: 'run'; job: LoadJob } | { type: 'exit' }) => {
  if (msg.type === 'exit') process.exit(0);
  void run(msg.job).then((result) => process.send!({ type: 'result', result }));
});
process.send!({ type: 'ready' });
