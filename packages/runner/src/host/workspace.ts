import { MagsagError, assertWorkspaceId } from '@magsag/core';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { defaultQuota, defaultRetention, type RetentionPolicy, type WorkspaceQuota } from '../options.ts';

const maxPathLength = 1024;

/** A folder under `<stateDir>/workspaces/<id>/`: `files/` for the program, `runs/<runId>/` for run records. */
export interface WorkspaceMeta {
  id: string;
  createdAt: string;
  updatedAt: string;
}

/** An entry of {@link Workspace.list}. */
export interface WorkspaceEntry {
  path: string;
  type: 'file' | 'directory';
  bytes: number;
}

/** The folder holding all workspaces. */
export function workspacesDir(stateDir: string): string {
  return path.join(stateDir, 'workspaces');
}

/** A fresh workspace id: sortable by creation time. */
export function newWorkspaceId(): string {
  return `ws-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(3).toString('hex')}`;
}

function pathDenied(requested: string, reason: string): MagsagError {
  return new MagsagError(
    'WORKSPACE_PATH_DENIED',
    `Workspace path "${requested.slice(0, 200)}" is refused: ${reason}. Use a relative path inside the workspace, like "out/report.json".`,
    { data: { path: requested.slice(0, 200), reason } },
  );
}

function usage(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        files++;
        bytes += lstatSync(full).size;
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return { bytes, files };
}

/**
 * One workspace, opened for a run. Paths the program gives are checked before any file is
 * touched: relative only, no `..`, no symbolic link anywhere on the way, and the quota on writes.
 */
export class Workspace {
  readonly id: string;
  readonly stateDir: string;
  readonly dir: string;
  readonly filesDir: string;
  readonly quota: WorkspaceQuota;
  private used: { bytes: number; files: number } | undefined;
  /** Paths written or removed since the workspace was opened. */
  readonly touched = new Set<string>();

  constructor(stateDir: string, id: string, quota: Partial<WorkspaceQuota> = {}) {
    this.id = id;
    this.stateDir = stateDir;
    this.dir = path.join(workspacesDir(stateDir), id);
    this.filesDir = path.join(this.dir, 'files');
    this.quota = { ...defaultQuota, ...quota };
  }

  /** Opens `id`, or creates it (a fresh id when none is given) when `create` is set. */
  static open(stateDir: string, id: string | undefined, options: { create: boolean; quota?: Partial<WorkspaceQuota> }): Workspace {
    const wsId = assertWorkspaceId(id ?? newWorkspaceId());
    const workspace = new Workspace(stateDir, wsId, options.quota);
    const metaFile = path.join(workspace.dir, 'workspace.json');
    const now = new Date().toISOString();
    if (existsSync(metaFile)) {
      const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as WorkspaceMeta;
      writeFileSync(metaFile, `${JSON.stringify({ ...meta, updatedAt: now }, null, 2)}\n`);
    } else if (options.create || id === undefined) {
      mkdirSync(workspace.filesDir, { recursive: true });
      mkdirSync(path.join(workspace.dir, 'runs'), { recursive: true });
      writeFileSync(metaFile, `${JSON.stringify({ id: wsId, createdAt: now, updatedAt: now } satisfies WorkspaceMeta, null, 2)}\n`);
    } else {
      throw new MagsagError(
        'WORKSPACE_NOT_FOUND',
        `Workspace "${wsId}" does not exist in ${workspacesDir(stateDir)}. List workspaces with \`magsag workspaces list\`, or leave the id out to start a new one.`,
        { data: { workspace: wsId } },
      );
    }
    mkdirSync(workspace.filesDir, { recursive: true });
    return workspace;
  }

  /** Folder of one run's records. */
  runDir(runId: string): string {
    return path.join(this.dir, 'runs', runId);
  }

  /** Checks a program-given path and returns its absolute location inside `files/`. */
  resolve(requested: string, options: { allowRoot?: boolean } = {}): { full: string; rel: string } {
    if (typeof requested !== 'string') throw pathDenied(String(requested), 'it is not a string');
    if (requested.length > maxPathLength) throw pathDenied(requested, `it is longer than ${maxPathLength} characters`);
    if (requested.includes('\0')) throw pathDenied(requested, 'it contains a NUL character');
    if (requested.includes('\\')) throw pathDenied(requested, 'it contains a backslash');
    if (path.posix.isAbsolute(requested) || /^[A-Za-z]:/.test(requested)) throw pathDenied(requested, 'it is absolute');
    const parts = requested.split('/').filter((part) => part !== '' && part !== '.');
    if (parts.includes('..')) throw pathDenied(requested, 'it contains ".."');
    if (parts.length === 0 && !options.allowRoot) throw pathDenied(requested, 'it names the workspace itself, not a file');
    let current = this.filesDir;
    for (const part of parts) {
      current = path.join(current, part);
      let stat;
      try {
        stat = lstatSync(current);
      } catch {
        break;
      }
      if (stat.isSymbolicLink()) throw pathDenied(requested, `"${path.relative(this.filesDir, current)}" is a symbolic link`);
    }
    return { full: path.join(this.filesDir, ...parts), rel: parts.join('/') };
  }

  private usage(): { bytes: number; files: number } {
    this.used ??= usage(this.filesDir);
    return this.used;
  }

  /** Reads a text file. */
  read(requested: string): string {
    const { full, rel } = this.resolve(requested);
    let fd: number;
    try {
      fd = openSync(full, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw pathDenied(requested, 'it is a symbolic link');
      throw new MagsagError('WORKSPACE_NOT_FOUND', `No file "${rel}" in workspace ${this.id}. Call workspace.list() to see what is there.`, {
        data: { path: rel, workspace: this.id },
      });
    }
    try {
      if (!fstatSync(fd).isFile()) throw pathDenied(requested, 'it is not a regular file');
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  }

  /** Writes a text file, creating folders; refuses writes over the quota. */
  write(requested: string, data: string): { path: string; bytes: number } {
    const { full, rel } = this.resolve(requested);
    const bytes = Buffer.byteLength(data);
    const used = this.usage();
    let previous: number | undefined;
    try {
      const stat = lstatSync(full);
      if (!stat.isFile()) throw pathDenied(requested, 'it is not a regular file');
      previous = stat.size;
    } catch (error) {
      if (error instanceof MagsagError) throw error;
    }
    const nextBytes = used.bytes - (previous ?? 0) + bytes;
    const nextFiles = used.files + (previous === undefined ? 1 : 0);
    if (nextBytes > this.quota.maxBytes) {
      throw new MagsagError(
        'WORKSPACE_QUOTA',
        `Writing ${bytes} bytes to "${rel}" would bring workspace ${this.id} to ${nextBytes} bytes, over its quota of ${this.quota.maxBytes} bytes. Remove files or write less.`,
        { data: { limit: 'maxBytes', value: this.quota.maxBytes, requested: nextBytes, path: rel } },
      );
    }
    if (nextFiles > this.quota.maxFiles) {
      throw new MagsagError(
        'WORKSPACE_QUOTA',
        `Writing "${rel}" would make ${nextFiles} files in workspace ${this.id}, over its quota of ${this.quota.maxFiles} files. Remove files or write fewer.`,
        { data: { limit: 'maxFiles', value: this.quota.maxFiles, requested: nextFiles, path: rel } },
      );
    }
    mkdirSync(path.dirname(full), { recursive: true });
    // The folders were checked above; a link planted since would still not be followed for the file.
    this.resolve(requested);
    const fd = openSync(full, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    this.used = { bytes: nextBytes, files: nextFiles };
    this.touched.add(rel);
    return { path: rel, bytes };
  }

  /** Lists a folder (recursively), files with their sizes. */
  list(requested = '.'): WorkspaceEntry[] {
    const { full, rel } = this.resolve(requested, { allowRoot: true });
    const entries: WorkspaceEntry[] = [];
    const walk = (dir: string, prefix: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const relPath = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          entries.push({ path: relPath, type: 'directory', bytes: 0 });
          walk(path.join(dir, entry.name), relPath);
        } else if (entry.isFile()) {
          entries.push({ path: relPath, type: 'file', bytes: lstatSync(path.join(dir, entry.name)).size });
        }
      }
    };
    if (!existsSync(full)) return [];
    if (!statSync(full).isDirectory()) return [{ path: rel, type: 'file', bytes: lstatSync(full).size }];
    walk(full, rel);
    return entries;
  }

  /** Removes a file or folder. */
  remove(requested: string): void {
    const { full, rel } = this.resolve(requested);
    let stat;
    try {
      stat = lstatSync(full);
    } catch {
      return;
    }
    if (stat.isDirectory()) rmSync(full, { recursive: true, force: true });
    else unlinkSync(full);
    this.used = undefined;
    this.touched.add(rel);
  }

  /** True when the path exists. */
  exists(requested: string): boolean {
    return existsSync(this.resolve(requested, { allowRoot: true }).full);
  }
}

/** A workspace as `magsag workspaces list` shows it. */
export interface WorkspaceSummary extends WorkspaceMeta {
  path: string;
  runs: number;
  bytes: number;
  files: number;
}

/** The record of one run, `runs/<runId>/run.json`. */
export interface RunRecord {
  runId: string;
  workspaceId: string;
  status: 'running' | 'ok' | 'error';
  errorCode: string | null;
  program: string;
  inputsHash: string;
  startedAt: string;
  finishedAt: string | null;
  limits: Record<string, unknown>;
  metrics: Record<string, unknown> | null;
}

/** Options of the workspace functions. */
export interface WorkspaceQueryOptions {
  /** State folder. @default <root>/.magsag of the project around the working directory */
  stateDir: string;
}

function readMeta(dir: string): WorkspaceMeta | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'workspace.json'), 'utf8')) as WorkspaceMeta;
  } catch {
    return undefined;
  }
}

function summary(dir: string, meta: WorkspaceMeta): WorkspaceSummary {
  const runsDir = path.join(dir, 'runs');
  const runs = existsSync(runsDir) ? readdirSync(runsDir).length : 0;
  return { ...meta, path: dir, runs, ...usage(path.join(dir, 'files')) };
}

/** Every workspace, the most recently used first. */
export function listWorkspaces(options: WorkspaceQueryOptions): WorkspaceSummary[] {
  const root = workspacesDir(options.stateDir);
  if (!existsSync(root)) return [];
  const out: WorkspaceSummary[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(root, entry.name);
    const meta = readMeta(dir);
    if (meta) out.push(summary(dir, meta));
  }
  return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
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
  return { ...summary(workspace.dir, meta), entries: workspace.list('.'), runRecords };
}

/** Options of {@link cleanWorkspaces}. */
export interface CleanOptions extends WorkspaceQueryOptions, Partial<RetentionPolicy> {
  /** Report what would be removed without removing it. @default false */
  dryRun?: boolean;
  /** The time to measure ages from. @default now */
  now?: Date;
}

/**
 * Applies the retention policy: removes workspaces unused for longer than `maxAgeMs`, then the
 * least recently used beyond `maxCount`.
 */
export function cleanWorkspaces(options: CleanOptions): { removed: string[]; kept: string[] } {
  const maxAgeMs = options.maxAgeMs ?? defaultRetention.maxAgeMs;
  const maxCount = options.maxCount ?? defaultRetention.maxCount;
  const now = (options.now ?? new Date()).getTime();
  const removed: string[] = [];
  const kept: string[] = [];
  for (const workspace of listWorkspaces(options)) {
    const age = now - Date.parse(workspace.updatedAt);
    if (age > maxAgeMs || kept.length >= maxCount) {
      removed.push(workspace.id);
      if (!options.dryRun) rmSync(workspace.path, { recursive: true, force: true });
    } else {
      kept.push(workspace.id);
    }
  }
  return { removed, kept };
}
