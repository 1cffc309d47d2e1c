// The limits of one sandbox run, here so that the runner and the project config (magsag.config.yaml)
// validate against the same numbers.

/** Resource limits of one run. Every limit ends the run with a typed error when it is hit. */
export interface RunLimits {
  /** Heap of the isolate, in MiB. @default 128 */
  memoryMb: number;
  /** CPU time the program may use, in ms. @default 10000 */
  cpuMs: number;
  /** Wall-clock time of the whole run, tool calls included, in ms. @default 30000 */
  wallMs: number;
  /** Tool calls one run may make. @default 1000 */
  maxToolCalls: number;
  /** Bytes (JSON) all tool results of one run may add up to. @default 16777216 (16 MiB) */
  maxToolBytes: number;
  /** Bytes of output: the result as JSON plus every log line. @default 1048576 (1 MiB) */
  maxOutputBytes: number;
  /** Tool calls in flight at once; more wait their turn on the host. @default 32 */
  maxConcurrentToolCalls: number;
}

/** The limits used when neither the runner config nor the call sets one. */
export const defaultLimits: Readonly<RunLimits> = Object.freeze({
  memoryMb: 128,
  cpuMs: 10_000,
  wallMs: 30_000,
  maxToolCalls: 1000,
  maxToolBytes: 16 * 1024 * 1024,
  maxOutputBytes: 1024 * 1024,
  maxConcurrentToolCalls: 32,
});

/**
 * The largest value a caller may ask for each limit. A larger one is refused with `USAGE` and
 * `data: { limit, value, max }` before anything runs: never clamped, never overflowing a timer.
 */
export const maxLimits: Readonly<RunLimits> = Object.freeze({
  memoryMb: 1024,
  cpuMs: 10 * 60 * 1000,
  wallMs: 60 * 60 * 1000,
  maxToolCalls: 100_000,
  maxToolBytes: 256 * 1024 * 1024,
  maxOutputBytes: 64 * 1024 * 1024,
  maxConcurrentToolCalls: 256,
});
