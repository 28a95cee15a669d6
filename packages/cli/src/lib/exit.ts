import { AetherBoardError } from '@aetherboard/sdk';

/**
 * Exit codes scripts can rely on. They are part of the CLI's contract: documented in
 * `aetherboard --help` and docs/cli.md, and never renumbered.
 */
export const EXIT = {
  ok: 0,
  /** Bad flags or arguments, the server refused the request as invalid (400, 413, 422, 429), or any other failure. */
  usage: 1,
  /** No key, a malformed URL, or a bad setting: nothing was sent. */
  config: 2,
  /** The key is missing, wrong, revoked, or lacks the role (401, 403). */
  auth: 3,
  notFound: 4,
  /** An illegal lifecycle move or a conflicting write (409). */
  conflict: 5,
  /** No answer, a timeout, or a server failure (5xx). */
  unavailable: 6,
  /** `simulate` ran, but its report missed a threshold given with --min-recall / --max-false-positives. */
  check: 7,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_HELP = `Exit codes:
  0  success
  1  usage error, the server refused the request as invalid (400, 413, 422, 429),
     or any other failure
  2  bad configuration: no key, a malformed URL or setting (nothing was sent)
  3  not authorised: missing, wrong or revoked key, or a role too low (401, 403)
  4  not found (404)
  5  conflict: an illegal lifecycle transition or a conflicting write (409)
  6  server unreachable, timed out or failed (5xx)
  7  simulate: the report missed --min-recall or --max-false-positives`;

/** A refusal decided by the CLI itself, with the exit code it stands for. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof AetherBoardError) {
    const s = err.status;
    if (s === 0 || s >= 500) return EXIT.unavailable;
    if (s === 401 || s === 403) return EXIT.auth;
    if (s === 404) return EXIT.notFound;
    if (s === 409) return EXIT.conflict;
    return EXIT.usage;
  }
  return EXIT.usage;
}

/** One line for a person: the server's own message, plus the fields a validation error names. */
export function messageOf(err: unknown): string {
  if (err instanceof AetherBoardError) {
    let msg = err.message;
    const fields = fieldErrors(err.details);
    if (fields) msg += ` (${fields})`;
    const prefix = err.status > 0 ? `${err.code}: ` : '';
    return oneLine(prefix + msg);
  }
  if (err instanceof Error) return oneLine(err.message);
  return oneLine(String(err));
}

function fieldErrors(details: unknown): string | null {
  const allowed = (details as { allowed?: unknown } | null)?.allowed;
  if (Array.isArray(allowed)) return allowed.length > 0 ? `legal moves: ${allowed.join(', ')}` : 'no move is legal';
  if (!Array.isArray(details)) return null;
  const parts = details
    .map((d) => (d && typeof d === 'object' ? `${String((d as { path?: unknown }).path ?? '')}: ${String((d as { message?: unknown }).message ?? '')}` : null))
    .filter((x): x is string => x !== null)
    .slice(0, 5);
  return parts.length > 0 ? parts.join('; ') : null;
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Prints the failure on stderr and sets the exit code; the process ends once output is flushed. */
export function report(err: unknown): ExitCode {
  const code = exitCodeOf(err);
  process.stderr.write(`aetherboard: ${messageOf(err)}\n`);
  // Anything that is not a refusal is a bug of ours; its stack is what a bug report needs.
  if (process.env.AETHERBOARD_DEBUG && !(err instanceof AetherBoardError) && !(err instanceof CliError) && err instanceof Error && err.stack) {
    process.stderr.write(`${err.stack}\n`);
  }
  process.exitCode = code;
  return code;
}
