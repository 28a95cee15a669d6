import { Area, AreaChart, Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from 'recharts';
import { Sized } from '../components/sized';
import { STATE_COLOR } from '../lib/format';
import type { AgentState } from '../lib/types';

const axis = { fontSize: 11, fill: '#64748b' };
const grid = <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" vertical={false} />;

/** Agents per team, stacked by lifecycle state. */
export function StateChart({ teams, states }: { teams: Array<Record<string, string | number>>; states: readonly AgentState[] }) {
  return (
    <Sized className="chart" height={220}>
      {(w, h) => (
        <BarChart width={w} height={h} data={teams} margin={{ top: 12, right: 8, bottom: 0, left: -12 }} maxBarSize={56}>
          {grid}
          <XAxis dataKey="name" tick={axis} tickLine={false} axisLine={false} interval={0} />
          <YAxis tick={axis} tickLine={false} axisLine={false} allowDecimals={false} />
          <Tooltip />
          {states.map((st) => (
            <Bar key={st} dataKey={st} stackId="s" fill={STATE_COLOR[st]} isAnimationActive={false} />
          ))}
        </BarChart>
      )}
    </Sized>
  );
}

export function ThroughputChart({ data }: { data: Array<{ day: string; completed: number }> }) {
  return (
    <Sized className="chart" height={220}>
      {(w, h) => (
        <AreaChart width={w} height={h} data={data} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
          <defs>
            <linearGradient id="tp" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" stopColor="#0284c7" stopOpacity={0.35} />
              <stop offset="100%" stopColor="#0284c7" stopOpacity={0.02} />
            </linearGradient>
          </defs>
          {grid}
          <XAxis dataKey="day" tick={axis} tickLine={false} axisLine={false} />
          <YAxis tick={axis} tickLine={false} axisLine={false} allowDecimals={false} />
          <Tooltip />
          <Area type="monotone" dataKey="completed" name="Completed" stroke="#0284c7" strokeWidth={2} fill="url(#tp)" isAnimationActive={false} />
        </AreaChart>
      )}
    </Sized>
  );
}

export function WorkloadChart({ data }: { data: Array<{ name: string; agents: number; work: number }> }) {
  return (
    <Sized className="chart" height={220}>
      {(w, h) => (
        <BarChart width={w} height={h} data={data} margin={{ top: 8, right: 8, bottom: 0, left: -12 }} barGap={2}>
          {grid}
          <XAxis dataKey="name" tick={axis} tickLine={false} axisLine={false} interval={0} />
          <YAxis tick={axis} tickLine={false} axisLine={false} allowDecimals={false} />
          <Tooltip />
          <Bar dataKey="agents" name="Agents" fill="#94a3b8" radius={[3, 3, 0, 0]} isAnimationActive={false} />
          <Bar dataKey="work" name="Open assignments" fill="#6366f1" radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      )}
    </Sized>
  );
}

export function BlockersChart({ data }: { data: Array<{ name: string; count: number }> }) {
  return (
    <Sized className="chart" height={Math.max(120, 40 * data.length + 20)}>
      {(w, h) => (
        <BarChart width={w} height={h} layout="vertical" data={data} margin={{ top: 0, right: 24, bottom: 0, left: 8 }} barSize={18}>
          <XAxis type="number" hide allowDecimals={false} />
          <YAxis type="category" dataKey="name" width={120} tick={axis} tickLine={false} axisLine={false} />
          <Tooltip cursor={{ fill: '#f1f5f9' }} />
          <Bar dataKey="count" name="Blocked" radius={[0, 4, 4, 0]} isAnimationActive={false} label={{ position: 'right', fontSize: 12, fill: '#334155' }}>
            {data.map((b, i) => (
              <Cell key={b.name} fill={i === 0 ? '#ea580c' : '#fb923c'} />
            ))}
          </Bar>
        </BarChart>
      )}
    </Sized>
  );
}
