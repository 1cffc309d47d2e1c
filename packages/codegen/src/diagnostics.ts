import type { ErrorCode } from '@magsag/core';

/** How bad a {@link Diagnostic} is: `error` fails the run, the others are reported only. */
export type DiagnosticLevel = 'error' | 'warning' | 'info';

/** One finding of the generator, reported as data instead of stopping at the first. */
export interface Diagnostic {
  level: DiagnosticLevel;
  /** Set on errors: `CONFIG_INVALID`, `CODEGEN_INVALID_SNAPSHOT`, `CODEGEN_STALE`, ... */
  code?: ErrorCode;
  /** The file it is about: a server YAML, or a generated file. */
  file?: string;
  server?: string;
  /** The MCP tool name. */
  tool?: string;
  /** What happened and what to do next. */
  message: string;
}
