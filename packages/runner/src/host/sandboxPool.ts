import { MagsagError, isErrorCode, toMagsagError } from '@magsag/core';
import type { ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { availableParallelism, totalmem } from 'node:os';
import type { Socket } from 'node:net';
import type { ToolResultMode } from '../bridge.ts';
import type { RunLimits } from '../options.ts';
import type { IsolateModule, IsolateRunInput, IsolateRunOutput } from './isolate.ts';
import { PausableTimer } from './pausableTimer.ts';
import { emptyRunOutput } from './runOutput.ts';
import { closeTypeCheckService } from './checker.ts';
import { closeTranspiler } from './transpiler.ts';
import { forkHelper, setProcessRef } from './forkHelper.ts';
import type { ErrorData, FromSandbox, SerializedOutput, ToSandbox } from './sandboxProtocol.ts';
import { isAsyncWorkspace, type SandboxWorkspace } from './storeWorkspace.ts';

/** Where a run's isolate lives: a slot in a pooled worker process (default), or this process. */
export type Isolation = 'process' | 'inline';

/** Everything a sandboxed run needs. */
export interface SandboxRunInput {
  modules: IsolateModule[];
  inputJson: string | undefined;
  limits: RunLimits;
  workspace: SandboxWorkspace;
  signal: AbortSignal | undefined;
  callToolJson: (server: string, tool: string, args: Record<string, unknown>, signal: AbortSignal, mode: ToolResultMode) => Promise<string>;
  /** The approval gate (see `IsolateRunInput.gateToolCall`). */
  gateToolCall?: IsolateRunInput['gateToolCall'];
  isolation: Isolation;
  /** The pool to take a slot from. @default the default pool */
  pool?: SandboxPool | undefined;
}

function toError(data: ErrorData): MagsagError {
  return new MagsagError(isErrorCode(data.code) ? data.code : 'INTERNAL', data.message, data.data === undefined ? {} : { data: data.data });
}

function toData(error: unknown): ErrorData {
  const magsag = toMagsagError(error, 'TOOL_ERROR');
  return { code: magsag.code, message: magsag.message, ...(magsag.data === undefined ? {} : { data: magsag.data }) };
}

/** Settings of the sandbox pool: worker processes, the runs each holds at once, and how runs wait. */
export interface SandboxPoolOptions {
  /** Worker processes taking runs at once. @default the number of CPUs */
  maxWorkers: number;
  /** Runs (isolates) one worker holds at once. @default 16 */
  slotsPerWorker: number;
  /** Runs that may wait for a slot; one more gets `SANDBOX_BUSY` at once. @default 256 */
  queueLength: number;
  /** How long a run may wait for a slot before it gets `SANDBOX_BUSY`, in ms. @default 60000 */
  queueTimeoutMs: number;
  /**
   * Memory the running isolates may reserve together, in MiB. Each run reserves 3 × its `memoryMb`
   * (isolated-vm lets a hostile isolate use two to three times its limit); a run that does not fit
   * waits. @default half of the machine's memory
   */
  memoryCeilingMb: number;
}

/** The defaults of {@link SandboxPoolOptions}. */
export const sandboxPoolDefaults: Readonly<SandboxPoolOptions> = Object.freeze({
  maxWorkers: availableParallelism(),
  slotsPerWorker: 16,
  queueLength: 256,
  queueTimeoutMs: 60_000,
  memoryCeilingMb: Math.floor(totalmem() / 1024 / 1024 / 2),
});

/** Memory one run reserves per MiB of its `memoryMb`: a hostile isolate can use 2–3× its limit. */
export const memoryReserveFactor = 3;

/** A worker that has served this many runs takes no more and ends once idle (bounds slow leaks). */
const maxRunsPerWorker = 1000;

/** How a worker ended while it held runs. */
interface WorkerLoss {
  /** V8 reported an out-of-memory (or the process aborted the way it does on one). */
  outOfMemory: boolean;
  /** Runs the worker held when it ended. */
  runs: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** What the pool tells a run about its worker. */
interface RunHandler {
  message(message: Exclude<FromSandbox, { type: 'ready' }>): void;
  lost(loss: WorkerLoss): void;
}

/** One long-lived sandbox worker process and the runs it holds. */
class SandboxWorker {
  readonly child: ChildProcess;
  readonly runs = new Map<number, RunHandler>();
  readonly ready: Promise<void>;
  readonly spawnedAt = performance.now();
  readyMs: number | undefined;
  /** Takes no new runs; ends when its last run has. */
  retired = false;
  /** Holds one run only (a retry after a lost worker): a crash then says which run caused it. */
  readonly solo: boolean;
  served = 0;
  #stderr = '';
  #ended = false;

  constructor(solo: boolean, onEnd: (worker: SandboxWorker) => void) {
    this.solo = solo;
    this.child = forkHelper('sandboxProcess');
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
    });
    (this.child.stderr as Socket | null)?.unref?.();
    this.child.on('error', () => {});
    let markReady: () => void = () => {};
    let failReady: (error: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    this.ready.catch(() => {});
    this.child.on('message', (message: FromSandbox) => {
      if (message.type === 'ready') {
        this.readyMs = performance.now() - this.spawnedAt;
        markReady();
        return;
      }
      this.runs.get(message.runId)?.message(message);
    });
    // 'close', not 'exit': only then has stderr been read to the end, and the V8 out-of-memory
    // report in it is what tells a memory bomb from another crash.
    this.child.once('close', () => {
      this.#ended = true;
      failReady(new Error('The sandbox worker ended before it was ready.'));
      const loss: WorkerLoss = {
        outOfMemory: /heap out of memory|is_heap_oom|Allocation failed/i.test(this.#stderr) || this.child.signalCode === 'SIGABRT' || this.child.signalCode === 'SIGTRAP',
        runs: this.runs.size,
        exitCode: this.child.exitCode,
        signal: this.child.signalCode,
        stderr: this.#stderr.slice(-1000),
      };
      const handlers = [...this.runs.values()];
      this.runs.clear();
      onEnd(this);
      for (const handler of handlers) handler.lost(loss);
    });
    setProcessRef(this.child, false);
  }

  get usable(): boolean {
    // A worker we just sent SIGKILL still looks connected until the signal lands: never give it a run.
    return !this.#ended && this.child.connected && !this.child.killed && this.child.exitCode === null && this.child.signalCode === null;
  }

  send(message: ToSandbox): void {
    if (this.child.connected) this.child.send(message);
  }

  kill(): void {
    if (!this.#ended) this.child.kill('SIGKILL');
  }
}

interface Waiter {
  memoryMb: number;
  resolve: (lease: Lease) => void;
  reject: (error: MagsagError) => void;
  timer: NodeJS.Timeout;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/** A run's slot in a worker. */
interface Lease {
  worker: SandboxWorker;
  runId: number;
  memoryMb: number;
}

/**
 * The sandbox workers: long-lived processes that each hold up to `slotsPerWorker` runs at once, one
 * isolate per run. At most `maxWorkers` × `slotsPerWorker` runs hold a slot, and together they
 * reserve at most `memoryCeilingMb`; runs beyond that wait in a bounded queue (admission control),
 * so a burst of clients or runs that never settle cannot exhaust the machine.
 */
export class SandboxPool {
  readonly options: SandboxPoolOptions;
  readonly #workers: SandboxWorker[] = [];
  readonly #queue: Waiter[] = [];
  #active = 0;
  #reservedMb = 0;
  #nextRunId = 1;
  #closed = false;

  constructor(options: Partial<SandboxPoolOptions> = {}) {
    const merged = { ...sandboxPoolDefaults };
    for (const [key, value] of Object.entries(options)) {
      if (value === undefined) continue;
      if (!(key in sandboxPoolDefaults)) throw new MagsagError('USAGE', `Unknown sandbox pool setting "${key}". Known: ${Object.keys(sandboxPoolDefaults).join(', ')}.`);
      const least = key === 'queueLength' ? 0 : 1;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < least) {
        throw new MagsagError('USAGE', `Sandbox pool setting ${key} must be a whole number of at least ${least}, got ${String(value)}.`, { data: { setting: key } });
      }
      merged[key as keyof SandboxPoolOptions] = value;
    }
    this.options = merged;
  }

  /** Runs holding a slot, runs waiting for one, live worker processes and the memory reserved. */
  get stats(): { busy: number; queued: number; workers: number; reservedMb: number } {
    return { busy: this.#active, queued: this.#queue.length, workers: this.#workers.length, reservedMb: this.#reservedMb };
  }

  /** Milliseconds each live worker took from its start until it could take runs (undefined: not yet). */
  get workerReadyMs(): (number | undefined)[] {
    return this.#workers.map((w) => w.readyMs);
  }

  /** Starts worker processes until `count` are running (at most `maxWorkers`), and waits until they are ready. */
  async start(count = this.options.maxWorkers): Promise<void> {
    this.#closed = false;
    while (this.#open().length < Math.min(count, this.options.maxWorkers)) this.#spawn(false);
    // An idle worker does not keep the process alive; one we are waiting for must, or a script that
    // only awaits start() would end before the worker is ready.
    await Promise.allSettled(
      this.#open().map(async (worker) => {
        setProcessRef(worker.child, true);
        try {
          await worker.ready;
        } finally {
          if (worker.runs.size === 0) setProcessRef(worker.child, false);
        }
      }),
    );
  }

  /** Starts `count` workers ahead of the first runs without waiting for them (they start lazily otherwise). */
  warm(count = 1): void {
    void this.start(count);
  }

  /** A slot for one run: at once when one is free, else after waiting in the queue. */
  acquire(memoryMb: number, signal?: AbortSignal, solo = false): Promise<Lease> {
    const reserve = memoryMb * memoryReserveFactor;
    const { queueLength, queueTimeoutMs, maxWorkers, slotsPerWorker, memoryCeilingMb } = this.options;
    if (reserve > memoryCeilingMb) {
      const max = Math.floor(memoryCeilingMb / memoryReserveFactor);
      return Promise.reject(
        new MagsagError(
          'USAGE',
          `Limit memoryMb = ${memoryMb} does not fit this server's sandbox memory ceiling (${memoryCeilingMb} MiB, and a run reserves ${memoryReserveFactor} × memoryMb): ask for at most ${max}.`,
          { data: { limit: 'memoryMb', value: memoryMb, max } },
        ),
      );
    }
    if (solo) {
      // A retry after a lost worker: a worker of its own, so a second crash is its own.
      this.#active++;
      this.#reservedMb += reserve;
      return Promise.resolve(this.#lease(this.#spawn(true), memoryMb));
    }
    if (this.#queue.length === 0 && this.#fits(reserve)) return Promise.resolve(this.#place(memoryMb));
    if (this.#queue.length >= queueLength) {
      return Promise.reject(
        new MagsagError(
          'SANDBOX_BUSY',
          `All ${maxWorkers * slotsPerWorker} sandbox slots are busy and ${queueLength} runs are already waiting: try again in a few seconds.`,
          { data: { retryable: true, maxWorkers, slotsPerWorker, queueLength, queued: this.#queue.length } },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        memoryMb,
        resolve,
        reject,
        signal,
        timer: setTimeout(() => {
          this.#drop(waiter);
          reject(
            new MagsagError(
              'SANDBOX_BUSY',
              `No sandbox slot came free within queueTimeoutMs = ${queueTimeoutMs} ms (all ${maxWorkers * slotsPerWorker} are busy): try again in a few seconds.`,
              { data: { retryable: true, maxWorkers, slotsPerWorker, queueLength, queueTimeoutMs } },
            ),
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

  /** Gives a run's slot back; the next waiting runs that fit take slots. */
  release(lease: Lease): void {
    const { worker } = lease;
    worker.runs.delete(lease.runId);
    this.#active--;
    this.#reservedMb -= lease.memoryMb * memoryReserveFactor;
    worker.served++;
    if (worker.solo || worker.served >= maxRunsPerWorker || worker.retired) this.retire(worker);
    else if (worker.runs.size === 0) setProcessRef(worker.child, false);
    this.#drain();
  }

  /** Takes no new runs on this worker; it ends once its runs have (after a run hit a limit). */
  retire(worker: SandboxWorker): void {
    worker.retired = true;
    if (worker.runs.size === 0) worker.kill();
  }

  /** Ends the idle workers (busy ones end after their runs) and refuses the waiting runs. */
  close(): void {
    this.#closed = true;
    for (const worker of [...this.#workers]) this.retire(worker);
    for (const waiter of this.#queue.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(new MagsagError('SANDBOX_CANCELLED', 'The sandbox pool was closed while the run waited.'));
    }
  }

  #open(): SandboxWorker[] {
    return this.#workers.filter((w) => !w.retired && !w.solo && w.usable);
  }

  #fits(reserve: number): boolean {
    return this.#active < this.options.maxWorkers * this.options.slotsPerWorker && this.#reservedMb + reserve <= this.options.memoryCeilingMb;
  }

  #spawn(solo: boolean): SandboxWorker {
    const worker = new SandboxWorker(solo, (ended) => {
      const at = this.#workers.indexOf(ended);
      if (at >= 0) this.#workers.splice(at, 1);
    });
    this.#workers.push(worker);
    return worker;
  }

  #lease(worker: SandboxWorker, memoryMb: number): Lease {
    setProcessRef(worker.child, true);
    return { worker, runId: this.#nextRunId++, memoryMb };
  }

  /** A slot on the least busy worker with room, starting a worker when none has room. */
  #place(memoryMb: number): Lease {
    this.#active++;
    this.#reservedMb += memoryMb * memoryReserveFactor;
    const open = this.#open();
    let best: SandboxWorker | undefined;
    for (const worker of open) {
      if (worker.runs.size < this.options.slotsPerWorker && (!best || worker.runs.size < best.runs.size)) best = worker;
    }
    if (!best || (best.runs.size > 0 && open.length < this.options.maxWorkers && !this.#closed)) {
      // Every worker is busy: start another for the runs to come (this run takes a slot at once
      // where there is room, instead of waiting for a process to start).
      const fresh = this.#spawn(false);
      best ??= fresh;
    }
    return this.#lease(best, memoryMb);
  }

  #drain(): void {
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!;
      if (!this.#fits(next.memoryMb * memoryReserveFactor)) return;
      this.#queue.shift();
      clearTimeout(next.timer);
      next.signal?.removeEventListener('abort', next.onAbort);
      next.resolve(this.#place(next.memoryMb));
    }
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

/** Replaces the default pool's settings (the old pool's idle workers end; busy ones finish their runs). */
export function configureSandboxPool(options: Partial<SandboxPoolOptions>): SandboxPool {
  defaultPool.close();
  defaultPool = new SandboxPool(options);
  return defaultPool;
}

/** Starts `count` sandbox workers ahead of the first runs (they start lazily otherwise). */
export function warmSandboxes(count = 1): void {
  defaultPool.warm(count);
}

/** Ends every idle sandbox worker and the type-checker (for tests and tools that want to exit promptly). */
export function closeSandboxes(): void {
  defaultPool.close();
  closeTypeCheckService();
  void closeTranspiler();
}

function memoryCrashError(limits: RunLimits): MagsagError {
  return new MagsagError(
    'SANDBOX_MEMORY_LIMIT',
    `The program ran out of memory: its isolate is limited to memoryMb = ${limits.memoryMb} MiB and V8 gave up (one allocation too big for the heap). Keep less in memory, or raise --memory.`,
    { data: { limit: 'memoryMb', value: limits.memoryMb } },
  );
}

function crashError(loss: WorkerLoss): MagsagError {
  return new MagsagError('SANDBOX_RUNTIME_ERROR', `The sandbox process exited unexpectedly (code ${loss.exitCode ?? 'none'}, signal ${loss.signal ?? 'none'}).`, {
    data: { exitCode: loss.exitCode, signal: loss.signal, stderr: loss.stderr },
  });
}

function workerLostError(loss: WorkerLoss, toolCalls: number): MagsagError {
  return new MagsagError(
    'SANDBOX_WORKER_LOST',
    `The sandbox worker holding this run ended (${loss.outOfMemory ? 'another run in it ran out of memory' : `code ${loss.exitCode ?? 'none'}, signal ${loss.signal ?? 'none'}`}) ` +
      `after the run had made ${toolCalls} tool call${toolCalls === 1 ? '' : 's'}, so it was not retried: run it again.`,
    { data: { retryable: true, toolCalls, runsLost: loss.runs } },
  );
}

const stoppedByLimit = new Set(['SANDBOX_CPU_LIMIT', 'SANDBOX_MEMORY_LIMIT', 'SANDBOX_TIMEOUT']);

/** One attempt of a run on a worker: its output, or the loss of the worker before the run ended. */
type Attempt = { output: IsolateRunOutput; lost?: undefined } | { output: IsolateRunOutput; lost: WorkerLoss; toolCalls: number };

/**
 * Runs a program's modules in an isolate: in a slot of a pooled worker process unless `isolation`
 * is `inline`. A run whose worker dies before it made a tool call is retried once, on a worker of
 * its own; a second crash there is the run's own (memory, or a runtime error).
 */
export async function runSandboxed(input: SandboxRunInput): Promise<IsolateRunOutput> {
  if (input.isolation === 'inline') {
    // Loaded on demand: importing the runner must work even where isolated-vm is not built, so the
    // CLI can still list servers and `magsag doctor` can say what to fix.
    const { runInIsolate } = await import('./isolate.ts');
    return runInIsolate(input);
  }
  const pool = input.pool ?? defaultPool;
  for (let attempt = 0; ; attempt++) {
    // Cancelled while it was being prepared (type-checked, queued): it never starts.
    if (input.signal?.aborted) {
      return emptyRunOutput(
        new MagsagError('SANDBOX_CANCELLED', 'The run was cancelled by its caller (AbortSignal).', { data: { reason: String(input.signal.reason ?? 'aborted') } }),
      );
    }
    let lease: Lease;
    try {
      lease = await pool.acquire(input.limits.memoryMb, input.signal, attempt > 0);
    } catch (error) {
      return emptyRunOutput(toMagsagError(error, 'SANDBOX_BUSY'));
    }
    const result = await runOnWorker(input, pool, lease);
    if (!result.lost) return result.output;
    const { lost, toolCalls } = result;
    if (lost.runs === 1 && (lost.outOfMemory || lease.worker.solo)) {
      // It was alone in the worker: the crash is its own.
      return emptyRunOutput(lost.outOfMemory ? memoryCrashError(input.limits) : crashError(lost));
    }
    if (toolCalls > 0 || attempt > 0) return emptyRunOutput(workerLostError(lost, toolCalls));
  }
}

async function runOnWorker(input: SandboxRunInput, pool: SandboxPool, lease: Lease): Promise<Attempt> {
  const { worker, runId } = lease;
  const controller = new AbortController();
  // Every tool call in flight listens on this signal.
  setMaxListeners(input.limits.maxConcurrentToolCalls * 4 + 16, controller.signal);
  let toolCalls = 0;
  let settle: (attempt: Attempt) => void = () => {};
  const done = new Promise<Attempt>((resolve) => {
    settle = resolve;
  });
  worker.runs.set(runId, {
    message: (message) => {
      if (message.type === 'tool') {
        toolCalls++;
        input.callToolJson(message.server, message.tool, message.args, controller.signal, message.mode).then(
          (json) => worker.send({ type: 'toolResult', runId, callId: message.callId, json }),
          (error: unknown) => worker.send({ type: 'toolResult', runId, callId: message.callId, error: toData(error) }),
        );
      } else if (message.type === 'workspace') {
        // The worker holds no store connection: its guest's workspace calls are performed here.
        const workspace = input.workspace;
        (isAsyncWorkspace(workspace)
          ? workspace.call(message.op, message.path, message.data)
          : Promise.reject(new MagsagError('INTERNAL', 'The sandbox asked for a workspace call on a local workspace it opens itself.'))
        ).then(
          (value) => worker.send({ type: 'workspaceResult', runId, callId: message.callId, json: JSON.stringify(value ?? null) }),
          (error: unknown) => worker.send({ type: 'workspaceResult', runId, callId: message.callId, error: toData(error) }),
        );
      } else if (message.type === 'gate') {
        // The watchdog stops with the run's own wall clock while a person decides.
        const release = watchdog.hold();
        const gate = input.gateToolCall;
        (gate ? gate(message.server, message.tool, message.args, controller.signal) : Promise.resolve<'open'>('open'))
          .then(
            (verdict) => worker.send({ type: 'gateResult', runId, callId: message.callId, verdict }),
            (error: unknown) => worker.send({ type: 'gateResult', runId, callId: message.callId, error: toData(error) }),
          )
          .finally(release);
      } else {
        const output: SerializedOutput = message.output;
        for (const rel of output.touched) input.workspace.touched.add(rel);
        settle({
          output: {
            ...output,
            stopError: output.stopError ? toError(output.stopError) : undefined,
            bridgeErrors: new Map(output.bridgeErrors.map(([id, data]) => [id, toError(data)])),
          },
        });
      }
    },
    lost: (loss) => settle({ output: emptyRunOutput(), lost: loss, toolCalls }),
  });
  const onAbort = (): void =>
    worker.send({
      type: 'abort',
      runId,
      error: { code: 'SANDBOX_CANCELLED', message: 'The run was cancelled by its caller (AbortSignal).', data: { reason: String(input.signal?.reason ?? 'aborted') } },
    });
  // The worker enforces every limit; this only catches a worker that stopped answering, which
  // then cannot serve its other runs either.
  let watchdogFired = false;
  const watchdog = new PausableTimer(input.limits.wallMs + 5000, () => {
    watchdogFired = true;
    worker.kill();
  });
  input.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    try {
      await worker.ready;
    } catch {
      // Ended before it was ready: the 'close' handler reports the loss.
    }
    worker.send({
      type: 'run',
      runId,
      modules: input.modules,
      inputJson: input.inputJson,
      limits: input.limits,
      workspace: isAsyncWorkspace(input.workspace)
        ? { stateDir: '', id: input.workspace.id, quota: input.workspace.quota, remote: true }
        : { stateDir: input.workspace.stateDir, id: input.workspace.id, quota: input.workspace.quota },
      gate: input.gateToolCall !== undefined,
    });
    if (input.signal?.aborted) onAbort();
    const attempt = await done;
    if (watchdogFired) {
      return {
        output: emptyRunOutput(
          new MagsagError('SANDBOX_TIMEOUT', `The run took longer than wallMs = ${input.limits.wallMs} ms and its sandbox stopped answering; it was killed.`, {
            data: { limit: 'wallMs', value: input.limits.wallMs },
          }),
        ),
      };
    }
    // A run stopped by a limit may leave its worker tearing down a huge heap or a runaway thread:
    // later runs go to another worker, so what they hit never depends on what ran before them.
    if (attempt.output.stopError && stoppedByLimit.has(attempt.output.stopError.code)) pool.retire(worker);
    return attempt;
  } finally {
    watchdog.clear();
    controller.abort();
    input.signal?.removeEventListener('abort', onAbort);
    pool.release(lease);
  }
}
