import { MagsagError, isMagsagError, redactHostDetails, silentLogger, toMagsagError } from '@magsag/core';
import { defaultApprovalTimeoutMs, defaultToolPolicy, getDefaultClient, resolveProjectPaths, toolResultData } from '@magsag/mcp-client';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { GuestErrorReport, ToolDataReply } from '../bridge.ts';
import type { ApprovalRecord } from '../approvals.ts';
import { defaultLimits, defaultQuota, identityMasker, maxLimits, maxProgramBytes, type ExecuteOptions, type RunLimits, type ResultChecker, type RunnerConfig, type ToolCaller } from '../options.ts';
import type { Artifact, Diagnostic, ExecuteResult, LogEntry, RunError, RunMetrics, RunWorkspace } from '../result.ts';
import type { IsolateRunOutput } from './isolate.ts';
import { maxToolResultDepth } from '../options.ts';
import { runSandboxed } from './sandboxPool.ts';
import { buildModuleGraph, firstLocation, mapStack, ModuleResolver, type ModuleGraph } from './loader.ts';
import { buildModelView, logLineOf, resultTextOf } from './modelView.ts';
import { typeCheckService } from './checker.ts';
import { longStringsOf, maskDeep } from './maskDeep.ts';
import { currentOwner, heartbeatIntervalMs } from './runRecords.ts';
import { localStore, type Store } from '@magsag/store';
import { StoreWorkspace } from './storeWorkspace.ts';
import { Workspace, workspaceLocation, type RunRecord } from './workspace.ts';
import { ApprovalGate } from './approvalGate.ts';
import type { ToolPolicyResolver } from '../approvals.ts';

/** The default model view cap, in bytes. */
export const defaultModelViewBytes = 4096;

const defaultCallTool: ToolCaller = (server, tool, args, options) => getDefaultClient().callTool(server, tool, args, options);
const defaultCheckResult: ResultChecker = (server, tool, data) => getDefaultClient().checkToolResult(server, tool, data);
const defaultPolicy: ToolPolicyResolver = (server, tool) => getDefaultClient().toolPolicy(server, tool);
// A caller of its own without a policy resolver: the tool's name decides (writes need approval).
const namePolicy: ToolPolicyResolver = (_server, tool) => defaultToolPolicy({ name: tool });

function newRunId(): string {
  return `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(4).toString('hex')}`;
}

function resolveLimits(overrides: Partial<RunLimits> | undefined): RunLimits {
  const limits = { ...defaultLimits };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (!(key in defaultLimits)) throw new MagsagError('USAGE', `Unknown limit "${key}". Known limits: ${Object.keys(defaultLimits).join(', ')}.`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new MagsagError('USAGE', `Limit ${key} must be a positive number, got ${String(value)}.`, { data: { limit: key } });
    }
    const max = maxLimits[key as keyof RunLimits];
    if (value > max) {
      throw new MagsagError('USAGE', `Limit ${key} = ${value} is over its maximum of ${max}: ask for at most ${max}.`, { data: { limit: key, value, max } });
    }
    limits[key as keyof RunLimits] = value;
  }
  if (limits.memoryMb < 8) throw new MagsagError('USAGE', `Limit memoryMb must be at least 8, got ${limits.memoryMb}.`, { data: { limit: 'memoryMb' } });
  return limits;
}

/**
 * The folders a run uses: those the options name, else the project's (`config.root`, or the project
 * around the working directory, with its `magsag.config.yaml`).
 */
export function resolveRunnerPaths(config: RunnerConfig): { root: string; serversDir: string; skillsDir: string; stateDir: string } {
  const project = resolveProjectPaths(config.root === undefined ? {} : { project: config.root });
  const root = project.root;
  return {
    root,
    serversDir: config.serversDir === undefined ? project.modulesDir : path.resolve(root, config.serversDir),
    skillsDir: config.skillsDir === undefined ? project.skillsDir : path.resolve(root, config.skillsDir),
    stateDir: config.stateDir === undefined ? project.stateDir : path.resolve(root, config.stateDir),
  };
}

/** How many type errors a SANDBOX_TYPECHECK message spells out; the rest are counted. */
export const maxReportedTypeErrors = 10;

/**
 * Every type error (up to {@link maxReportedTypeErrors}, then a count), each with the line of the
 * program it points at, so one answer is enough to fix them all. It suggests nothing a model
 * calling `execute_code` cannot do.
 */
export function typeErrorReport(diagnostics: readonly Diagnostic[], source: string, programName: string): string {
  const lines = source.split(/\r?\n/);
  const shown = diagnostics.slice(0, maxReportedTypeErrors).map((d) => {
    const code = d.file === programName ? lines[d.line - 1] : undefined;
    const pointer = code === undefined ? '' : `\n    ${code.trim().slice(0, 160)}`;
    return `  ${d.file}:${d.line}:${d.column} ${d.message.split('\n').join('\n    ')}${pointer}`;
  });
  const more = diagnostics.length - shown.length;
  return (
    `The program has ${diagnostics.length} type error${diagnostics.length === 1 ? '' : 's'}:\n${shown.join('\n')}` +
    `${more > 0 ? `\n  ...and ${more} more.` : ''}\nFix them and run it again; each tool's types are in its module (read_tool, or servers/<server>/<tool>.ts).`
  );
}

function emptyMetrics(): RunMetrics {
  return { wallMs: 0, cpuMs: 0, heapBytes: 0, typecheckMs: 0, compileMs: 0, toolCallCount: 0, toolBytes: 0, maxToolCallsInFlight: 0, outputBytes: 0, toolCalls: [] };
}

function toRunError(error: MagsagError, stack?: string): RunError {
  return {
    code: error.code,
    message: error.message,
    ...(error.data === undefined ? {} : { data: error.data }),
    ...(stack ? { stack } : {}),
  };
}

/** Turns the guest's outcome string into a result or an error. */
function readOutcome(run: IsolateRunOutput, graph: ModuleGraph, limits: RunLimits): { hasResult: boolean; result: unknown; resultBytes: number; error: RunError | null } {
  if (run.stopError) return { hasResult: false, result: null, resultBytes: 0, error: toRunError(run.stopError) };
  const outcome = run.outcome ?? '';
  const tag = outcome.charAt(0);
  if (tag === 'U') return { hasResult: false, result: null, resultBytes: 0, error: null };
  if (tag === 'R') {
    const json = outcome.slice(1);
    const bytes = Buffer.byteLength(json);
    if (bytes + run.logBytes > limits.maxOutputBytes) {
      return {
        hasResult: false,
        result: null,
        resultBytes: 0,
        error: {
          code: 'SANDBOX_OUTPUT_LIMIT',
          message: `The result is ${bytes} bytes of JSON${run.logBytes ? ` (plus ${run.logBytes} bytes of logs)` : ''}, over maxOutputBytes = ${limits.maxOutputBytes}. Return a summary and write the rest to the workspace.`,
          data: { limit: 'maxOutputBytes', value: limits.maxOutputBytes, bytes },
        },
      };
    }
    return { hasResult: true, result: JSON.parse(json) as unknown, resultBytes: bytes, error: null };
  }
  if (tag === 'O') {
    const length = Number(outcome.slice(1));
    return {
      hasResult: false,
      result: null,
      resultBytes: 0,
      error: {
        code: 'SANDBOX_OUTPUT_LIMIT',
        message: `The result is ${length} characters of JSON, over maxOutputBytes = ${limits.maxOutputBytes}. Return a summary and write the rest to the workspace.`,
        data: { limit: 'maxOutputBytes', value: limits.maxOutputBytes, characters: length },
      },
    };
  }
  if (tag === 'E') {
    let report: GuestErrorReport;
    try {
      report = JSON.parse(outcome.slice(1)) as GuestErrorReport;
    } catch {
      report = { name: 'Error', message: 'The program failed with an unreadable error.', stack: '' };
    }
    const stack = report.stack ? mapStack(String(report.stack), graph.maps) : undefined;
    const host = typeof report.bridgeErrorId === 'number' ? run.bridgeErrors.get(report.bridgeErrorId) : undefined;
    if (host) return { hasResult: false, result: null, resultBytes: 0, error: toRunError(host, stack) };
    const location = stack ? firstLocation(stack, new Set(graph.maps.keys())) : undefined;
    const where = location ? ` (${location.file}:${location.line}:${location.column})` : '';
    return {
      hasResult: false,
      result: null,
      resultBytes: 0,
      error: {
        code: 'SANDBOX_RUNTIME_ERROR',
        message: `The program threw ${String(report.name)}: ${String(report.message)}${where}`,
        data: { name: String(report.name), ...(location ? { location } : {}) },
        ...(stack ? { stack } : {}),
      },
    };
  }
  return { hasResult: false, result: null, resultBytes: 0, error: { code: 'INTERNAL', message: 'The sandbox returned an unexpected outcome.' } };
}

/**
 * Runs a TypeScript (or JavaScript) program in a fresh isolate: transpiles it, resolves its
 * `./servers/*` and `./skills/*` imports, type-checks it (unless `typecheck: false`), runs it under
 * the limits and returns the structured channels and the model view. It never throws for what the
 * program did: failures come back in `error` with a stable code.
 */
export async function execute(options: ExecuteOptions): Promise<ExecuteResult> {
  const startedAt = performance.now();
  const startedIso = new Date().toISOString();
  const runId = newRunId();
  const logger = (options.logger ?? silentLogger).child({ component: 'runner', runId });
  const masker = options.masker ?? identityMasker;
  const modelViewBytes = options.modelViewBytes ?? defaultModelViewBytes;
  const metrics = emptyMetrics();
  const approvals: ApprovalRecord[] = [];
  let limits: RunLimits = { ...defaultLimits };
  let logs: LogEntry[] = [];
  let diagnostics: Diagnostic[] = [];
  let workspace: Workspace | StoreWorkspace | undefined;
  let store: Store | undefined;
  let programName = options.filename ?? (options.file ? path.basename(options.file) : 'program.ts');
  let inputsHash = '';
  let heartbeat: NodeJS.Timeout | undefined;
  // Record writes land in order: a heartbeat still being written never lands over the final record.
  let recordWrites: Promise<void> = Promise.resolve();
  const saveRecord = (into: Store, value: RunRecord): Promise<void> => {
    const write = recordWrites.then(() => into.runRecords.put(value));
    recordWrites = write.catch(() => {});
    return write;
  };
  const owner = currentOwner();
  const record = (): RunRecord => ({
    runId,
    workspaceId: workspace?.id ?? '',
    status: 'running',
    errorCode: null,
    program: programName,
    inputsHash,
    startedAt: startedIso,
    finishedAt: null,
    limits: { ...limits },
    metrics: null,
    owner,
    heartbeatAt: new Date().toISOString(),
    ...(approvals.length > 0 ? { approvals: [...approvals] } : {}),
  });

  const finish = async (error: RunError | null, outcome: { hasResult: boolean; result: unknown } = { hasResult: false, result: null }): Promise<ExecuteResult> => {
    if (error) {
      // Callers, records and the model see no host paths or environment values; --verbose logs do.
      const redacted = redactHostDetails(error, { root: resolveRunnerPaths(options).root });
      if (JSON.stringify(redacted) !== JSON.stringify(error)) logger.debug({ error }, 'run error before redaction');
      error = redacted;
    }
    metrics.wallMs = Math.round(performance.now() - startedAt);
    metrics.toolCallCount = metrics.toolCalls.length;
    // Each call's arguments and result, masked like the output: the record keeps them (run.json).
    metrics.toolCalls = metrics.toolCalls.map((call) => ({
      ...call,
      ...(call.args === undefined ? {} : { args: masker.mask(call.args) }),
      ...(call.result === undefined ? {} : { result: masker.mask(call.result) }),
    }));
    const ok = error === null;
    let runWorkspace: RunWorkspace | null = null;
    let outputPath: string | undefined;
    if (heartbeat) clearInterval(heartbeat);
    const storedOutput = { runId, ok, result: outcome.hasResult ? outcome.result : null, logs, error, diagnostics };
    const resultText = outcome.hasResult ? resultTextOf(outcome.result) : undefined;
    if (masker.prepare) {
      // What the record and the model view will mask, found off the main thread when it is long.
      const long = longStringsOf(storedOutput);
      for (const text of [resultText, ...logs.map(logLineOf)]) if (text !== undefined && text.length >= 64 * 1024) long.push(text);
      if (long.length > 0) await masker.prepare(long);
    }
    if (workspace && store) {
      const artifacts: Artifact[] = [];
      if (workspace instanceof StoreWorkspace) {
        const where = workspaceLocation(store, workspace.id);
        outputPath = `${where}/runs/${runId}/output.json`;
        runWorkspace = { id: workspace.id, path: where, filesPath: `${where}/files`, runId, outputPath, artifacts };
        if (workspace.touched.size > 0) {
          try {
            // One listing (names and sizes, never contents), bounded by the workspace's maxFiles.
            const files = new Map((await workspace.store.entries(workspace.id, '.')).filter((e) => e.type === 'file').map((e) => [e.path, e.bytes]));
            for (const rel of [...workspace.touched].sort()) {
              const bytes = files.get(rel);
              // Removed again by the program: not an artifact.
              if (bytes !== undefined) artifacts.push({ path: rel, bytes });
            }
          } catch (listError) {
            logger.warn({ err: listError }, 'could not list the run\'s files');
          }
        }
      } else {
        outputPath = path.join(workspace.runDir(runId), 'output.json');
        for (const rel of [...workspace.touched].sort()) {
          const full = path.join(workspace.filesDir, ...rel.split('/'));
          try {
            const stat = await fs.lstat(full);
            if (stat.isFile()) artifacts.push({ path: rel, bytes: stat.size });
          } catch {
            // Removed again by the program: not an artifact.
          }
        }
        runWorkspace = { id: workspace.id, path: workspace.dir, filesPath: workspace.filesDir, runId, outputPath, artifacts };
      }
      try {
        // At rest the output is masked like the model view: raw values live only in the encrypted
        // vault and audit log.
        const stored = maskDeep(storedOutput, masker);
        await store.runOutputs.put(workspace.id, runId, JSON.stringify(stored, null, 2));
        await saveRecord(store, {
          ...record(),
          status: ok ? 'ok' : error?.code === 'SANDBOX_CANCELLED' ? 'cancelled' : 'error',
          errorCode: error?.code ?? null,
          finishedAt: new Date().toISOString(),
          metrics: { ...metrics },
        });
      } catch (writeError) {
        logger.warn({ err: writeError }, 'could not write the run record');
      }
    }
    const modelView = buildModelView({
      runId,
      ok,
      result: outcome.result,
      hasResult: outcome.hasResult,
      resultText,
      logs,
      error,
      wallMs: metrics.wallMs,
      toolCalls: metrics.toolCallCount,
      workspaceId: workspace?.id,
      maxBytes: modelViewBytes,
      masker,
    });
    logger.debug({ ok, code: error?.code, wallMs: metrics.wallMs }, 'run finished');
    return { ok, result: outcome.hasResult ? outcome.result : null, logs, modelView, diagnostics, metrics, workspace: runWorkspace, error, runId, limits, approvals };
  };

  try {
    limits = resolveLimits(options.limits);
    if (options.signal?.aborted) throw new MagsagError('SANDBOX_CANCELLED', 'The run was cancelled before it started.');
    let source: string;
    if (typeof options.code === 'string') source = options.code;
    else if (options.file) {
      try {
        source = await fs.readFile(options.file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        throw new MagsagError('USAGE', `Program file ${options.file} does not exist.`, { data: { file: options.file } });
      }
    } else throw new MagsagError('USAGE', 'Give the program as `code` (text) or `file` (a path).');
    programName = options.filename ?? (options.file ? path.basename(options.file) : 'program.ts');
    const sourceBytes = Buffer.byteLength(source);
    if (sourceBytes > maxProgramBytes) {
      throw new MagsagError('USAGE', `The program is ${sourceBytes} bytes, over the maximum of ${maxProgramBytes}: keep the program short and put data in the workspace or behind a tool.`, {
        data: { limit: 'programBytes', value: sourceBytes, max: maxProgramBytes },
      });
    }
    let inputJson: string | undefined;
    try {
      inputJson = options.input === undefined ? undefined : JSON.stringify(options.input);
    } catch (error) {
      throw new MagsagError('USAGE', `The run input is not JSON-serializable: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (inputJson !== undefined && Buffer.byteLength(inputJson) > maxProgramBytes) {
      throw new MagsagError('USAGE', `The run input is ${Buffer.byteLength(inputJson)} bytes of JSON, over the maximum of ${maxProgramBytes}: pass a smaller input.`, {
        data: { limit: 'inputBytes', value: Buffer.byteLength(inputJson), max: maxProgramBytes },
      });
    }
    inputsHash = createHash('sha256').update(programName).update('\0').update(source).update('\0').update(inputJson ?? '').digest('hex');

    const paths = resolveRunnerPaths(options);
    const runStore = options.store ?? localStore(paths.stateDir);
    const openOptions = { create: options.createWorkspace ?? false, ...(options.owner === undefined ? {} : { owner: options.owner }) };
    if (runStore.kind === 'local') {
      // The local store's workspace, called synchronously by the sandbox (fast, and no round trip).
      workspace = Workspace.open(runStore.where, options.workspace, { ...openOptions, ...(options.quota ? { quota: options.quota } : {}) });
    } else {
      const meta = await runStore.workspaces.open(options.workspace, openOptions);
      workspace = new StoreWorkspace(runStore.workspaces, meta.id, { ...defaultQuota, ...options.quota });
    }
    store = runStore;
    await saveRecord(runStore, record());
    // A live run keeps its heartbeat fresh, so a record left `running` by a dead process can be told apart.
    heartbeat = setInterval(() => {
      saveRecord(runStore, record()).catch((error: unknown) => logger.warn({ err: error }, 'could not refresh the run record'));
    }, heartbeatIntervalMs);
    heartbeat.unref();

    const roots = { serversDir: paths.serversDir, skillsDir: paths.skillsDir };
    const graph = await buildModuleGraph({ source, filename: programName }, new ModuleResolver(roots));

    const isJavaScript = /\.(m|c)?js$/.test(programName);
    if (options.typecheck !== false && !isJavaScript) {
      const checkStarted = performance.now();
      // In the checker process: a slow check never holds up the host's other work.
      diagnostics = await typeCheckService().check(roots, source, programName);
      metrics.typecheckMs = Math.round(performance.now() - checkStarted);
      if (diagnostics.length > 0) throw new MagsagError('SANDBOX_TYPECHECK', typeErrorReport(diagnostics, source, programName), { data: { count: diagnostics.length } });
    }

    const callTool = options.callTool ?? defaultCallTool;
    const checkResult = options.checkResult ?? (options.callTool === undefined ? defaultCheckResult : undefined);
    const context = { ...options.context, runId, workspaceId: workspace.id };
    const approvalTimeoutMs = options.approvalTimeoutMs ?? defaultApprovalTimeoutMs;
    if (!Number.isSafeInteger(approvalTimeoutMs) || approvalTimeoutMs <= 0) {
      throw new MagsagError('USAGE', `approvalTimeoutMs must be a positive whole number of ms, got ${String(approvalTimeoutMs)}.`, { data: { limit: 'approvalTimeoutMs' } });
    }
    const gate = new ApprovalGate({
      runId,
      workspaceId: workspace.id,
      policy: options.toolPolicy ?? (options.callTool === undefined ? defaultPolicy : namePolicy),
      approve: options.approve,
      timeoutMs: approvalTimeoutMs,
      masker,
      logger,
      onRecord: (entry, request) => {
        approvals.push(entry);
        try {
          options.onApproval?.(entry, request);
        } catch (error) {
          logger.warn({ err: error }, 'onApproval failed');
        }
      },
    });
    const run = await runSandboxed({
      gateToolCall: (server, tool, args, signal) => gate.check(server, tool, args, signal),
      modules: graph.modules.map(({ id, filename, kind, code, deps }) => ({ id, filename, kind, code, deps })),
      inputJson,
      limits,
      workspace,
      signal: options.signal,
      isolation: options.isolation ?? 'process',
      pool: options.pool,
      callToolJson: async (server, tool, args, signal, mode) => {
        const result = await callTool(server, tool, args, { signal, context });
        try {
          if (mode === 'result') return JSON.stringify(result);
          const data = toolResultData(result);
          let warnings: string[] = [];
          try {
            warnings = checkResult?.(server, tool, data) ?? [];
          } catch (error) {
            logger.debug({ err: error, server, tool }, 'the result check failed; the result is returned unchecked');
          }
          try {
            options.onToolData?.(server, tool, data);
          } catch (error) {
            logger.warn({ err: error, server, tool }, 'onToolData failed; the result is returned as it came');
          }
          const reply: ToolDataReply = { data, warnings };
          return JSON.stringify(reply);
        } catch (error) {
          throw new MagsagError(
            'SANDBOX_TOOL_CALL_LIMIT',
            `The result of ${server}/${tool} could not be copied into the sandbox (${error instanceof Error ? error.message : String(error)}); it is nested more than ${maxToolResultDepth} levels deep or not JSON.`,
            { data: { limit: 'toolResultDepth', value: maxToolResultDepth, server, tool } },
          );
        }
      },
    });
    logs = run.logs;
    metrics.cpuMs = run.cpuMs;
    metrics.heapBytes = run.heapBytes;
    metrics.compileMs = run.compileMs;
    metrics.toolCalls = run.toolCalls;
    metrics.toolBytes = run.toolBytes;
    metrics.maxToolCallsInFlight = run.maxInFlight;
    const outcome = readOutcome(run, graph, limits);
    metrics.outputBytes = run.logBytes + outcome.resultBytes;
    return await finish(outcome.error, outcome);
  } catch (error) {
    const magsag = isMagsagError(error) ? error : toMagsagError(error, 'INTERNAL');
    const data = magsag.data;
    if (Array.isArray(data?.['diagnostics'])) diagnostics = data['diagnostics'] as Diagnostic[];
    if ((magsag.code === 'SANDBOX_IMPORT_DENIED' || magsag.code === 'SANDBOX_IMPORT_NOT_FOUND') && data) {
      diagnostics = [{ file: String(data['file']), line: Number(data['line']), column: Number(data['column']), message: magsag.message }];
    }
    if (magsag.code === 'INTERNAL') {
      logger.error({ message: redactHostDetails(magsag.message, { root: resolveRunnerPaths(options).root }) }, 'runner failed; --verbose logs the stack');
      logger.debug({ err: error }, 'runner failed');
    }
    const runError = toRunError(magsag);
    if (runError.data && 'diagnostics' in runError.data) {
      const { diagnostics: _omit, ...rest } = runError.data;
      runError.data = { ...rest, count: diagnostics.length };
    }
    return await finish(runError);
  }
}


/** A runner: shared settings, with per-call overrides merged in (limits and quota field by field). */
export interface Runner {
  readonly config: RunnerConfig;
  execute(options: ExecuteOptions): Promise<ExecuteResult>;
}

/** Creates a {@link Runner} whose settings are the defaults of every `execute` call. */
export function createRunner(config: RunnerConfig = {}): Runner {
  return {
    config,
    execute: (options) =>
      execute({
        ...config,
        ...options,
        limits: { ...config.limits, ...options.limits },
        quota: { ...config.quota, ...options.quota },
      }),
  };
}
