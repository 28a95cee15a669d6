import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface LoadJob {
  host: string;
  port: number;
  /** Concurrent keep-alive connections, one request in flight on each. */
  connections: number;
  /** Requests sent but not counted, so that sockets, JIT and caches are warm when counting starts. */
  warmupMs: number;
  durationMs: number;
  /** Raw HTTP/1.1 requests, sent round-robin across all connections. */
  requests: string[];
  expectStatus: number;
  /** Batch responses: sum their `accepted` and `rejected` counts. */
  countAccepted?: boolean;
}

export interface LoadResult {
  /** Responses completed inside the measured window. */
  completed: number;
  /** Responses completed over the whole run, warm-up included (for per-request CPU figures). */
  allCompleted: number;
  allAccepted: number;
  seconds: number;
  rps: number;
  statuses: Record<string, number>;
  accepted: number;
  rejected: number;
  failures: number;
  firstError: string | null;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

/** A run's figures plus the CPU time the calling (server) process spent during it. */
export type RunResult = LoadResult & { serverCpuMs: number };

export function rawPost(host: string, port: number, path: string, key: string, body: string): string {
  return (
    `POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nAuthorization: Bearer ${key}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/**
 * One long-lived load generator process, reused for every phase of a benchmark so that the
 * baseline and the measured route are driven by exactly the same client.
 */
export class LoadGenerator {
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<LoadGenerator> {
    const child = fork(fileURLToPath(new URL('./load-client.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`load generator exited ${code}`)));
    });
    child.removeAllListeners('exit');
    return new LoadGenerator(child);
  }

  /** Runs one job; `serverCpuMs` is this (the server's) process CPU time over the whole run. */
  run(job: LoadJob): Promise<RunResult> {
    const cpu = process.cpuUsage();
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`load generator exited ${code}`));
      this.child.once('exit', onExit);
      this.child.once('message', (m: { type: 'result'; result: LoadResult }) => {
        this.child.off('exit', onExit);
        const used = process.cpuUsage(cpu);
        resolve({ ...m.result, serverCpuMs: (used.user + used.system) / 1000 });
      });
      this.child.send({ type: 'run', job });
    });
  }

  stop(): void {
    this.child.send({ type: 'exit' });
  }
}
