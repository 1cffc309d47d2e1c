/**
 * The per-run context that travels with every tool call: who is calling, on behalf of which run
 * and workspace. Middleware (PII tokenization, audit) reads it; the runner fills it.
 */
export interface RunContext {
  /** Unique id of the run (one sandbox execution, one skill run, or one host-side script). */
  runId?: string;
  /** Workspace the run writes to; placeholders are stable within one workspace. */
  workspaceId?: string;
  /** Skill being run, when the run is a skill. */
  skill?: string;
  /** Anything else middleware needs; keys are free-form. */
  [key: string]: unknown;
}
