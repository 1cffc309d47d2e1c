import { MagsagError } from '@magsag/core';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** How much one workspace may hold. */
export interface WorkspaceQuota {
  /** Total bytes of the files the program writes. */
  maxBytes: number;
  /** Files and folders together. */
  maxFiles: number;
}

/** The quota of a workspace when none is configured: 50 MiB and 1000 files and folders. */
export const defaultWorkspaceQuota: Readonly<WorkspaceQuota> = Object.freeze({ maxBytes: 50 * 1024 * 1024, maxFiles: 1000 });

/** A workspace's record (`workspace.json` in the local backend, a `magsag_workspaces` row in PostgreSQL). */
export interface WorkspaceMeta {
  id: string;
  createdAt: string;
  updatedAt: string;
  /** The principal that owns it (`local` for the local user and workspaces made before owners). */
  owner?: string;
}

/** An entry of a workspace listing. */
export interface WorkspaceEntry {
  path: string;
  type: 'file' | 'directory';
  bytes: number;
}

/** What a workspace's files use: bytes, and entries (files and folders alike). */
export interface WorkspaceUsage {
  bytes: number;
  entries: number;
}

/** A workspace as `workspace list` shows it: its record, what its files use, its runs. */
export interface StoredWorkspaceSummary extends WorkspaceMeta {
  bytes: number;
  /** Files and folders. */
  entries: number;
  runs: number;
}

/**
 * Workspaces and their files, in the local state folder or in PostgreSQL. Paths are checked with
 * {@link checkWorkspacePath} by both backends. Every method may throw `STORE_UNAVAILABLE` (PostgreSQL).
 */
export interface WorkspaceStore {
  /**
   * Opens `id` (refreshing its `updatedAt`), or creates it (a fresh id when none is given) when
   * `create` is set. With `owner`, another principal's workspace is `WORKSPACE_NOT_FOUND`, exactly
   * like a missing one; a created one records `owner` (default `local`).
   */
  open(id: string | undefined, options: { create: boolean; owner?: string }): Promise<WorkspaceMeta>;
  /** Every workspace (of `owner`, when given), the most recently used first. */
  list(options?: { owner?: string }): Promise<StoredWorkspaceSummary[]>;
  /** Removes a workspace with its files, run records and outputs (nothing when it is missing). */
  remove(id: string): Promise<void>;
  /** A text file; `WORKSPACE_NOT_FOUND` when there is none. */
  read(id: string, path: string): Promise<string>;
  /**
   * Writes a text file, creating its folders. Every new folder and file counts against `maxFiles`;
   * a write over either quota fails with `WORKSPACE_QUOTA` and changes nothing. Lands whole or not
   * at all; the quota holds across processes (the local lock, a PostgreSQL row lock).
   */
  write(id: string, path: string, data: string, quota: WorkspaceQuota): Promise<{ path: string; bytes: number }>;
  /** Removes a file or folder (nothing when it is missing). */
  delete(id: string, path: string): Promise<void>;
  /** A folder's entries, recursively (siblings in `localeCompare` order, depth first); a file lists itself; `[]` when missing. */
  entries(id: string, path: string): Promise<WorkspaceEntry[]>;
  /** True when the path (or, for `.`, the workspace) exists. */
  exists(id: string, path: string): Promise<boolean>;
  usage(id: string): Promise<WorkspaceUsage>;
}

/** The owner of workspaces the local user makes (and of those made before owners were recorded). */
export const localOwner = 'local';

/** A fresh workspace id: sortable by creation time, with 128 bits of randomness (not guessable). */
export function newWorkspaceId(): string {
  return `ws-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(16).toString('hex')}`;
}

/** The longest path a program may give. */
export const maxPathLength = 1024;

/** `WORKSPACE_PATH_DENIED` for a path the program gave. */
export function pathDenied(requested: string, reason: string): MagsagError {
  return new MagsagError(
    'WORKSPACE_PATH_DENIED',
    `Workspace path "${requested.slice(0, 200)}" is refused: ${reason}. Use a relative path inside the workspace, like "out/report.json".`,
    { data: { path: requested.slice(0, 200), reason } },
  );
}

/** `WORKSPACE_NOT_FOUND`: the same answer whether the id does not exist or belongs to someone else. */
export function workspaceNotFound(id: string): MagsagError {
  return new MagsagError(
    'WORKSPACE_NOT_FOUND',
    `Workspace "${id}" was not found. Leave the workspace out to start a new one, or pass an id from an earlier answer (\`magsag workspace list\` lists the local ones).`,
    { data: { workspace: id } },
  );
}

/** `WORKSPACE_NOT_FOUND` for a file. */
export function fileNotFound(id: string, rel: string): MagsagError {
  return new MagsagError('WORKSPACE_NOT_FOUND', `No file "${rel}" in workspace ${id}. Call workspace.list() to see what is there.`, {
    data: { path: rel, workspace: id },
  });
}

/**
 * The path rules of every backend: relative only, no `..`, no NUL, no backslash, at most
 * {@link maxPathLength} characters, and (unless `allowRoot`) not the workspace itself. Returns the
 * path's parts and its normal form (`a/b/c.json`). The local backend also refuses symbolic links
 * on the way; PostgreSQL has none.
 */
export function checkWorkspacePath(requested: string, options: { allowRoot?: boolean } = {}): { parts: string[]; rel: string } {
  if (typeof requested !== 'string') throw pathDenied(String(requested), 'it is not a string');
  if (requested.length > maxPathLength) throw pathDenied(requested, `it is longer than ${maxPathLength} characters`);
  if (requested.includes('\0')) throw pathDenied(requested, 'it contains a NUL character');
  if (requested.includes('\\')) throw pathDenied(requested, 'it contains a backslash');
  if (path.posix.isAbsolute(requested) || /^[A-Za-z]:/.test(requested)) throw pathDenied(requested, 'it is absolute');
  const parts = requested.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw pathDenied(requested, 'it contains ".."');
  if (parts.length === 0 && !options.allowRoot) throw pathDenied(requested, 'it names the workspace itself, not a file');
  return { parts, rel: parts.join('/') };
}

/** Usage after a write, or the `WORKSPACE_QUOTA` error that refuses it (both backends). */
export function quotaCheck(id: string, rel: string, bytes: number, next: WorkspaceUsage, quota: WorkspaceQuota): void {
  if (next.bytes > quota.maxBytes) {
    throw new MagsagError(
      'WORKSPACE_QUOTA',
      `Writing ${bytes} bytes to "${rel}" would bring workspace ${id} to ${next.bytes} bytes, over its quota of ${quota.maxBytes} bytes. Remove files or write less.`,
      { data: { limit: 'maxBytes', value: quota.maxBytes, requested: next.bytes, path: rel } },
    );
  }
  if (next.entries > quota.maxFiles) {
    throw new MagsagError(
      'WORKSPACE_QUOTA',
      `Writing "${rel}" would make ${next.entries} files and folders in workspace ${id}, over its quota of ${quota.maxFiles}. Remove files or write fewer.`,
      { data: { limit: 'maxFiles', value: quota.maxFiles, requested: next.entries, path: rel } },
    );
  }
}

/** Orders entries as the local backend's walk lists them: depth first, siblings in `localeCompare` order. */
export function compareEntryPaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = pa[i]!.localeCompare(pb[i]!);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

/** A run's kept output (masked JSON), in the local state folder or in PostgreSQL. */
export interface RunOutputStore {
  /** Keeps a run's output (`JSON.stringify(output, null, 2)`), whole. */
  put(workspaceId: string, runId: string, json: string): Promise<void>;
  /**
   * A page of the output's text: `length` characters from `offset`, with the text's `total` and
   * the offset the next page starts at (`end`). Characters are UTF-16 code units in the local
   * backend and code points in PostgreSQL (its `substr`); either way `end` is where to go on.
   * `undefined` when the run kept no output.
   */
  page(workspaceId: string, runId: string, offset: number, length: number): Promise<{ total: number; text: string; end: number } | undefined>;
}
