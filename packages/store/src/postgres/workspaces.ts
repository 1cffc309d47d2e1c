import { assertWorkspaceId } from '@magsag/core';
import type pg from 'pg';
import { assertRunIds } from '../runRecords.ts';
import {
  checkWorkspacePath,
  compareEntryPaths,
  fileNotFound,
  localOwner,
  newWorkspaceId,
  pathDenied,
  quotaCheck,
  workspaceNotFound,
  type RunOutputStore,
  type StoredWorkspaceSummary,
  type WorkspaceEntry,
  type WorkspaceMeta,
  type WorkspaceQuota,
  type WorkspaceStore,
  type WorkspaceUsage,
} from '../workspaces.ts';
import type { PostgresStore } from './store.ts';

interface WorkspaceRow {
  id: string;
  owner: string;
  created_at: Date;
  updated_at: Date;
}

function meta(row: WorkspaceRow): WorkspaceMeta {
  return { id: row.id, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(), owner: row.owner };
}

/** A LIKE pattern for the paths under `rel` (paths never hold a backslash: `checkWorkspacePath` refuses it). */
function under(rel: string): string {
  return `${rel.replace(/[%_]/g, (c) => `\\${c}`)}/%`;
}

/**
 * Workspaces in `magsag_workspaces` (with the quota counter) and their files in `magsag_files`
 * (one row per file or folder; folders count as entries, as in the local backend). A write or a
 * removal is one transaction that locks the workspace row first (`SELECT … FOR UPDATE`): writers of
 * one workspace take turns on any replica, and a write lands whole or not at all.
 */
export class PostgresWorkspaces implements WorkspaceStore {
  readonly #store: PostgresStore;

  constructor(store: PostgresStore) {
    this.#store = store;
  }

  async open(id: string | undefined, options: { create: boolean; owner?: string }): Promise<WorkspaceMeta> {
    const wsId = assertWorkspaceId(id ?? newWorkspaceId());
    const now = new Date().toISOString();
    const doing = `opening workspace ${wsId}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const updated = await this.#store.query<WorkspaceRow>(
        'UPDATE magsag_workspaces SET updated_at = $3 WHERE id = $1 AND ($2::text IS NULL OR owner = $2) RETURNING id, owner, created_at, updated_at',
        [wsId, options.owner ?? null, now],
        doing,
      );
      if (updated.rows[0]) return meta(updated.rows[0]);
      if (options.owner !== undefined) {
        // Someone else's: the same answer as a missing one.
        const other = await this.#store.query('SELECT 1 FROM magsag_workspaces WHERE id = $1', [wsId], doing);
        if (other.rowCount) throw workspaceNotFound(wsId);
      }
      if (!options.create && id !== undefined) throw workspaceNotFound(wsId);
      const created = await this.#store.query<WorkspaceRow>(
        `INSERT INTO magsag_workspaces (id, owner, created_at, updated_at) VALUES ($1, $2, $3, $3)
         ON CONFLICT (id) DO NOTHING RETURNING id, owner, created_at, updated_at`,
        [wsId, options.owner ?? localOwner, now],
        `creating workspace ${wsId}`,
      );
      if (created.rows[0]) return meta(created.rows[0]);
      // Created by another replica in between: open that one (its owner checked above, again).
    }
    throw workspaceNotFound(wsId);
  }

  async list(options: { owner?: string } = {}): Promise<StoredWorkspaceSummary[]> {
    const result = await this.#store.query<WorkspaceRow & { bytes: string; entries: number; runs: number }>(
      `SELECT w.id, w.owner, w.created_at, w.updated_at, w.bytes, w.entries,
              (SELECT count(*) FROM magsag_run_records r WHERE r.workspace_id = w.id)::integer AS runs
       FROM magsag_workspaces w WHERE $1::text IS NULL OR w.owner = $1
       ORDER BY w.updated_at DESC, w.id`,
      [options.owner ?? null],
      'listing workspaces',
    );
    return result.rows.map((row) => ({ ...meta(row), bytes: Number(row.bytes), entries: row.entries, runs: row.runs }));
  }

  async remove(id: string): Promise<void> {
    assertWorkspaceId(id, 'workspace');
    await this.#store.transaction(`removing workspace ${id}`, async (client) => {
      await client.query('DELETE FROM magsag_run_outputs WHERE workspace_id = $1', [id]);
      await client.query('DELETE FROM magsag_run_records WHERE workspace_id = $1', [id]);
      // Its PII vault: the sealed values and their counters (the local backend removes pii-vault.enc with the folder).
      await client.query('DELETE FROM magsag_vault_entries WHERE workspace_id = $1', [id]);
      await client.query('DELETE FROM magsag_vault_counters WHERE workspace_id = $1', [id]);
      // Its files go with it (ON DELETE CASCADE).
      await client.query('DELETE FROM magsag_workspaces WHERE id = $1', [id]);
    });
  }

  async read(id: string, requested: string): Promise<string> {
    assertWorkspaceId(id, 'workspace');
    const { rel } = checkWorkspacePath(requested);
    const result = await this.#store.query<{ kind: string; data: Buffer | null }>(
      'SELECT kind, data FROM magsag_files WHERE workspace_id = $1 AND path = $2',
      [id, rel],
      `reading "${rel}" in workspace ${id}`,
    );
    const row = result.rows[0];
    if (!row) throw fileNotFound(id, rel);
    if (row.kind !== 'file') throw pathDenied(requested, 'it is not a regular file');
    return (row.data ?? Buffer.alloc(0)).toString('utf8');
  }

  async write(id: string, requested: string, data: string, quota: WorkspaceQuota): Promise<{ path: string; bytes: number }> {
    assertWorkspaceId(id, 'workspace');
    const { parts, rel } = checkWorkspacePath(requested);
    const content = Buffer.from(data, 'utf8');
    const bytes = content.length;
    const folders = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
    return this.#store.transaction(`writing "${rel}" in workspace ${id}`, async (client) => {
      const used = await lockUsage(client, id);
      const found = await client.query<{ path: string; kind: string; bytes: number }>(
        'SELECT path, kind, bytes FROM magsag_files WHERE workspace_id = $1 AND path = ANY($2::text[])',
        [id, [...folders, rel]],
      );
      const byPath = new Map(found.rows.map((row) => [row.path, row]));
      const target = byPath.get(rel);
      if (target && target.kind !== 'file') throw pathDenied(requested, 'it is not a regular file');
      for (const folder of folders) {
        if (byPath.get(folder)?.kind === 'file') throw pathDenied(requested, `"${folder}" is a file, not a folder`);
      }
      const newFolders = folders.filter((folder) => !byPath.has(folder));
      const next = { bytes: used.bytes - (target?.bytes ?? 0) + bytes, entries: used.entries + newFolders.length + (target ? 0 : 1) };
      quotaCheck(id, rel, bytes, next, quota);
      const now = new Date().toISOString();
      if (newFolders.length > 0) {
        await client.query(
          `INSERT INTO magsag_files (workspace_id, path, kind, bytes, updated_at)
           SELECT $1, folder, 'directory', 0, $3 FROM unnest($2::text[]) AS folder`,
          [id, newFolders, now],
        );
      }
      await client.query(
        `INSERT INTO magsag_files (workspace_id, path, kind, data, bytes, updated_at) VALUES ($1, $2, 'file', $3, $4, $5)
         ON CONFLICT (workspace_id, path) DO UPDATE SET data = excluded.data, bytes = excluded.bytes, updated_at = excluded.updated_at`,
        [id, rel, content, bytes, now],
      );
      await client.query('UPDATE magsag_workspaces SET bytes = $2, entries = $3 WHERE id = $1', [id, next.bytes, next.entries]);
      return { path: rel, bytes };
    });
  }

  async delete(id: string, requested: string): Promise<void> {
    assertWorkspaceId(id, 'workspace');
    const { rel } = checkWorkspacePath(requested);
    await this.#store.transaction(`removing "${rel}" in workspace ${id}`, async (client) => {
      const used = await lockUsage(client, id);
      const gone = await client.query<{ bytes: number }>(
        'DELETE FROM magsag_files WHERE workspace_id = $1 AND (path = $2 OR path LIKE $3) RETURNING bytes',
        [id, rel, under(rel)],
      );
      if (!gone.rowCount) return;
      const freed = gone.rows.reduce((sum, row) => sum + row.bytes, 0);
      await client.query('UPDATE magsag_workspaces SET bytes = $2, entries = $3 WHERE id = $1', [
        id,
        Math.max(0, used.bytes - freed),
        Math.max(0, used.entries - gone.rows.length),
      ]);
    });
  }

  async entries(id: string, requested: string): Promise<WorkspaceEntry[]> {
    assertWorkspaceId(id, 'workspace');
    const { rel } = checkWorkspacePath(requested, { allowRoot: true });
    const doing = `listing "${rel || '.'}" in workspace ${id}`;
    // Names and sizes only: a listing never reads the files' contents.
    const result =
      rel === ''
        ? await this.#store.query<{ path: string; kind: 'file' | 'directory'; bytes: number }>('SELECT path, kind, bytes FROM magsag_files WHERE workspace_id = $1', [id], doing)
        : await this.#store.query<{ path: string; kind: 'file' | 'directory'; bytes: number }>(
            'SELECT path, kind, bytes FROM magsag_files WHERE workspace_id = $1 AND (path = $2 OR path LIKE $3)',
            [id, rel, under(rel)],
            doing,
          );
    if (result.rows.length === 0) {
      await this.#mustExist(id, doing);
      return [];
    }
    const self = result.rows.find((row) => row.path === rel);
    if (self?.kind === 'file') return [{ path: rel, type: 'file', bytes: self.bytes }];
    return result.rows
      .filter((row) => row.path !== rel)
      .sort((a, b) => compareEntryPaths(a.path, b.path))
      .map((row) => ({ path: row.path, type: row.kind, bytes: row.kind === 'file' ? row.bytes : 0 }));
  }

  async exists(id: string, requested: string): Promise<boolean> {
    assertWorkspaceId(id, 'workspace');
    const { rel } = checkWorkspacePath(requested, { allowRoot: true });
    const doing = `looking for "${rel || '.'}" in workspace ${id}`;
    if (rel !== '') {
      const found = await this.#store.query('SELECT 1 FROM magsag_files WHERE workspace_id = $1 AND path = $2', [id, rel], doing);
      if (found.rowCount) return true;
    }
    await this.#mustExist(id, doing);
    return rel === '';
  }

  async usage(id: string): Promise<WorkspaceUsage> {
    assertWorkspaceId(id, 'workspace');
    const result = await this.#store.query<{ bytes: string; entries: number }>('SELECT bytes, entries FROM magsag_workspaces WHERE id = $1', [id], `reading the usage of workspace ${id}`);
    const row = result.rows[0];
    if (!row) throw workspaceNotFound(id);
    return { bytes: Number(row.bytes), entries: row.entries };
  }

  async #mustExist(id: string, doing: string): Promise<void> {
    const found = await this.#store.query('SELECT 1 FROM magsag_workspaces WHERE id = $1', [id], doing);
    if (!found.rowCount) throw workspaceNotFound(id);
  }
}

/** Locks the workspace row (writers of one workspace take turns, any replica) and returns its usage. */
async function lockUsage(client: pg.PoolClient, id: string): Promise<WorkspaceUsage> {
  const result = await client.query<{ bytes: string; entries: number }>('SELECT bytes, entries FROM magsag_workspaces WHERE id = $1 FOR UPDATE', [id]);
  const row = result.rows[0];
  if (!row) throw workspaceNotFound(id);
  return { bytes: Number(row.bytes), entries: row.entries };
}

/** Run outputs in `magsag_run_outputs`, the masked JSON as `output.json` holds it. */
export class PostgresRunOutputs implements RunOutputStore {
  readonly #store: PostgresStore;

  constructor(store: PostgresStore) {
    this.#store = store;
  }

  async put(workspaceId: string, runId: string, json: string): Promise<void> {
    assertRunIds(workspaceId, runId);
    await this.#store.query(
      `INSERT INTO magsag_run_outputs (workspace_id, run_id, output) VALUES ($1, $2, $3)
       ON CONFLICT (workspace_id, run_id) DO UPDATE SET output = excluded.output`,
      [workspaceId, runId, json],
      `writing the output of run ${runId}`,
    );
  }

  async page(workspaceId: string, runId: string, offset: number, length: number): Promise<{ total: number; text: string; end: number } | undefined> {
    assertRunIds(workspaceId, runId);
    // The page only, not the whole output: substr counts characters (code points).
    const result = await this.#store.query<{ total: number; text: string }>(
      'SELECT char_length(output) AS total, substr(output, $3::integer + 1, $4::integer) AS text FROM magsag_run_outputs WHERE workspace_id = $1 AND run_id = $2',
      [workspaceId, runId, offset, length],
      `reading the output of run ${runId}`,
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return { total: row.total, text: row.text, end: offset + [...row.text].length };
  }
}
