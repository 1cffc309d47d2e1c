export { localStore, openStore, storeUrlEnv } from './open.ts';
export type { OpenStoreOptions, Store } from './open.ts';
export { statementOperation, type StatementObserver } from './observe.ts';
export { assertRunIds, runIdPattern } from './runRecords.ts';
export type { RunOwner, RunRecordStore, RunStatus, StoredRunRecord } from './runRecords.ts';
export { LocalRunRecords } from './local/runRecords.ts';
export { schemaVersion } from './postgres/migrations.ts';
export { assertSkillFiles, assertSkillName, type SkillStore, type StoredSkill } from './skills.ts';
export { approvalStatus, assertApprovalId } from './approvals.ts';
export type { ApprovalQueueEntry, ApprovalStore, QueueDecision, QueuedApproval, StoredApprovalCall } from './approvals.ts';
export type { AuditRow, AuditStore, StoredAuditRow } from './audit.ts';
export type { NewVaultRow, Sealed, SealedVaultRow, TokenizedRow, VaultFiles, VaultRowStore, VaultStore } from './vault.ts';
export { LocalApprovals } from './local/approvals.ts';
export { LocalAudit, auditFile } from './local/audit.ts';
export {
  checkWorkspacePath,
  compareEntryPaths,
  defaultWorkspaceQuota,
  fileNotFound,
  localOwner,
  maxPathLength,
  newWorkspaceId,
  pathDenied,
  quotaCheck,
  workspaceNotFound,
} from './workspaces.ts';
export type { RunOutputStore, StoredWorkspaceSummary, WorkspaceEntry, WorkspaceMeta, WorkspaceQuota, WorkspaceStore, WorkspaceUsage } from './workspaces.ts';
export {
  LocalWorkspace,
  LocalWorkspaces,
  localSummary,
  localWorkspaces,
  makePrivateDir,
  makePrivateDirAsync,
  measure,
  privateDirMode,
  privateFileMode,
  readMeta,
  workspacesDir,
  writePrivateFile,
  writePrivateFileAsync,
} from './local/workspace.ts';
export { LocalRunOutputs } from './local/runOutputs.ts';
