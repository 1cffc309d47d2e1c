import { MagsagError, toMagsagError } from '@magsag/core';
import type ivm from 'isolated-vm';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { bridgeGlobals, maxRandomBytes, programId, type BridgeError, type GuestConfig, type ToolResultMode, type WorkspaceOp } from '../bridge.ts';
import { guestRuntimeSource, wrapModule } from '../guest/runtime.ts';
import { webGlobalsBundles } from '../guest/webGlobalsBundle.ts';
import { maxToolResultDepth, type RunLimits } from '../options.ts';
import { capToolCallText, type LogEntry, type LogLevel, type ToolCallMetric } from '../result.ts';
import { loadIsolatedVm } from './loadIsolatedVm.ts';
import { emptyRunOutput } from './runOutput.ts';
import { isAsyncWorkspace, type SandboxWorkspace } from './storeWorkspace.ts';
import { PausableTimer } from './pausableTimer.ts';

/** More console lines than this end the run (SANDBOX_OUTPUT_LIMIT): a flood of tiny lines costs the host too. */
export const maxLogEntries = 10_000;

/** Nesting deeper than this in a tool result ends the run: the guest would only choke on it. */

const levels = new Set<LogLevel>(['debug', 'log', 'info', 'warn', 'error']);

/** Everything one isolate run needs from the host. */
export interface IsolateRunInput {
  modules: IsolateModule[];
  inputJson: string | undefined;
  limits: RunLimits;
  /** Calls a tool and returns its result as JSON; throws a MagsagError when the call fails. */
  callToolJson: (server: string, tool: string, args: Record<string, unknown>, signal: AbortSignal, mode: ToolResultMode) => Promise<string>;
  /**
   * The run's workspace: the local one is called synchronously (a host `Callback`); an asynchronous
   * one (PostgreSQL) through a `Reference` the guest calls with `applySyncPromise`.
   */
  workspace: SandboxWorkspace;
  signal: AbortSignal | undefined;
  /**
   * Asked before each call goes out (its approval policy): resolves `go` for this call, `open` for
   * every later call of the same tool in the run, or throws the MagsagError that refuses it. The
   * run's wall clock stops while it waits (a person deciding is not the program's time).
   */
  gateToolCall?: ((server: string, tool: string, args: Record<string, unknown>, signal: AbortSignal) => Promise<GateVerdict>) | undefined;
}

/** What the approval gate says of a call: go ahead with this one, or with this tool for the rest of the run. */
export type GateVerdict = 'go' | 'open';

/** A transpiled module as the isolate loads it (plain data: it may cross a process boundary). */
export interface IsolateModule {
  id: string;
  filename: string;
  kind: 'program' | 'server' | 'skill';
  code: string;
  deps: Record<string, string>;
}

/** What came back from the isolate. */
export interface IsolateRunOutput {
  /** The guest's outcome string, unless the run was stopped. */
  outcome: string | undefined;
  /** The limit, cancellation or crash that ended the run early. */
  stopError: MagsagError | undefined;
  bridgeErrors: Map<number, MagsagError>;
  logs: LogEntry[];
  logBytes: number;
  toolCalls: ToolCallMetric[];
  toolBytes: number;
  maxInFlight: number;
  cpuMs: number;
  heapBytes: number;
  compileMs: number;
}

class Semaphore {
  private active = 0;
  private readonly waiting: ((ok: boolean) => void)[] = [];
  private closed = false;
  constructor(private readonly size: number) {}

  acquire(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.active < this.size) {
      this.active++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next(true);
    else this.active--;
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter(false);
  }
}

/** Nesting depth of a JSON text, stopping early once it passes `limit`. */
function jsonDepth(json: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

function limitError(code: 'SANDBOX_TIMEOUT' | 'SANDBOX_CPU_LIMIT' | 'SANDBOX_MEMORY_LIMIT' | 'SANDBOX_OUTPUT_LIMIT' | 'SANDBOX_TOOL_CALL_LIMIT', limit: string, value: number, message: string, extra: Record<string, unknown> = {}): MagsagError {
  return new MagsagError(code, message, { data: { limit, value, ...extra } });
}

/**
 * Runs the module graph in a fresh isolate. Never throws for what the program does: limits,
 * cancellation and crashes come back as `stopError`, the program's own outcome as `outcome`.
 */
export async function runInIsolate(input: IsolateRunInput): Promise<IsolateRunOutput> {
  const { limits } = input;
  let isolatedVm: typeof ivm;
  try {
    isolatedVm = loadIsolatedVm();
  } catch (error) {
    return emptyRunOutput(toMagsagError(error));
  }
  const out: IsolateRunOutput = emptyRunOutput();
  const controller = new AbortController();
  // Every call in flight listens on the run's signal.
  setMaxListeners(limits.maxConcurrentToolCalls * 4 + 16, controller.signal);
  const semaphore = new Semaphore(limits.maxConcurrentToolCalls);
  let rejectStopped: (error: MagsagError) => void = () => {};
  const stopped = new Promise<never>((_, reject) => {
    rejectStopped = reject;
  });
  stopped.catch(() => {});
  const stop = (error: MagsagError): void => {
    if (out.stopError) return;
    out.stopError = error;
    controller.abort(error);
    semaphore.close();
    // Never dispose from inside a host callback the isolate is waiting on: leave it to the next turn.
    setImmediate(() => rejectStopped(error));
  };

  let nextErrorId = 1;
  const bridgeError = (error: unknown, fallback: 'TOOL_ERROR' | 'INTERNAL' = 'INTERNAL'): string => {
    const magsag = toMagsagError(error, fallback);
    const id = nextErrorId++;
    out.bridgeErrors.set(id, magsag);
    let data = magsag.data;
    try {
      if (data !== undefined && JSON.stringify(data).length > 20_000) data = undefined;
    } catch {
      data = undefined;
    }
    const payload: BridgeError = { id, code: magsag.code, message: magsag.message, ...(data === undefined ? {} : { data }) };
    return `E${JSON.stringify(payload)}`;
  };

  const startedAt = performance.now();
  const ms = (): number => Math.round(performance.now() - startedAt);

  const log = (level: unknown, text: unknown): void => {
    if (out.stopError) return;
    const message = typeof text === 'string' ? text : String(text);
    const entryLevel = typeof level === 'string' && levels.has(level as LogLevel) ? (level as LogLevel) : 'log';
    const bytes = Buffer.byteLength(message) + 1;
    if (out.logs.length >= maxLogEntries) {
      stop(
        limitError(
          'SANDBOX_OUTPUT_LIMIT',
          'maxLogEntries',
          maxLogEntries,
          `The program wrote more than ${maxLogEntries} console lines. Log summaries, or write details to the workspace.`,
        ),
      );
      return;
    }
    if (out.logBytes + bytes > limits.maxOutputBytes) {
      const room = Math.max(0, limits.maxOutputBytes - out.logBytes);
      out.logs.push({ level: entryLevel, message: Buffer.from(message).subarray(0, room).toString(), ms: ms() });
      out.logBytes = limits.maxOutputBytes;
      stop(
        limitError(
          'SANDBOX_OUTPUT_LIMIT',
          'maxOutputBytes',
          limits.maxOutputBytes,
          `The program logged more than maxOutputBytes = ${limits.maxOutputBytes} bytes. Log less (summaries, counts), write details to the workspace, or raise the limit.`,
        ),
      );
      return;
    }
    out.logBytes += bytes;
    out.logs.push({ level: entryLevel, message, ms: ms() });
  };

  // Host time spent on the guest's behalf in workspace calls (file reads, writes, listings) counts
  // against its CPU limit like its own: a loop of workspace calls would otherwise cost the worker's
  // main thread (and every other run in it) far more than the isolate's own CPU time shows.
  let hostMs = 0;
  const cpuUsed = (): number => Number(isolate.cpuTime) / 1e6 + hostMs;
  const cpuLimitError = (cpu: number): MagsagError =>
    limitError(
      'SANDBOX_CPU_LIMIT',
      'cpuMs',
      limits.cpuMs,
      `The program used more than cpuMs = ${limits.cpuMs} ms of CPU time (${Math.round(cpu)} ms${hostMs >= 1 ? `, ${Math.round(hostMs)} ms of it in workspace and random-byte calls` : ''}) and was stopped. Look for an endless loop, or raise the limit.`,
      { used: Math.round(cpu), hostMs: Math.round(hostMs) },
    );
  /** Stops the run once its CPU (the isolate's and the host's on its behalf) is over the limit. */
  const checkCpu = (): void => {
    try {
      const cpu = cpuUsed();
      if (cpu > limits.cpuMs) stop(cpuLimitError(cpu));
    } catch {
      // Disposed between the check and the read: the run is ending anyway.
    }
  };
  const workspaceCall = (op: unknown, requested: unknown, data: unknown): string => {
    const started = performance.now();
    try {
      return workspaceOp(op, requested, data);
    } finally {
      hostMs += performance.now() - started;
      checkCpu();
    }
  };
  const syncWorkspace = isAsyncWorkspace(input.workspace) ? undefined : input.workspace;
  const asyncWorkspace = isAsyncWorkspace(input.workspace) ? input.workspace : undefined;
  const workspaceOp = (op: unknown, requested: unknown, data: unknown): string => {
    try {
      const p = typeof requested === 'string' ? requested : String(requested);
      let value: unknown;
      switch (op as WorkspaceOp) {
        case 'read':
          value = syncWorkspace!.read(p);
          break;
        case 'write':
          value = syncWorkspace!.write(p, typeof data === 'string' ? data : '');
          break;
        case 'list':
          value = syncWorkspace!.list(p);
          break;
        case 'remove':
          syncWorkspace!.remove(p);
          value = null;
          break;
        case 'exists':
          value = syncWorkspace!.exists(p);
          break;
        default:
          throw new MagsagError('USAGE', `Unknown workspace operation "${String(op)}".`);
      }
      return `R${JSON.stringify(value ?? null)}`;
    } catch (error) {
      return bridgeError(error);
    }
  };

  // The same calls on an asynchronous workspace (PostgreSQL). The guest waits in applySyncPromise
  // while this awaits the store, so the whole round trip (here, or through the parent process and
  // the database) counts as host time against cpuMs, as the local calls' disk time does; wallMs
  // goes on running meanwhile.
  const workspaceCallAsync = async (op: unknown, requested: unknown, data: unknown): Promise<string> => {
    const started = performance.now();
    try {
      if (out.stopError) return bridgeError(out.stopError);
      const value = await asyncWorkspace!.call(op as WorkspaceOp, typeof requested === 'string' ? requested : String(requested), typeof data === 'string' ? data : undefined);
      return `R${JSON.stringify(value ?? null)}`;
    } catch (error) {
      return bridgeError(error);
    } finally {
      hostMs += performance.now() - started;
      checkCpu();
    }
  };

  // crypto.getRandomValues: the guest checks the array and the cap; the host checks the count again.
  const random = (bytes: unknown): string => {
    const started = performance.now();
    try {
      const count = typeof bytes === 'number' && Number.isInteger(bytes) && bytes >= 0 ? Math.min(bytes, maxRandomBytes) : 0;
      return randomBytes(count).toString('latin1');
    } finally {
      hostMs += performance.now() - started;
      checkCpu();
    }
  };

  const denyImport = (specifier: unknown, importer: unknown): string => {
    const spec = String(specifier).slice(0, 200);
    const from = importer === programId ? 'the program' : String(importer);
    const error = new MagsagError(
      'SANDBOX_IMPORT_DENIED',
      `Import "${spec}" from ${from} is not allowed at run time. Only literal imports of ./servers/<id>/<tool>, ./servers/<id> and ./skills/<name> can be loaded.`,
      { data: { specifier: spec } },
    );
    return bridgeError(error).slice(1);
  };

  let inFlight = 0;
  // The wall-clock deadline (set once the isolate is ready) and the tools the gate opened for the run.
  let wallClock: PausableTimer | undefined;
  const openTools = new Set<string>();
  const toolCall = async (server: unknown, tool: unknown, argsJson: unknown, mode: unknown): Promise<string> => {
    if (out.stopError) return bridgeError(out.stopError);
    if (typeof server !== 'string' || typeof tool !== 'string' || typeof argsJson !== 'string') {
      return bridgeError(new MagsagError('TOOL_INPUT_INVALID', 'A tool call needs a server name, a tool name and JSON arguments.'));
    }
    if (out.toolCalls.length >= limits.maxToolCalls) {
      const error = limitError(
        'SANDBOX_TOOL_CALL_LIMIT',
        'maxToolCalls',
        limits.maxToolCalls,
        `The program made more than maxToolCalls = ${limits.maxToolCalls} tool calls. Batch the work (one call that returns many items), or raise the limit.`,
      );
      stop(error);
      return bridgeError(error);
    }
    const metric: ToolCallMetric = { server: server.slice(0, 200), tool: tool.slice(0, 200), ms: 0, bytes: 0, ok: false };
    out.toolCalls.push(metric);
    metric.args = capToolCallText(argsJson);
    let args: unknown;
    try {
      args = JSON.parse(argsJson);
    } catch {
      args = undefined;
    }
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      metric.code = 'TOOL_INPUT_INVALID';
      return bridgeError(new MagsagError('TOOL_INPUT_INVALID', `Arguments for ${metric.server}/${metric.tool} must be a JSON object.`, { data: { server, tool } }));
    }
    const toolKey = `${server}\u0000${tool}`;
    if (input.gateToolCall && !openTools.has(toolKey)) {
      // Before the concurrency slot: calls waiting for one approval are asked as one batch.
      const release = wallClock?.hold() ?? (() => {});
      try {
        if ((await input.gateToolCall(server, tool, args as Record<string, unknown>, controller.signal)) === 'open') openTools.add(toolKey);
      } catch (error) {
        if (out.stopError) return bridgeError(out.stopError);
        const magsag = toMagsagError(error, 'TOOL_APPROVAL_REQUIRED');
        metric.code = magsag.code;
        return bridgeError(magsag);
      } finally {
        release();
      }
      if (out.stopError) return bridgeError(out.stopError);
    }
    if (!(await semaphore.acquire())) return bridgeError(out.stopError ?? new MagsagError('SANDBOX_CANCELLED', 'The run ended.'));
    inFlight++;
    out.maxInFlight = Math.max(out.maxInFlight, inFlight);
    const started = performance.now();
    try {
      const json = await input.callToolJson(server, tool, args as Record<string, unknown>, controller.signal, mode === 'data' ? 'data' : 'result');
      const bytes = Buffer.byteLength(json);
      metric.bytes = bytes;
      out.toolBytes += bytes;
      if (out.toolBytes > limits.maxToolBytes) {
        const error = limitError(
          'SANDBOX_TOOL_CALL_LIMIT',
          'maxToolBytes',
          limits.maxToolBytes,
          `Tool results added up to ${out.toolBytes} bytes, over maxToolBytes = ${limits.maxToolBytes} (the last, ${metric.server}/${metric.tool}, returned ${bytes}). Ask the tool for less (filters, pages), or raise the limit.`,
          { server, tool, bytes },
        );
        stop(error);
        return bridgeError(error);
      }
      const depth = jsonDepth(json, maxToolResultDepth);
      if (depth > maxToolResultDepth) {
        const error = limitError(
          'SANDBOX_TOOL_CALL_LIMIT',
          'toolResultDepth',
          maxToolResultDepth,
          `The result of ${metric.server}/${metric.tool} is nested more than ${maxToolResultDepth} levels deep; the sandbox refuses it. Ask the tool for a flatter result.`,
          { server, tool },
        );
        stop(error);
        return bridgeError(error);
      }
      metric.ok = true;
      metric.result = capToolCallText(json);
      return `R${json}`;
    } catch (error) {
      if (out.stopError) return bridgeError(out.stopError);
      const magsag = toMagsagError(error, 'TOOL_ERROR');
      metric.code = magsag.code;
      if (magsag.code === 'SANDBOX_TOOL_CALL_LIMIT') stop(magsag);
      return bridgeError(magsag);
    } finally {
      metric.ms = Math.round(performance.now() - started);
      inFlight--;
      semaphore.release();
    }
  };

  const isolate = new isolatedVm.Isolate({ memoryLimit: limits.memoryMb });
  const timers: NodeJS.Timeout[] = [];
  const onAbort = (): void =>
    stop(new MagsagError('SANDBOX_CANCELLED', 'The run was cancelled by its caller (AbortSignal).', { data: { reason: String(input.signal?.reason ?? 'aborted') } }));
  try {
    const context = await isolate.createContext();
    const jail = context.global;
    const config: GuestConfig = {
      programId,
      deps: Object.fromEntries(input.modules.map((m) => [m.id, m.deps])),
      maxOutputChars: limits.maxOutputBytes,
      maxWriteChars: input.workspace.quota.maxBytes,
      workspaceBlocking: asyncWorkspace !== undefined,
    };
    await jail.set(bridgeGlobals.log, new isolatedVm.Callback(log));
    await jail.set(bridgeGlobals.workspace, asyncWorkspace ? new isolatedVm.Reference(workspaceCallAsync) : new isolatedVm.Callback(workspaceCall));
    await jail.set(bridgeGlobals.denyImport, new isolatedVm.Callback(denyImport));
    await jail.set(bridgeGlobals.random, new isolatedVm.Callback(random));
    await jail.set(bridgeGlobals.web, new isolatedVm.Callback((group: unknown) => (group === 'text' || group === 'core' ? webGlobalsBundles[group] : '')));
    await jail.set(bridgeGlobals.tool, new isolatedVm.Reference(toolCall));
    await jail.set(bridgeGlobals.config, JSON.stringify(config));
    await context.eval(guestRuntimeSource, { filename: 'magsag:runtime' });
    const main = (await jail.get(bridgeGlobals.main, { reference: true })) as ivm.Reference<(inputJson: string | undefined) => Promise<string>>;

    const compileStarted = performance.now();
    const scripts = await Promise.all(
      input.modules.map((m) =>
        isolate.compileScript(wrapModule(m.id, m.code, m.kind === 'program'), { filename: m.filename, lineOffset: -1 }),
      ),
    );
    out.compileMs = Math.round(performance.now() - compileStarted);

    if (input.signal?.aborted) onAbort();
    input.signal?.addEventListener('abort', onAbort, { once: true });
    wallClock = new PausableTimer(limits.wallMs, () =>
      stop(
        limitError(
          'SANDBOX_TIMEOUT',
          'wallMs',
          limits.wallMs,
          `The run took longer than wallMs = ${limits.wallMs} ms (wall clock, tool calls included; time waiting for approvals is not counted) and was stopped. Do less per run, make tool calls concurrently, or raise --timeout.`,
        ),
      ),
    );
    timers.push(
      setInterval(() => {
        if (isolate.isDisposed) {
          stop(memoryError(limits));
          return;
        }
        checkCpu();
      }, 10),
    );

    const work = (async () => {
      for (const script of scripts) await script.run(context, { timeout: limits.wallMs });
      return main.apply(undefined, [input.inputJson], { result: { promise: true } });
    })();
    work.catch(() => {});
    try {
      const outcome: unknown = await Promise.race([work, stopped]);
      out.outcome = typeof outcome === 'string' ? outcome : undefined;
      if (out.outcome === undefined && !out.stopError) out.stopError = new MagsagError('INTERNAL', 'The sandbox returned no outcome.');
    } catch (error) {
      if (!out.stopError) {
        const message = error instanceof Error ? error.message : String(error);
        if (isolate.isDisposed || /memory limit/i.test(message)) out.stopError = memoryError(limits);
        else if (error instanceof Error && error.name === 'SyntaxError') {
          out.stopError = new MagsagError('SANDBOX_RUNTIME_ERROR', `A module failed to load: ${message}`, { cause: error });
        } else out.stopError = new MagsagError('SANDBOX_RUNTIME_ERROR', `The sandbox failed: ${message}`, { cause: error });
      }
    }
    // Anything still pending (unawaited tool calls, queued calls) ends with the run.
    controller.abort(out.stopError ?? new MagsagError('SANDBOX_CANCELLED', 'The run ended.'));
    semaphore.close();
    if (!out.stopError && !isolate.isDisposed) {
      try {
        out.cpuMs = Math.round(cpuUsed());
        out.heapBytes = isolate.getHeapStatisticsSync().used_heap_size;
      } catch {
        // The isolate died on the way out; figures stay 0.
      }
    }
    return out;
  } finally {
    for (const timer of timers) clearTimeout(timer);
    wallClock?.clear();
    input.signal?.removeEventListener('abort', onAbort);
    if (!isolate.isDisposed) isolate.dispose();
  }
}

function memoryError(limits: RunLimits): MagsagError {
  return limitError(
    'SANDBOX_MEMORY_LIMIT',
    'memoryMb',
    limits.memoryMb,
    `The program ran out of memory: its isolate is limited to memoryMb = ${limits.memoryMb} MiB. Keep less in memory (stream through the workspace, filter early), or raise --memory.`,
  );
}

