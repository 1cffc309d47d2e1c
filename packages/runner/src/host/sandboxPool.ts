import { MagsagError, isErrorCode, toMagsagError } from '@magsag/core';
import type { ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import type { RunLimits } from '../options.ts';
import type { IsolateModule, IsolateRunOutput } from './isolate.ts';
import { emptyRunOutput } from './runOutput.ts';
import { closeTypeCheckService } from './checker.ts';
import { forkHelper } from './forkHelper.ts';
import type { ErrorData, FromSandbox, SerializedOutput, ToSandbox } from './sandboxProtocol.ts';
import type { Workspace } from './workspace.ts';

/** Where a run's isolate lives: a pooled child process (default), or this process. */
export type Isolation = 'process' | 'inline';

/** Everything a sandboxed run needs. */
export interface SandboxRunInput {
  modules: IsolateModule[];
  inputJson: string | undefined;
  limits: RunLimits;
  workspace: Workspace;
  signal: AbortSignal | undefined;
  callToolJson: (server: string, tool: string, args: Record<string, unknown>, signal: AbortSignal) => Promise<string>;
  isolation: Isolation;
}

function toError(data: ErrorData): MagsagError {
  return new MagsagError(isErrorCode(data.code) ? data.code : 'INTERNAL', data.message, data.data === undefined ? {} : { data: data.data });
}

function toData(error: unknown): ErrorData {
  const magsag = toMagsagError(error, 'TOOL_ERROR');
  return { code: magsag.code, message: magsag.message, ...(magsag.data === undefined ? {} : { data: magsag.data }) };
}

const stderrTails = new WeakMap<ChildProcess, string>();
const idle: ChildProcess[] = [];
const maxIdle = 4;

function spawnSandbox(): ChildProcess {
  const child = forkHelper('sandboxProcess');
  stderrTails.set(child, '');
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTails.set(child, ((stderrTails.get(child) ?? '') + chunk.toString()).slice(-4000));
  });
  (child.stderr as Socket | null)?.unref?.();
  child.on('error', () => {});
  return child;
}

function setRef(child: ChildProcess, on: boolean): void {
  const channel = child.channel as { ref?: () => void; unref?: () => void } | undefined;
  if (on) {
    child.ref();
    channel?.ref?.();
  } else {
    child.unref();
    channel?.unref?.();
  }
}

function acquire(): ChildProcess {
  for (let child = idle.pop(); child; child = idle.pop()) {
    if (child.connected && !child.killed && child.exitCode === null && child.signalCode === null) {
      setRef(child, true);
      return child;
    }
  }
  return spawnSandbox();
}

function release(child: ChildProcess): void {
  // A child we just sent SIGKILL (the watchdog) still looks connected until the signal lands: never
  // hand it to the next run, which would die with it.
  if (!child.connected || child.killed || idle.length >= maxIdle) {
    child.kill('SIGKILL');
    return;
  }
  setRef(child, false);
  idle.push(child);
}

/** Starts `count` sandbox processes ahead of the first runs (they start lazily otherwise). */
export function warmSandboxes(count = 1): void {
  while (idle.length < Math.min(count, maxIdle)) {
    const child = spawnSandbox();
    setRef(child, false);
    idle.push(child);
  }
}

/** Ends every idle sandbox process (for tests and tools that want to exit promptly). */
export function closeSandboxes(): void {
  for (const child of idle.splice(0)) child.kill('SIGKILL');
  closeTypeCheckService();
}

function crashError(child: ChildProcess, limits: RunLimits): MagsagError {
  const tail = stderrTails.get(child) ?? '';
  if (/heap out of memory|is_heap_oom|Allocation failed/i.test(tail) || child.signalCode === 'SIGABRT' || child.signalCode === 'SIGTRAP') {
    return new MagsagError(
      'SANDBOX_MEMORY_LIMIT',
      `The program ran out of memory: its isolate is limited to memoryMb = ${limits.memoryMb} MiB and V8 gave up (one allocation too big for the heap). Keep less in memory, or raise --memory.`,
      { data: { limit: 'memoryMb', value: limits.memoryMb } },
    );
  }
  return new MagsagError('SANDBOX_RUNTIME_ERROR', `The sandbox process exited unexpectedly (code ${child.exitCode ?? 'none'}, signal ${child.signalCode ?? 'none'}).`, {
    data: { exitCode: child.exitCode, signal: child.signalCode, stderr: tail.slice(-1000) },
  });
}

/** Runs a program's modules in an isolate, in a pooled child process unless `isolation` is `inline`. */
export async function runSandboxed(input: SandboxRunInput): Promise<IsolateRunOutput> {
  if (input.isolation === 'inline') {
    // Loaded on demand: importing the runner must work even where isolated-vm is not built, so the
    // CLI can still list servers and `magsag doctor` can say what to fix.
    const { runInIsolate } = await import('./isolate.ts');
    return runInIsolate(input);
  }
  // Cancelled while it was being prepared (type-checked, queued): it never starts. An abort sent to
  // a sandbox before its run would be ignored there, and the run would go on uncancelled.
  if (input.signal?.aborted) {
    return emptyRunOutput(
      new MagsagError('SANDBOX_CANCELLED', 'The run was cancelled by its caller (AbortSignal).', { data: { reason: String(input.signal.reason ?? 'aborted') } }),
    );
  }
  const child = acquire();
  const controller = new AbortController();
  // Every tool call in flight listens on this signal.
  setMaxListeners(input.limits.maxConcurrentToolCalls * 4 + 16, controller.signal);
  const send = (message: ToSandbox): void => {
    if (child.connected) child.send(message);
  };
  let settle: (output: IsolateRunOutput) => void = () => {};
  const done = new Promise<IsolateRunOutput>((resolve) => {
    settle = resolve;
  });
  const empty = (stopError: MagsagError): IsolateRunOutput => emptyRunOutput(stopError);
  const onMessage = (message: FromSandbox): void => {
    if (message.type === 'tool') {
      input.callToolJson(message.server, message.tool, message.args, controller.signal).then(
        (json) => send({ type: 'toolResult', callId: message.callId, json }),
        (error: unknown) => send({ type: 'toolResult', callId: message.callId, error: toData(error) }),
      );
    } else if (message.type === 'done') {
      const output: SerializedOutput = message.output;
      for (const rel of output.touched) input.workspace.touched.add(rel);
      settle({
        ...output,
        stopError: output.stopError ? toError(output.stopError) : undefined,
        bridgeErrors: new Map(output.bridgeErrors.map(([id, data]) => [id, toError(data)])),
      });
    }
  };
  const onExit = (): void => settle(empty(crashError(child, input.limits)));
  const onAbort = (): void =>
    send({ type: 'abort', error: { code: 'SANDBOX_CANCELLED', message: 'The run was cancelled by its caller (AbortSignal).', data: { reason: String(input.signal?.reason ?? 'aborted') } } });
  // The child enforces every limit; this only catches a child that stopped answering.
  const watchdog = setTimeout(() => {
    child.kill('SIGKILL');
    settle(
      empty(
        new MagsagError('SANDBOX_TIMEOUT', `The run took longer than wallMs = ${input.limits.wallMs} ms and its sandbox stopped answering; it was killed.`, {
          data: { limit: 'wallMs', value: input.limits.wallMs },
        }),
      ),
    );
  }, input.limits.wallMs + 5000);
  child.on('message', onMessage);
  // 'close', not 'exit': only then has the child's stderr been read to the end, and the V8
  // out-of-memory report in it is what tells a memory bomb from another crash.
  child.once('close', onExit);
  input.signal?.addEventListener('abort', onAbort, { once: true });
  if (input.signal?.aborted) onAbort();
  try {
    send({
      type: 'run',
      modules: input.modules,
      inputJson: input.inputJson,
      limits: input.limits,
      workspace: { stateDir: input.workspace.stateDir, id: input.workspace.id, quota: input.workspace.quota },
    });
    return await done;
  } finally {
    clearTimeout(watchdog);
    controller.abort();
    input.signal?.removeEventListener('abort', onAbort);
    child.off('message', onMessage);
    child.off('close', onExit);
    release(child);
  }
}
