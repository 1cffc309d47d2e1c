/**
 * The defaults of `magsag serve` (and {@link HttpServeOptions}), in a module of their own so the
 * CLI can show them in `--help` without loading the server and the MCP SDK.
 */
export const serveDefaults = Object.freeze({
  /** A session unused for this long is closed (ms). */
  sessionIdleMs: 30 * 60 * 1000,
  /** Sessions open at once. */
  maxSessions: 256,
  /** Time runs get to record themselves as cancelled at shutdown (ms). */
  shutdownGraceMs: 5000,
});
