import { MagsagError, assertWorkspaceId } from '@magsag/core';

/** What became of a run. `interrupted`: its process died while it ran (found by {@link RunRecordStore.markInterrupted}). */
export type RunStatus = 'running' | 'ok' | 'error' | 'cancelled' | 'interrupted';

/** The process that runs (or ran) a run. */
export interface RunOwner {
  host: string;
  pid: number;
  /** When that process started (so a reused pid is not taken for it). */
  startedAt: string;
}

/**
 * The fields of a run record the store reads; the runner's `RunRecord` has these and more, which
 * the store keeps as they are.
 */
export interface StoredRunRecord {
  runId: string;
  workspaceId: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  owner?: RunOwner;
  /** Refreshed while the run is alive; a stale one means its process is gone. */
  heartbeatAt?: string;
}

/** Run records, in the local state folder or in PostgreSQL. Every method may throw `STORE_UNAVAILABLE` (PostgreSQL). */
export interface RunRecordStore<R extends StoredRunRecord = StoredRunRecord> {
  /** Creates or replaces a record whole (a reader sees the old one or the new, never a part). */
  put(record: R): Promise<void>;
  /** One record, or `undefined`. */
  get(workspaceId: string, runId: string): Promise<R | undefined>;
  /** A workspace's records, by run id (oldest first); `[]` for an unknown workspace. */
  list(workspaceId: string): Promise<R[]>;
  /**
   * Marks `running` records whose owner `gone` says is gone as `interrupted` (with `finishedAt`),
   * across every workspace, and returns their run ids. A record whose heartbeat changed since it
   * was read is left alone: its run is alive. (PostgreSQL checks that in the UPDATE itself; the
   * local backend reads the record again just before it writes.)
   */
  markInterrupted(gone: (record: R) => boolean | Promise<boolean>, now?: number): Promise<string[]>;
}

/** The shape of a run id (`run-<UTC timestamp>-<8 hex>`), checked before it names a file or a row. */
export const runIdPattern = /^run-\d{8}T\d{6}-[0-9a-f]{8}$/;

/** Checks the ids of a record before they touch the disk or the database. */
export function assertRunIds(workspaceId: string, runId: string): void {
  assertWorkspaceId(workspaceId, 'workspace');
  if (typeof runId !== 'string' || !runIdPattern.test(runId)) {
    throw new MagsagError('USAGE', `runId "${String(runId).slice(0, 80)}" is not a run id: it looks like run-20261206T120000-0a1b2c3d.`, { data: { runId: String(runId).slice(0, 80) } });
  }
}

/** The record marked interrupted at `now`. */
export function interruptedRecord<R extends StoredRunRecord>(record: R, now: number): R {
  return { ...record, status: 'interrupted', finishedAt: new Date(now).toISOString() };
}
