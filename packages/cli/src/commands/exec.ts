import { execute, maskDeep, newWorkspaceId, type Approver, type ExecuteResult, type RunLimits } from '@magsag/runner';
import { prepareSkillRun, type Skill } from '@magsag/catalog';
import { assertWorkspaceId } from '@magsag/core';
import type { CliContext } from '../context.ts';

/** The flags `magsag exec` and `magsag run` share. */
export interface ExecFlags {
  workspace?: string;
  timeout?: number;
  memory?: number;
  typecheck?: boolean;
  /**
   * The principal running it (`magsag serve`): a workspace it does not own is not found. The local
   * CLI leaves it out and may open any workspace of its state folder.
   */
  owner?: string;
  /** Create `workspace` when it does not exist (the local CLI). `serve` never does. @default true */
  createWorkspace?: boolean;
  /**
   * `--record-shapes`: record the shape of every parsed result (tokenized: it comes through the PII
   * middleware) under `<state>/shapes/`, for `magsag codegen --sample` to merge. @default false
   */
  recordShapes?: boolean;
  /**
   * Asks a person about calls whose policy is `approve` (the terminal prompt, `--yes`, serve's
   * elicitation or pending queue). @default none: such calls fail with TOOL_APPROVAL_REQUIRED
   */
  approve?: Approver | undefined;
  /** How long such a call waits for an answer, in ms. @default the project's approvals.approvalTimeoutMs, else 120000 */
  approvalTimeoutMs?: number | undefined;
}

/** The JSON document of `magsag exec --json` (and `magsag run --json`). */
export type ExecDocument = Pick<ExecuteResult, 'ok' | 'result' | 'logs' | 'modelView' | 'diagnostics' | 'metrics' | 'workspace' | 'error'>;

/**
 * Runs a program in the sandbox the way the CLI and `magsag serve` do: tool calls go through the
 * PII middleware, the model view is masked with the workspace's vault, and the whole document is
 * masked again before it is printed.
 */
export async function runProgram(
  ctx: CliContext,
  program: { code: string; filename: string; input?: unknown },
  flags: ExecFlags,
  signal?: AbortSignal,
): Promise<ExecDocument> {
  // Checked before the vault or anything else touches the disk: a refused id creates nothing.
  const workspace = flags.workspace === undefined ? newWorkspaceId() : assertWorkspaceId(flags.workspace, flags.owner === undefined ? '--workspace' : 'Workspace id');
  // Ownership is settled before the vault opens: another principal's workspace is "not found".
  const store = await ctx.store();
  await store.workspaces.open(workspace, {
    create: flags.workspace === undefined || flags.createWorkspace !== false,
    ...(flags.owner === undefined ? {} : { owner: flags.owner }),
  });
  // The run's own input (a skill's input, values the program's text spells out) may carry personal
  // data: record it in the workspace's vault as `magsag:input`, so the masker hides it in everything
  // the model sees and it may go to any server. The program itself gets the raw input, since
  // writing real values where they belong is its job.
  await ctx.pii.recordInput(workspace, { program: program.code, ...(program.input === undefined ? {} : { value: program.input }) });
  // (With a shared store, recordInput has just brought the vault up to date with the values other
  // replicas stored: the masker below knows them.)
  const masker = ctx.pii.masker(workspace);
  const client = ctx.maskedClient;
  // A flag (or a skill's own limit, passed as one) wins over the project's magsag.config.yaml.
  const limits: Partial<RunLimits> = {
    ...ctx.paths.limits,
    ...(flags.timeout === undefined ? {} : { wallMs: flags.timeout }),
    ...(flags.memory === undefined ? {} : { memoryMb: flags.memory }),
  };
  // A flag (serve --approval-timeout) wins over the project's approvals.approvalTimeoutMs.
  const approvalTimeoutMs = flags.approvalTimeoutMs ?? ctx.paths.approvals.approvalTimeoutMs;
  // Loaded only when asked for: genson-js and the codegen package stay out of an ordinary run.
  const recordShape = flags.recordShapes ? (await import('@magsag/codegen')).recordShape : undefined;
  const result = await execute({
    code: program.code,
    filename: program.filename,
    ...(program.input === undefined ? {} : { input: program.input }),
    root: ctx.paths.root,
    serversDir: ctx.generatedDir,
    skillsDir: ctx.skillsDir,
    stateDir: ctx.paths.stateDir,
    store,
    callTool: (server, tool, args, options) => client.callTool(server, tool, args, options),
    checkResult: (server, tool, data) => client.checkToolResult(server, tool, data),
    toolPolicy: (server, tool) => client.toolPolicy(server, tool),
    ...(flags.approve ? { approve: flags.approve } : {}),
    ...(approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs }),
    // Who decided what goes to the run's audit log, beside what crossed the PII boundary.
    onApproval: (entry, request) =>
      ctx.pii.recordApprovals(
        entry.calls.map((call) => ({
          direction: 'approval' as const,
          ts: entry.decidedAt,
          runId: request.runId,
          workspaceId: request.workspaceId,
          approvalId: entry.id,
          server: call.server,
          tool: call.tool,
          argumentsHash: call.argumentsHash,
          outcome: entry.outcome,
          decidedBy: entry.decidedBy,
          ...(entry.scope ? { scope: entry.scope } : {}),
          requestedAt: entry.requestedAt,
          waitedMs: entry.waitedMs,
        })),
      ),
    ...(recordShape ? { onToolData: (server: string, tool: string, data: unknown) => void recordShape(ctx.paths.stateDir, server, tool, data) } : {}),
    masker,
    limits,
    typecheck: flags.typecheck !== false,
    workspace,
    createWorkspace: true,
    logger: ctx.logger,
    ...(signal ? { signal } : {}),
  });
  await ctx.pii.flush();
  const { ok, result: value, logs, modelView, diagnostics, metrics, workspace: ws, error } = result;
  return { ok, result: maskDeep(value, masker), logs: maskDeep(logs, masker), modelView, diagnostics: maskDeep(diagnostics, masker), metrics, workspace: ws, error: maskDeep(error, masker) };
}

/**
 * Runs a skill: validates the input against its SKILL.md schema, then runs it like a program with
 * the skill's own limits unless the flags set them.
 */
export async function runSkill(ctx: CliContext, skill: Skill, input: unknown, flags: ExecFlags, signal?: AbortSignal): Promise<ExecDocument> {
  const prepared = prepareSkillRun(skill, input);
  return runProgram(
    ctx,
    prepared,
    {
      ...flags,
      ...(flags.timeout === undefined && prepared.limits.wallMs ? { timeout: prepared.limits.wallMs } : {}),
      ...(flags.memory === undefined && prepared.limits.memoryMb ? { memory: prepared.limits.memoryMb } : {}),
    },
    signal,
  );
}
