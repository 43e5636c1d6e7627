// Stable error codes of the contract. A code never changes meaning once released; the message is a sentence a user
// can act on. Every failure that crosses a process boundary (IPC, WebSocket, engine host, CLI) is a RetakeError.

export const ERROR_CODES = [
  'E_VALIDATION', // a request did not match its schema
  'E_NOT_FOUND', // an id that does not exist (or was deleted)
  'E_NO_PROJECT', // a method that needs an open project was called without one
  'E_NOT_A_PROJECT', // a folder that is not a Retake project (or a newer one)
  'E_PROJECT_EXISTS', // create over an existing project
  'E_PROJECT_LOCKED', // opened by another process
  'E_FILE_NOT_FOUND', // a path given by the user does not exist
  'E_UNSUPPORTED_AUDIO', // not an audio file we can decode
  'E_CORRUPT_AUDIO', // an audio file that is truncated or malformed
  'E_EMPTY_AUDIO', // zero samples
  'E_INVALID_SAMPLES', // NaN or infinite samples
  'E_MEDIA_MISSING', // a media-store file referenced by the project is gone
  'E_UNKNOWN_ENGINE',
  'E_UNKNOWN_TASK',
  'E_UNKNOWN_OPTION',
  'E_TEXT_REQUIRED', // a task that needs a transcript (or new text) got none
  'E_INPUT_TOO_LONG',
  'E_LENGTH_CHANGE', // an edit changed a span's length more than "fit" may stretch back (±25 %)
  'E_ENGINE_CRASHED', // the engine host died during a job
  'E_ENGINE_FAILED', // the engine reported an error
  'E_ENGINE_UNAVAILABLE', // an engine that cannot run here (no model pack, no provider)
  'E_CANCELLED',
  'E_JOB_ACTIVE', // an operation that conflicts with a running job
  'E_NOTHING_TO_UNDO',
  'E_NOTHING_TO_REDO',
  'E_IO', // a read or write failed
  'E_AUTH', // web shell: missing or wrong token
  'E_FORBIDDEN', // a path outside what the caller may see (the web shell's folder browser)
  'E_MODEL_INVALID', // model files that fail their checks: tensor names/shapes/counts, hashes, truncation, an unsafe pickle
  'E_NETWORK', // a download failed (connection, HTTP status) and could not be resumed
  'E_INTERNAL', // a bug: the message says what to report
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  /** Optional machine-readable details (e.g. the schema issues of E_VALIDATION). */
  details?: unknown;
}

export class RetakeError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'RetakeError';
    this.code = code;
    this.details = details;
  }
  toPayload(): ErrorPayload {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
  static is(e: unknown, code?: ErrorCode): e is RetakeError {
    return e instanceof RetakeError && (code === undefined || e.code === code);
  }
}

export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && (ERROR_CODES as readonly string[]).includes(x);
}

/** Any thrown value as a payload: RetakeErrors keep their code; everything else is E_INTERNAL. */
export function toErrorPayload(e: unknown): ErrorPayload {
  if (e instanceof RetakeError) return e.toPayload();
  if (e && typeof e === 'object' && 'code' in e && 'message' in e && isErrorCode((e as { code: unknown }).code)) {
    return { code: (e as { code: ErrorCode }).code, message: String((e as { message: unknown }).message) };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return { code: 'E_INTERNAL', message: `Unexpected error: ${msg}. Please report this with the steps that led to it.` };
}

export function fromErrorPayload(p: ErrorPayload): RetakeError {
  return new RetakeError(p.code, p.message, p.details);
}
