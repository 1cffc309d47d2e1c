// Entry of a sandbox worker process: runs many isolates at once for the runner, one per run
// (see sandboxProtocol.ts).
import { MagsagError, isErrorCode } from '@magsag/core';
import { runInIsolate } from './isolate.ts';
import { loadIsolatedVm } from './loadIsolatedVm.ts';
import type { ErrorData, FromSandbox, ToSandbox } from './sandboxProtocol.ts';
import type { AsyncWorkspace, SandboxWorkspace } from './storeWorkspace.ts';
import { Workspace } from './workspace.ts';

function toError(data: ErrorData): MagsagError {
  return new MagsagError(isErrorCode(data.code) ? data.code : 'INTERNAL', data.message, data.data === undefined ? {} : { data: data.data });
}

function toData(error: MagsagError): ErrorData {
  return { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) };
}

const send = (message: FromSandbox): void => {
  if (process.connected) process.send?.(message);
};

interface ActiveRun {
  controller: AbortController;
  nextCallId: number;
  /** Requests to the parent awaiting their reply (`toolResult`, `gateResult` or `workspaceResult`), by call id. */
  pending: Map<number, { resolve: (value: string) => void; reject: (error: MagsagError) => void }>;
}

const runs = new Map<number, ActiveRun>();

/** Sends the parent a request of this run and resolves with its reply's value. */
function ask(run: ActiveRun, signal: AbortSignal, request: (callId: number) => FromSandbox): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    if (signal.aborted) {
      reject(new MagsagError('SANDBOX_CANCELLED', 'The run ended.'));
      return;
    }
    const callId = run.nextCallId++;
    run.pending.set(callId, { resolve, reject });
    send(request(callId));
  });
}

function start(message: Extract<ToSandbox, { type: 'run' }>): void {
  const run: ActiveRun = { controller: new AbortController(), nextCallId: 1, pending: new Map() };
  runs.set(message.runId, run);
  const { remote, stateDir, id, quota } = message.workspace;
  // A workspace in a store (PostgreSQL) is the parent's to reach: this process holds no connection
  // and no credentials, so code that escaped the isolate finds none here.
  const workspace: SandboxWorkspace = remote
    ? ({
        id,
        quota,
        touched: new Set<string>(),
        call: async (op, path, data) =>
          JSON.parse(await ask(run, run.controller.signal, (callId) => ({ type: 'workspace', runId: message.runId, callId, op, path, ...(data === undefined ? {} : { data }) }))) as unknown,
      } satisfies AsyncWorkspace)
    : new Workspace(stateDir, id, quota);
  void runInIsolate({
    modules: message.modules,
    inputJson: message.inputJson,
    limits: message.limits,
    workspace,
    signal: run.controller.signal,
    callToolJson: (server, tool, args, signal, mode) => ask(run, signal, (callId) => ({ type: 'tool', runId: message.runId, callId, server, tool, args, mode })),
    gateToolCall: message.gate
      ? async (server, tool, args, signal) =>
          (await ask(run, signal, (callId) => ({ type: 'gate', runId: message.runId, callId, server, tool, args }))) === 'open' ? 'open' : 'go'
      : undefined,
  }).then((output) => {
    runs.delete(message.runId);
    send({
      type: 'done',
      runId: message.runId,
      output: {
        ...output,
        stopError: output.stopError ? toData(output.stopError) : undefined,
        bridgeErrors: [...output.bridgeErrors].map(([id, error]) => [id, toData(error)]),
        touched: [...workspace.touched],
      },
    });
  });
}

process.on('message', (raw: ToSandbox) => {
  if (raw.type === 'run') {
    start(raw);
    return;
  }
  const run = runs.get(raw.runId);
  if (!run) return;
  if (raw.type === 'toolResult' || raw.type === 'gateResult' || raw.type === 'workspaceResult') {
    const call = run.pending.get(raw.callId);
    run.pending.delete(raw.callId);
    if (!call) return;
    if (raw.error) call.reject(toError(raw.error));
    else call.resolve(raw.type === 'gateResult' ? (raw.verdict ?? 'go') : (raw.json ?? 'null'));
  } else if (raw.type === 'abort') {
    run.controller.abort(toError(raw.error));
  }
});

// The runner went away: nothing left to do.
process.on('disconnect', () => process.exit(0));

// Load the native addon now, so the first run does not pay for it, then say the worker is ready.
// A load failure is reported by each run (runInIsolate loads it again and returns the error).
try {
  loadIsolatedVm();
} catch {
  // Reported per run.
}
send({ type: 'ready' });
