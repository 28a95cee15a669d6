import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export type Labels = Record<string, string>;
export type MetricType = 'counter' | 'gauge';

const escLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** The Prometheus text exposition format, version 0.0.4: one family at a time, HELP and TYPE first. */
export class Exposition {
  private readonly out: string[] = [];

  add(name: string, type: MetricType, help: string, samples: Array<[Labels, number]>): this {
    this.out.push(`# HELP ${name} ${escHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${escLabel(v)}"`)
        .join(',');
      this.out.push(`${name}${l ? `{${l}}` : ''} ${num(value)}`);
    }
    return this;
  }

  text(): string {
    return `${this.out.join('\n')}\n`;
  }
}

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

let loopDelay: IntervalHistogram | null = null;

/** The usual process and Node.js families, under the names Prometheus client libraries use. */
export function processMetrics(x: Exposition): void {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  x.add('process_cpu_user_seconds_total', 'counter', 'User CPU time spent in seconds.', [[{}, cpu.user / 1e6]]);
  x.add('process_cpu_system_seconds_total', 'counter', 'System CPU time spent in seconds.', [[{}, cpu.system / 1e6]]);
  x.add('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', [[{}, (cpu.user + cpu.system) / 1e6]]);
  x.add('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', [[{}, Math.round(performance.timeOrigin / 1000)]]);
  x.add('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [[{}, mem.rss]]);
  const fds = openFds();
  if (fds !== null) x.add('process_open_fds', 'gauge', 'Number of open file descriptors.', [[{}, fds]]);
  const maxFds = maxOpenFds();
  if (maxFds !== null) x.add('process_max_fds', 'gauge', 'Maximum number of open file descriptors.', [[{}, maxFds]]);
  x.add('nodejs_heap_size_total_bytes', 'gauge', 'Process heap size from Node.js in bytes.', [[{}, mem.heapTotal]]);
  x.add('nodejs_heap_size_used_bytes', 'gauge', 'Process heap size used from Node.js in bytes.', [[{}, mem.heapUsed]]);
  x.add('nodejs_external_memory_bytes', 'gauge', 'Node.js external memory size in bytes.', [[{}, mem.external]]);
  if (!loopDelay) {
    loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
  }
  const seconds = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
  x.add('nodejs_eventloop_lag_mean_seconds', 'gauge', 'The mean of the recorded event loop delays.', [[{}, seconds(loopDelay.mean)]]);
  x.add('nodejs_eventloop_lag_p99_seconds', 'gauge', 'The 99th percentile of the recorded event loop delays.', [[{}, seconds(loopDelay.percentile(99))]]);
  x.add('nodejs_version_info', 'gauge', 'Node.js version info.', [[{ version: process.version }, 1]]);
}

function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

function maxOpenFds(): number | null {
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
