/**
 * What tracking holds in memory. Seed 004 allows 10 MB per active invocation; this measures the
 * heap an unfinished tracked call holds beyond the same call untracked (both hold a pending
 * promise and its resolver), and what a finished one waiting in the export buffer holds, which
 * bounds the buffer's memory (maxBuffer × that). Heap is measured after full collections.
 * Prints one JSON line.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createClient } from '../packages/sdk/src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heap(): number {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

const N = 50_000;
const never = () => new Promise<Response>(() => undefined);
const agent = createClient({ url: 'http://bench.invalid', key: 'bench', fetch: never }).agent('bench-agent', {
  heartbeats: false,
  maxBuffer: N * 2,
  batchSize: 5_000,
  flushIntervalMs: 3_600_000,
});

// Warm every path once so compiled code and caches are not counted as per-call memory.
{
  let release: () => void = () => undefined;
  const p = agent.track('warm', () => new Promise<void>((r) => (release = r)), { context: { step: 'warm' } });
  release();
  await p;
}

async function perPending(tracked: boolean): Promise<number> {
  const resolvers: Array<() => void> = [];
  const pending: Array<Promise<void>> = [];
  const before = heap();
  for (let i = 0; i < N; i++) {
    const fn = () => new Promise<void>((r) => resolvers.push(r));
    pending.push(tracked ? agent.track('llm-call', fn, { context: { step: 'plan' }, complexity_score: 5 }) : fn());
  }
  const during = heap();
  for (const r of resolvers) r();
  await Promise.all(pending);
  return (during - before) / N;
}

const baseline = await perPending(false);
const withTracking = await perPending(true);
// The N tracked calls above are now finished and waiting in the buffer (the transport never
// answers), so the heap they still hold is the buffer's cost per invocation.
const buffered = agent.stats.buffered;
const beforeDrop = heap();
(agent as unknown as { exporter: { buf: unknown[]; head: number } }).exporter.buf = [];
const afterDrop = heap();
const perBuffered = (beforeDrop - afterDrop) / buffered;

const overhead = withTracking - baseline;
const kb = (b: number) => Math.round((b / 1024) * 100) / 100;
console.log(
  JSON.stringify({
    bench: 'tracking-memory',
    active_invocations: N,
    bytes_per_pending_call_untracked: Math.round(baseline),
    bytes_per_pending_call_tracked: Math.round(withTracking),
    bytes_per_active_invocation: Math.round(overhead),
    bytes_per_buffered_invocation: Math.round(perBuffered),
    buffered_measured: buffered,
    default_buffer_bound_mb: Math.round(((perBuffered * 10_000) / 1024 / 1024) * 100) / 100,
    seed_limit_per_active_invocation_mb: 10,
    ratio_vs_seed_limit: Number((overhead / (10 * 1024 * 1024)).toExponential(3)),
    kib: { active: kb(overhead), buffered: kb(perBuffered) },
    pass: overhead < 10 * 1024 * 1024,
  }),
);
process.exit(0);
