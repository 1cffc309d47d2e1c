import { type ErrorCode, errorCodes } from './errorCodes.ts';

/** Options for {@link MagsagError}. */
export interface MagsagErrorOptions {
  /** Structured details for scripts (which server, which limit, the figure...). */
  data?: Record<string, unknown>;
  /** The error this one wraps. */
  cause?: unknown;
}

/**
 * The one base error of MAGSAG. `code` is stable (see {@link errorCodes}); the message says what
 * happened and what to do next.
 */
export class MagsagError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: MagsagErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MagsagError';
    this.code = code;
    this.data = options.data;
  }

  /** The CLI exit code for this error: 2 for usage/configuration, 1 otherwise. */
  get exitCode(): 1 | 2 | 3 {
    return errorCodes[this.code].exitCode;
  }

  /** The JSON shape scripts see: `{ code, message }` plus `data` when present. */
  toJSON(): { code: ErrorCode; message: string; data?: Record<string, unknown> } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** True when `error` is a {@link MagsagError}, optionally with the given code. */
export function isMagsagError(error: unknown, code?: ErrorCode): error is MagsagError {
  return error instanceof MagsagError && (code === undefined || error.code === code);
}

/**
 * Wraps anything thrown into a {@link MagsagError}, keeping an existing one as it is.
 * @default code `INTERNAL`
 */
export function toMagsagError(error: unknown, code: ErrorCode = 'INTERNAL'): MagsagError {
  if (error instanceof MagsagError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MagsagError(code, message, { cause: error });
}
