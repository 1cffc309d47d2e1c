import { MagsagError, isErrorCode, toMagsagError } from '@magsag/core';
import type { ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import type { Socket } from 'node:net';
import type { RunLimits } from '../options.ts';
import type { IsolateModule, IsolateRunOutput } from './isolate.ts';
import { emptyRunOutput } from './runOutput.ts';
import { closeTypeCheckService } from './checker.ts';
import { forkHelper, setProcessRef } from './forkHelper.ts';
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
  /** The pool to take a sandbox from. @default the default pool */
  pool?: SandboxPool | undefined;
}

function toError(data: ErrorData): MagsagError {
  return new MagsagError(isErrorCode(data.code) ? data.code : 'INTERNAL', data.message, data.data === undefined ? {} : { data: data.data });
}

function toData(error: unknown): ErrorData {
  const magsag = toMagsagError(error, 'TOOL_ERROR');
  return { code: magsag.code, message: magsag.message, ...(magsag.data === undefined ? {} : { data: magsag.data }) };
}

const stderrTails = new WeakMap<ChildProcess, string>();

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

const usable = (child: ChildProcess): boolean => child.connected && !child.killed && child.exitCode === null && child.signalCode === null;

/** Settings of the sandbox pool: how many sandbox processes run at once and how runs wait. */
export interface SandboxPoolOptions {
  /** Sandbox processes running programs at once. @default max(8, 4 × CPUs) */
  maxWorkers: number;
  /** Runs that may wait for a sandbox; one more gets `SANDBOX_BUSY` at once. @default 256 */
  queueLength: number;
  /** How long a run may wait for a sandbox before it gets `SANDBOX_BUSY`, in ms. @default 60000 */
  queueTimeoutMs: number;
  /** Idle sandbox processes kept warm for the next runs. @default 4 */
  maxIdle: number;
}

/** The defaults of {@link SandboxPoolOptions}. */
export const sandboxPoolDefaults: Readonly<SandboxPoolOptions> = Object.freeze({
  maxWorkers: Math.max(8, 4 * availableParallelism()),
  queueLength: 256,
  queueTimeoutMs: 60_000,
  maxIdle: 4,
});

interface Waiter {
  resolve: (child: ChildProcess) => void;
  reject: (error: MagsagError) => void;
  timer: NodeJS.Timeout;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * The sandbox processes, one run each at a time: at most `maxWorkers` run at once, runs beyond
 * that wait in a bounded queue (admission control), so a burst of clients or runs that never
 * settle cannot start a process each and exhaust the machine's memory.
 */
export class SandboxPool {
  readonly options: SandboxPoolOptions;
  readonly #idle: ChildProcess[] = [];
  readonly #queue: Waiter[] = [];
  #busy = 0;

  constructor(options: Partial<SandboxPoolOptions> = {}) {
    this.options = { ...sandboxPoolDefaults, ...options };
  }

  /** Runs holding a sandbox, and runs waiting for one. */
  get stats(): { busy: number; queued: number; idle: number } {
    return { busy: this.#busy, queued: this.#queue.length, idle: this.#idle.length };
  }

  /** A sandbox for one run: at once when one is free, else after waiting in the queue. */
  acquire(signal?: AbortSignal): Promise<ChildProcess> {
    if (this.#busy < this.options.maxWorkers) {
      this.#busy++;
      return Promise.resolve(this.#take());
    }
    const { queueLength, queueTimeoutMs, maxWorkers } = this.options;
    if (this.#queue.length >= queueLength) {
      return Promise.reject(
        new MagsagError('SANDBOX_BUSY', `All ${maxWorkers} sandboxes are busy and ${queueLength} runs are already waiting: try again in a few seconds.`, {
          data: { retryable: true, maxWorkers, queueLength, queued: this.#queue.length },
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        timer: setTimeout(() => {
          this.#drop(waiter);
          reject(
            new MagsagError('SANDBOX_BUSY', `No sandbox came free within queueTimeoutMs = ${queueTimeoutMs} ms (all ${maxWorkers} are busy): try again in a few seconds.`, {
              data: { retryable: true, maxWorkers, queueLength, queueTimeoutMs },
            }),
          );
        }, queueTimeoutMs),
        onAbort: () => {
          this.#drop(waiter);
          reject(new MagsagError('SANDBOX_CANCELLED', 'The run was cancelled while it waited for a sandbox.'));
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  /** Gives a sandbox back after its run: kept warm, or ended when it may be unhealthy. */
  release(child: ChildProcess): void {
    // A child we just sent SIGKILL (the watchdog) still looks connected until the signal lands: never
    // hand it to the next run, which would die with it.
    if (!usable(child) || this.#idle.length >= this.options.maxIdle) child.kill('SIGKILL');
    else {
      setProcessRef(child, false);
      this.#idle.push(child);
    }
    const next = this.#queue.shift();
    if (!next) {
      this.#busy--;
      return;
    }
    clearTimeout(next.timer);
    next.signal?.removeEventListener('abort', next.onAbort);
    next.resolve(this.#take());
  }

  /** Starts `count` sandbox processes ahead of the first runs (they start lazily otherwise). */
  warm(count = 1): void {
    while (this.#idle.length < Math.min(count, this.options.maxIdle)) {
      const child = spawnSandbox();
      setProcessRef(child, false);
      this.#idle.push(child);
    }
  }

  /** Ends the idle sandbox processes and refuses the waiting runs. */
  close(): void {
    for (const child of this.#idle.splice(0)) child.kill('SIGKILL');
    for (const waiter of this.#queue.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(new MagsagError('SANDBOX_CANCELLED', 'The sandbox pool was closed while the run waited.'));
    }
  }

  #take(): ChildProcess {
    for (let child = this.#idle.pop(); child; child = this.#idle.pop()) {
      if (usable(child)) {
        setProcessRef(child, true);
        return child;
      }
    }
    return spawnSandbox();
  }

  #drop(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    const at = this.#queue.indexOf(waiter);
    if (at >= 0) this.#queue.splice(at, 1);
  }
}

let defaultPool = new SandboxPool();

/** The pool runs use unless they are given another. */
export function sandboxPool(): SandboxPool {
  return defaultPool;
}

/** Replaces the default pool's settings (the old pool's idle processes end). */
export function configureSandboxPool(options: Partial<SandboxPoolOptions>): SandboxPool {
  defaultPool.close();
  defaultPool = new SandboxPool(options);
  return defaultPool;
}

/** Starts `count` sandbox processes ahead of the first runs (they start lazily otherwise). */
export function warmSandboxes(count = 1): void {
  defaultPool.warm(count);
}

/** Ends every idle sandbox process (for tests and tools that want to exit promptly). */
export function closeSandboxes(): void {
  defaultPool.close();
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

const stoppedByLimit = new Set(['SANDBOX_CPU_LIMIT', 'SANDBOX_MEMORY_LIMIT', 'SANDBOX_TIMEOUT']);

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
  const pool = input.pool ?? defaultPool;
  let child: ChildProcess;
  try {
    child = await pool.acquire(input.signal);
  } catch (error) {
    return emptyRunOutput(toMagsagError(error, 'SANDBOX_BUSY'));
  }
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
    const output = await done;
    // A run stopped by a limit may leave its process tearing down a huge heap or a runaway thread:
    // the next run gets a fresh process, so what it hits never depends on what ran before it.
    if (output.stopError && stoppedByLimit.has(output.stopError.code)) child.kill('SIGKILL');
    return output;
  } finally {
    clearTimeout(watchdog);
    controller.abort();
    input.signal?.removeEventListener('abort', onAbort);
    child.off('message', onMessage);
    child.off('close', onExit);
    pool.release(child);
  }
}
