// Entry of the sandbox child process: runs one isolate at a time for the runner (see sandboxProtocol.ts).
import { MagsagError, isErrorCode } from '@magsag/core';
import { runInIsolate } from './isolate.ts';
import type { ErrorData, FromSandbox, ToSandbox } from './sandboxProtocol.ts';
import { Workspace } from './workspace.ts';

function toError(data: ErrorData): MagsagError {
  return new MagsagError(isErrorCode(data.code) ? data.code : 'INTERNAL', data.message, data.data === undefined ? {} : { data: data.data });
}

function toData(error: MagsagError): ErrorData {
  return { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) };
}

const send = (message: FromSandbox): void => {
  process.send?.(message);
};

let nextCallId = 1;
const pending = new Map<number, { resolve: (json: string) => void; reject: (error: MagsagError) => void }>();
let controller: AbortController | undefined;

process.on('message', (raw: ToSandbox) => {
  if (raw.type === 'toolResult') {
    const call = pending.get(raw.callId);
    pending.delete(raw.callId);
    if (!call) return;
    if (raw.error) call.reject(toError(raw.error));
    else call.resolve(raw.json ?? 'null');
  } else if (raw.type === 'abort') {
    controller?.abort(toError(raw.error));
  } else if (raw.type === 'run') {
    controller = new AbortController();
    const workspace = new Workspace(raw.workspace.stateDir, raw.workspace.id, raw.workspace.quota);
    void runInIsolate({
      modules: raw.modules,
      inputJson: raw.inputJson,
      limits: raw.limits,
      workspace,
      signal: controller.signal,
      callToolJson: (server, tool, args, signal) =>
        new Promise<string>((resolve, reject) => {
          if (signal.aborted) {
            reject(new MagsagError('SANDBOX_CANCELLED', 'The run ended.'));
            return;
          }
          const callId = nextCallId++;
          pending.set(callId, { resolve, reject });
          send({ type: 'tool', callId, server, tool, args });
        }),
    }).then((output) => {
      pending.clear();
      send({
        type: 'done',
        output: {
          ...output,
          stopError: output.stopError ? toData(output.stopError) : undefined,
          bridgeErrors: [...output.bridgeErrors].map(([id, error]) => [id, toData(error)]),
          touched: [...workspace.touched],
        },
      });
    });
  }
});

// The runner went away: nothing left to do.
process.on('disconnect', () => process.exit(0));
