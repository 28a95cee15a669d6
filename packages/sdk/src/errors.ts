import type { ErrorCode } from '@aetherboard/contracts';

/** The server's error codes, plus what can go wrong before the server answers. */
export type AetherBoardErrorCode = ErrorCode | 'unreachable' | 'timeout' | 'bad_response';

/**
 * Every failed call of the client throws one of these: the contract's `{error: {code, message,
 * details}}` with the HTTP status, or status 0 when no answer came back at all.
 */
export class AetherBoardError extends Error {
  override readonly name = 'AetherBoardError';
  constructor(
    readonly status: number,
    readonly code: AetherBoardErrorCode,
    message: string,
    readonly details?: unknown,
    /** From `Retry-After` on 429 and 503 answers. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** Worth trying again later: no answer, throttled, or the server failed (not the request). */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}
