import type { AssignmentStatus } from '@aetherboard/contracts';
import { DomainError } from './errors.js';

const TERMINAL: readonly AssignmentStatus[] = ['done', 'handoff'];

export const isOpenAssignment = (s: AssignmentStatus): boolean => !TERMINAL.includes(s);

/** Assignments move active ⇄ blocked and end as done or handoff; ended ones stay ended. */
export function assertAssignmentChange(id: string, from: AssignmentStatus, to: AssignmentStatus | undefined): void {
  if (TERMINAL.includes(from)) {
    throw new DomainError('conflict', `assignment '${id}' is ${from} and can no longer change`, { from, to });
  }
}
