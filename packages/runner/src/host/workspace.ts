import type { ApprovalRecord } from '../approvals.ts';
import { MagsagError } from '@magsag/core';
import { LocalWorkspace, localSummary as localSummaryOf, localWorkspaces, readMeta, workspacesDir, type Store, type WorkspaceEntry, type WorkspaceMeta } from '@magsag/store';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { defaultRetention, type RetentionPolicy } from '../options.ts';

export {
  localOwner,
  makePrivateDir,
  makePrivateDirAsync,
  newWorkspaceId,
  privateDirMode,
  privateFileMode,
  workspacesDir,
  writePrivateFile,
  writePrivateFileAsync,
} from '@magsag/store';
export type { WorkspaceEntry, WorkspaceMeta, WorkspaceUsage } from '@magsag/store';

/**
 * One workspace in the state folder, opened for a run (`@magsag/store`'s `LocalWorkspace`): its
 * synchronous methods are what the sandbox's workspace API calls in the local mode.
 */
export const Workspace = LocalWorkspace;
export type Workspace = LocalWorkspace;

/** A workspace as `magsag workspaces list` shows it. */
export interface WorkspaceSummary extends WorkspaceMeta {
  path: string;
  runs: number;
  bytes: number;
  files: number;
}

/** The process that runs (or ran) a run: for telling a live run from one whose process died. */
export interface RunOwner {
  host: string;
  pid: number;
  /** When that process started (so a reused pid is not taken for it). */
  startedAt: string;
}

/** The record of one run, `runs/<runId>/run.json`. */
export interface RunRecord {
  runId: string;
  workspaceId: string;
  /**
   * `cancelled`: its caller or a shutdown ended it; `interrupted`: its process died while it ran
   * (found and marked by the next `serve` or `workspace show`).
   */
  status: 'running' | 'ok' | 'error' | 'cancelled' | 'interrupted';
  errorCode: string | null;
  program: string;
  inputsHash: string;
  startedAt: string;
  finishedAt: string | null;
  limits: Record<string, unknown>;
  metrics: Record<string, unknown> | null;
  /** The process running it. */
  owner?: RunOwner;
  /** Refreshed while the run is alive; a stale one means its process is gone. */
  heartbeatAt?: string;
  /** Every approval the run asked for (or was refused by policy): who decided, when, the masked arguments' hashes. */
  approvals?: ApprovalRecord[];
}

/** Options of the workspace functions. */
export interface WorkspaceQueryOptions {
  /** State folder. @default <root>/.magsag of the project around the working directory */
  stateDir: string;
}

function toSummary(summary: { bytes: number; entries: number; runs: number } & WorkspaceMeta, where: string): WorkspaceSummary {
  const { bytes, entries, runs, ...meta } = summary;
  return { ...meta, path: where, runs, bytes, files: entries };
}

/** Every workspace in the state folder, the most recently used first. */
export function listWorkspaces(options: WorkspaceQueryOptions): WorkspaceSummary[] {
  return localWorkspaces(options.stateDir).map(({ dir, ...summary }) => toSummary(summary, dir));
}

/** One workspace with its files and run records; throws `WORKSPACE_NOT_FOUND`. */
export function showWorkspace(id: string, options: WorkspaceQueryOptions): WorkspaceSummary & { entries: WorkspaceEntry[]; runRecords: RunRecord[] } {
  const workspace = Workspace.open(options.stateDir, id, { create: false });
  const meta = readMeta(workspace.dir);
  if (!meta) throw new MagsagError('WORKSPACE_NOT_FOUND', `Workspace "${id}" has no workspace.json.`, { data: { workspace: id } });
  const runsDir = path.join(workspace.dir, 'runs');
  const runRecords: RunRecord[] = [];
  for (const runId of existsSync(runsDir) ? readdirSync(runsDir).sort() : []) {
    try {
      runRecords.push(JSON.parse(readFileSync(path.join(runsDir, runId, 'run.json'), 'utf8')) as RunRecord);
    } catch {
      // A run killed while writing its record is skipped rather than failing the listing.
    }
  }
  return { ...toSummary({ ...localSummaryOf(workspace.dir, meta) }, workspace.dir), entries: workspace.list('.'), runRecords };
}

/** Options of {@link cleanWorkspaces}. */
export interface CleanOptions extends WorkspaceQueryOptions, Partial<RetentionPolicy> {
  /** Report what would be removed without removing it. @default false */
  dryRun?: boolean;
  /** The time to measure ages from. @default now */
  now?: Date;
}

/** Which of `workspaces` (most recently used first) the retention policy removes. */
function retention(workspaces: readonly WorkspaceSummary[], options: Omit<CleanOptions, 'stateDir'>): { removed: WorkspaceSummary[]; kept: WorkspaceSummary[] } {
  const maxAgeMs = options.maxAgeMs ?? defaultRetention.maxAgeMs;
  const maxCount = options.maxCount ?? defaultRetention.maxCount;
  const now = (options.now ?? new Date()).getTime();
  const removed: WorkspaceSummary[] = [];
  const kept: WorkspaceSummary[] = [];
  for (const workspace of workspaces) {
    const age = now - Date.parse(workspace.updatedAt);
    if (age > maxAgeMs || kept.length >= maxCount) removed.push(workspace);
    else kept.push(workspace);
  }
  return { removed, kept };
}

/**
 * Applies the retention policy: removes workspaces unused for longer than `maxAgeMs`, then the
 * least recently used beyond `maxCount`.
 */
export function cleanWorkspaces(options: CleanOptions): { removed: string[]; kept: string[] } {
  const { removed, kept } = retention(listWorkspaces(options), options);
  if (!options.dryRun) for (const workspace of removed) rmSync(workspace.path, { recursive: true, force: true });
  return { removed: removed.map((w) => w.id), kept: kept.map((w) => w.id) };
}

/**
 * Where a store's workspace is, as {@link WorkspaceSummary.path} and a run's `workspace.path` say
 * it: its folder in the local store; `<host:port/database>:workspaces/<id>` in PostgreSQL (a label,
 * never the password).
 */
export function workspaceLocation(store: Store, id: string): string {
  return store.kind === 'local' ? path.join(workspacesDir(store.where), id) : `${store.where}:workspaces/${id}`;
}

/**
 * {@link listWorkspaces} of a store (of one principal, with `owner`). The local store answers with
 * exactly what {@link listWorkspaces} does.
 */
export async function listWorkspacesIn(store: Store, options: { owner?: string } = {}): Promise<WorkspaceSummary[]> {
  if (store.kind === 'local' && options.owner === undefined) return listWorkspaces({ stateDir: store.where });
  return (await store.workspaces.list(options)).map((summary) => toSummary(summary, workspaceLocation(store, summary.id)));
}

/**
 * {@link showWorkspace} of a store; with `owner`, another principal's workspace is
 * `WORKSPACE_NOT_FOUND`. The local store answers with exactly what {@link showWorkspace} does.
 */
export async function showWorkspaceIn(
  store: Store,
  id: string,
  options: { owner?: string } = {},
): Promise<WorkspaceSummary & { entries: WorkspaceEntry[]; runRecords: RunRecord[] }> {
  if (store.kind === 'local' && options.owner === undefined) return showWorkspace(id, { stateDir: store.where });
  const meta = await store.workspaces.open(id, { create: false, ...(options.owner === undefined ? {} : { owner: options.owner }) });
  const [entries, runRecords] = await Promise.all([store.workspaces.entries(meta.id, '.'), store.runRecords.list(meta.id) as Promise<RunRecord[]>]);
  const bytes = entries.reduce((sum, entry) => sum + entry.bytes, 0);
  return { ...meta, path: workspaceLocation(store, meta.id), runs: runRecords.length, bytes, files: entries.length, entries, runRecords };
}

/** {@link cleanWorkspaces} of a store: removes workspaces with their files, run records and outputs. */
export async function cleanWorkspacesIn(store: Store, options: Omit<CleanOptions, 'stateDir'> = {}): Promise<{ removed: string[]; kept: string[] }> {
  if (store.kind === 'local') return cleanWorkspaces({ ...options, stateDir: store.where });
  const { removed, kept } = retention(await listWorkspacesIn(store), options);
  if (!options.dryRun) for (const workspace of removed) await store.workspaces.remove(workspace.id);
  return { removed: removed.map((w) => w.id), kept: kept.map((w) => w.id) };
}
