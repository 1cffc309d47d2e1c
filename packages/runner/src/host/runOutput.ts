import type { MagsagError } from '@magsag/core';
import type { IsolateRunOutput } from './isolate.ts';

/** A run's output before anything happened (or when the sandbox died before reporting). */
export function emptyRunOutput(stopError?: MagsagError): IsolateRunOutput {
  return {
    outcome: undefined,
    stopError,
    bridgeErrors: new Map(),
    logs: [],
    logBytes: 0,
    toolCalls: [],
    toolBytes: 0,
    maxInFlight: 0,
    cpuMs: 0,
    heapBytes: 0,
    compileMs: 0,
  };
}
