export { createRunner, defaultModelViewBytes, execute, resolveRunnerPaths } from './host/execute.ts';
export type { Runner } from './host/execute.ts';
export { defaultLimits, defaultQuota, defaultRetention, identityMasker, maxLimits, maxProgramBytes } from './options.ts';
export type { ExecuteOptions, Masker, RetentionPolicy, RunLimits, ResultChecker, RunnerConfig, ToolCaller, ToolCallerOptions, WorkspaceQuota } from './options.ts';
export type { ApprovalCall, ApprovalDecision, ApprovalRecord, ApprovalRequest, Approver, ToolPolicyResolver } from './approvals.ts';
export type { Artifact, Diagnostic, ExecuteResult, LogEntry, LogLevel, RunError, RunMetrics, RunWorkspace, ToolCallMetric } from './result.ts';
export { capToolCallText, toolCallTextChars } from './result.ts';
export {
  cleanWorkspaces,
  cleanWorkspacesIn,
  listWorkspaces,
  listWorkspacesIn,
  localOwner,
  newWorkspaceId,
  showWorkspace,
  showWorkspaceIn,
  Workspace,
  workspaceLocation,
  workspacesDir,
} from './host/workspace.ts';
export { markInterruptedRuns, markInterruptedRunsIn } from './host/runRecords.ts';
export { maskDeep } from './host/maskDeep.ts';
export type { CleanOptions, RunOwner, RunRecord, WorkspaceUsage, WorkspaceEntry, WorkspaceMeta, WorkspaceQueryOptions, WorkspaceSummary } from './host/workspace.ts';
export { createTypeChecker, sandboxDeclarations, sandboxTsconfigOptions, workspaceTypes } from './host/typecheck.ts';
export { checkProgram, warmTypeChecker } from './host/checker.ts';
export type { TypeChecker, TypeCheckerOptions } from './host/typecheck.ts';
export { warmTranspiler } from './host/transpiler.ts';
export { closeSandboxes, configureSandboxPool, SandboxPool, sandboxPool, sandboxPoolDefaults, warmSandboxes } from './host/sandboxPool.ts';
export type { Isolation, SandboxPoolOptions } from './host/sandboxPool.ts';
export { maxOutputPage, readRunOutput, readRunOutputIn, runIdPattern } from './host/readOutput.ts';
export type { RunOutputPage } from './host/readOutput.ts';
export { sandboxGlobals } from './globals.ts';
