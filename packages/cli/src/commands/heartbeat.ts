import { Option, type Command } from 'commander';
import { HeartbeatStatus, WorkMode } from '@aetherboard/contracts';
import type { HeartbeatInput } from '@aetherboard/sdk';
import { connect, run, withApi, type Flags } from '../lib/api.js';
import { int } from '../lib/parse.js';
import { printJson, time } from '../lib/output.js';

interface BeatFlags {
  status: string;
  mode: string;
  summary?: string;
  assignment?: string;
  queue?: number;
  errors?: number;
  latency?: number;
  tokens?: number;
}

export function registerHeartbeat(program: Command): void {
  withApi(
    program
      .command('heartbeat')
      .description("send one heartbeat for an agent (an agent key may only beat for its own agent)")
      .argument('<agent_id>')
      .addOption(new Option('--status <status>', 'how the agent is').choices(HeartbeatStatus.options).default('ok'))
      .addOption(new Option('--mode <work_mode>', 'what it is doing').choices(WorkMode.options).default('idle'))
      .option('--summary <text>', 'one line on what it is doing or needs (at most 140 characters)')
      .option('--assignment <assignment_id>', 'the assignment it works on')
      .option('--queue <n>', 'pending tasks', int())
      .option('--errors <n>', 'errors in the last hour', int())
      .option('--latency <ms>', 'p95 latency in milliseconds', int())
      .option('--tokens <n>', 'tokens used in the last hour', int()),
  ).action(
    run(async (id: string, f: Flags<BeatFlags>) => {
      const body: HeartbeatInput = {
        status: f.status as HeartbeatInput['status'],
        work_mode: f.mode as HeartbeatInput['work_mode'],
      };
      if (f.summary !== undefined) body.summary = f.summary;
      if (f.assignment !== undefined) body.active_assignment_id = f.assignment;
      if (f.queue !== undefined) body.queue_depth = f.queue;
      if (f.errors !== undefined) body.error_count_1h = f.errors;
      if (f.latency !== undefined) body.latency_p95_ms = f.latency;
      if (f.tokens !== undefined) body.token_burn_1h = f.tokens;
      const r = await connect(f).heartbeats.send(id, body);
      if (f.json) printJson(r);
      else process.stdout.write(`heartbeat for ${id} accepted at ${time(r.received_at)}\n`);
    }),
  );
}
