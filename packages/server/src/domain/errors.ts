import type { ErrorCode } from '@aetherboard/contracts';

/**
 * A refusal the product gives on purpose. It carries no HTTP status: the API's error mapper
 * chooses that, so the same decision reads the same from HTTP, the CLI and the engine.
 */
export class DomainError extends Error {
  constructor(
    readonly code: Exclude<ErrorCode, 'internal'>,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, id: string): DomainError => new DomainError('not_found', `${what} '${id}' was not found`);

export const unknownReference = (field: string, id: string, what: string): DomainError =>
  new DomainError('unknown_reference', `${field} '${id}' is no ${what} of this workspace`, { field, id });

export const conflict = (message: string, details?: unknown): DomainError => new DomainError('conflict', message, details);

export const forbidden = (message: string, details?: unknown): DomainError => new DomainError('forbidden', message, details);
