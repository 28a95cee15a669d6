import { LEGAL_TRANSITIONS, MONITORED_STATES, type AgentState, type FireReason } from '@aetherboard/contracts';
import { DomainError } from './errors.js';

export const isMonitored = (state: AgentState): boolean => MONITORED_STATES.includes(state);

/** States in which an agent takes no heartbeats, work or invocations any more. */
export const CLOSED_STATES = ['retired', 'archived'] as const satisfies readonly AgentState[];
export const isClosed = (state: string): boolean => (CLOSED_STATES as readonly string[]).includes(state);

export const isLegalTransition = (from: AgentState, to: AgentState): boolean => LEGAL_TRANSITIONS[from].includes(to);

/** Throws `illegal_transition` unless contract §5 allows `from → to`. */
export function assertTransition(agentId: string, from: AgentState, to: AgentState): void {
  if (from === 'archived') {
    throw new DomainError('illegal_transition', `agent '${agentId}' is archived and read-only`, { from, to, allowed: [] });
  }
  if (!isLegalTransition(from, to)) {
    throw new DomainError('illegal_transition', `agent '${agentId}' cannot move from ${from} to ${to}`, {
      from,
      to,
      allowed: LEGAL_TRANSITIONS[from],
    });
  }
}

/** Firing retires the agent from any state except retired and archived. */
export function assertFireable(agentId: string, from: AgentState, reason: FireReason): void {
  if (isClosed(from)) {
    throw new DomainError('illegal_transition', `agent '${agentId}' is already ${from} and cannot be fired`, {
      from,
      to: 'retired',
      reason,
    });
  }
}

export function assertWritable(agentId: string, state: AgentState): void {
  if (state === 'archived') throw new DomainError('conflict', `agent '${agentId}' is archived and read-only`);
}
