import type { ApprovalRecord } from '../approvals.ts';
import { MagsagError, assertWorkspaceId } from '@magsag/core';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import fsPromises from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { defaultQuota, defaultRetention, type RetentionPolicy, type WorkspaceQuota } from '../options.ts';

const maxPathLength = 1024;

/** A folder under `<stateDir>/workspaces/<id>/`: `files/` for the program, `runs/<runId>/` for run records. */
export interface WorkspaceMeta {
  id: string;
  createdAt: string;
  updatedAt: string;
  /** The principal that owns it (`local` for the local user and workspaces made before owners). */
  owner?: string;
}

/** An entry of {@link Workspace.list}. */
export interface WorkspaceEntry {
  path: string;
  type: 'file' | 'directory';
  bytes: number;
}

/** The owner of workspaces the local user makes (and of those made before owners were recorded). */
export const localOwner = 'local';

/** Mode of every folder the runner makes in the state folder. */
export const privateDirMode = 0o700;
/** Mode of every file the runner writes in the state folder. */
export const privateFileMode = 0o600;

/** The folder holding all workspaces. */
export function workspacesDir(stateDir: string): string {
  return path.join(stateDir, 'workspaces');
}

/** A fresh workspace id: sortable by creation time, with 128 bits of randomness (not guessable). */
export function newWorkspaceId(): string {
  return `ws-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(16).toString('hex')}`;
}

/** Creates `dir` (and missing parents) readable by this user only. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: privateDirMode });
}

/** {@link writePrivateFile} without blocking the event loop (the run path of a busy server). */
export async function writePrivateFileAsync(file: string, data: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fsPromises.writeFile(temp, data, { mode: privateFileMode });
  await fsPromises.rename(temp, file);
}

/** {@link makePrivateDir} without blocking the event loop. */
export async function makePrivateDirAsync(dir: string): Promise<void> {
  await fsPromises.mkdir(dir, { recursive: true, mode: privateDirMode });
}

/** Writes `file` whole or not at all (a temporary file renamed over it), mode 0600. */
export function writePrivateFile(file: string, data: string): void {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, data, { mode: privateFileMode });
  renameSync(temp, file);
}

function pathDenied(requested: string, reason: string): MagsagError {
  return new MagsagError(
    'WORKSPACE_PATH_DENIED',
    `Workspace path "${requested.slice(0, 200)}" is refused: ${reason}. Use a relative path inside the workspace, like "out/report.json".`,
    { data: { path: requested.slice(0, 200), reason } },
  );
}

function notFound(id: string): MagsagError {
  // The same answer whether the id does not exist or belongs to someone else.
  return new MagsagError(
    'WORKSPACE_NOT_FOUND',
    `Workspace "${id}" was not found. Leave the workspace out to start a new one, or pass an id from an earlier answer (\`magsag workspace list\` lists the local ones).`,
    { data: { workspace: id } },
  );
}

/** What a workspace's files use: bytes, and entries (files and folders alike). */
export interface WorkspaceUsage {
  bytes: number;
  entries: number;
}

function measure(dir: string): WorkspaceUsage {
  let bytes = 0;
  let entries = 0;
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      entries++;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) bytes += lstatSync(full).size;
    }
  };
  if (existsSync(dir)) walk(dir);
  return { bytes, entries };
}

const lockWaitMs = 10_000;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * One workspace, opened for a run. Paths the program gives are checked before any file is
 * touched: relative only, no `..`, no symbolic link anywhere on the way. Writes and removals take
 * the workspace's lock (a lock folder, so it holds across the sandbox processes and across two
 * `serve` processes sharing the state folder), check the quota against `usage.json` and land whole.
 */
export class Workspace {
  readonly id: string;
  readonly stateDir: string;
  readonly dir: string;
  readonly filesDir: string;
  readonly quota: WorkspaceQuota;
  /** Paths written or removed since the workspace was opened. */
  readonly touched = new Set<string>();

  constructor(stateDir: string, id: string, quota: Partial<WorkspaceQuota> = {}) {
    this.id = assertWorkspaceId(id);
    this.stateDir = stateDir;
    this.dir = path.join(workspacesDir(stateDir), this.id);
    this.filesDir = path.join(this.dir, 'files');
    this.quota = { ...defaultQuota, ...quota };
  }

  /**
   * Opens `id`, or creates it (a fresh id when none is given) when `create` is set. With `owner`,
   * a workspace that belongs to another principal is `WORKSPACE_NOT_FOUND`, exactly like one that
   * does not exist; a created one records `owner` (default `local`).
   */
  static open(stateDir: string, id: string | undefined, options: { create: boolean; quota?: Partial<WorkspaceQuota>; owner?: string }): Workspace {
    const wsId = assertWorkspaceId(id ?? newWorkspaceId());
    const workspace = new Workspace(stateDir, wsId, options.quota);
    const metaFile = path.join(workspace.dir, 'workspace.json');
    const now = new Date().toISOString();
    const meta = readMeta(workspace.dir);
    if (meta) {
      if (options.owner !== undefined && (meta.owner ?? localOwner) !== options.owner) throw notFound(wsId);
      writePrivateFile(metaFile, `${JSON.stringify({ ...meta, updatedAt: now }, null, 2)}\n`);
    } else if (options.create || id === undefined) {
      makePrivateDir(workspace.filesDir);
      makePrivateDir(path.join(workspace.dir, 'runs'));
      writePrivateFile(metaFile, `${JSON.stringify({ id: wsId, createdAt: now, updatedAt: now, owner: options.owner ?? localOwner } satisfies WorkspaceMeta, null, 2)}\n`);
    } else {
      throw notFound(wsId);
    }
    makePrivateDir(workspace.filesDir);
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

  /** Runs `work` holding the workspace lock, with the current usage; `work` returns the new usage. */
  private locked<T>(work: (usage: WorkspaceUsage) => { usage: WorkspaceUsage; value: T }): T {
    const deadline = Date.now() + lockWaitMs;
    let release: (() => void) | undefined;
    for (let wait = 1; !release; wait = Math.min(wait * 2, 50)) {
      try {
        release = lockfile.lockSync(this.dir, { lockfilePath: path.join(this.dir, '.lock'), stale: lockWaitMs, realpath: false });
        chmodSync(path.join(this.dir, '.lock'), privateDirMode);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || Date.now() > deadline) {
          throw new MagsagError('WORKSPACE_QUOTA', `Workspace ${this.id} stayed locked by another run for ${lockWaitMs} ms; try again when it has finished.`, {
            data: { workspace: this.id, limit: 'lock' },
            cause: error,
          });
        }
        Atomics.wait(sleeper, 0, 0, wait);
      }
    }
    try {
      const usageFile = path.join(this.dir, 'usage.json');
      let usage: WorkspaceUsage | undefined;
      try {
        const parsed = JSON.parse(readFileSync(usageFile, 'utf8')) as Partial<WorkspaceUsage>;
        if (typeof parsed.bytes === 'number' && typeof parsed.entries === 'number') usage = { bytes: parsed.bytes, entries: parsed.entries };
      } catch {
        // Missing or torn: measured again below.
      }
      usage ??= measure(this.filesDir);
      const outcome = work(usage);
      writePrivateFile(usageFile, `${JSON.stringify(outcome.usage)}\n`);
      return outcome.value;
    } finally {
      release();
    }
  }

  /** What the workspace's files use now. */
  usage(): WorkspaceUsage {
    return this.locked((usage) => ({ usage, value: { ...usage } }));
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

  /**
   * Writes a text file, creating folders. Every new folder and file counts against `maxFiles`;
   * a write over either quota fails with `WORKSPACE_QUOTA` and changes nothing.
   */
  write(requested: string, data: string): { path: string; bytes: number } {
    const { full, rel } = this.resolve(requested);
    const bytes = Buffer.byteLength(data);
    return this.locked((used) => {
      let previous: number | undefined;
      try {
        const stat = lstatSync(full);
        if (!stat.isFile()) throw pathDenied(requested, 'it is not a regular file');
        previous = stat.size;
      } catch (error) {
        if (error instanceof MagsagError) throw error;
      }
      // Folders this write would create, from the file's parent up to the first that exists.
      const newDirs: string[] = [];
      for (let dir = path.dirname(full); dir.length > this.filesDir.length && !existsSync(dir); dir = path.dirname(dir)) newDirs.push(dir);
      const next = { bytes: used.bytes - (previous ?? 0) + bytes, entries: used.entries + newDirs.length + (previous === undefined ? 1 : 0) };
      if (next.bytes > this.quota.maxBytes) {
        throw new MagsagError(
          'WORKSPACE_QUOTA',
          `Writing ${bytes} bytes to "${rel}" would bring workspace ${this.id} to ${next.bytes} bytes, over its quota of ${this.quota.maxBytes} bytes. Remove files or write less.`,
          { data: { limit: 'maxBytes', value: this.quota.maxBytes, requested: next.bytes, path: rel } },
        );
      }
      if (next.entries > this.quota.maxFiles) {
        throw new MagsagError(
          'WORKSPACE_QUOTA',
          `Writing "${rel}" would make ${next.entries} files and folders in workspace ${this.id}, over its quota of ${this.quota.maxFiles}. Remove files or write fewer.`,
          { data: { limit: 'maxFiles', value: this.quota.maxFiles, requested: next.entries, path: rel } },
        );
      }
      makePrivateDir(path.dirname(full));
      // The folders were checked above; a link planted since would still not be followed for the file.
      this.resolve(requested);
      const temp = path.join(this.dir, `.write-${process.pid}-${randomBytes(4).toString('hex')}`);
      const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, privateFileMode);
      try {
        writeSync(fd, data);
      } catch (error) {
        closeSync(fd);
        rmSync(temp, { force: true });
        throw error;
      }
      closeSync(fd);
      // Whole or nothing: readers see the old content or the new, never a part.
      renameSync(temp, full);
      this.touched.add(rel);
      return { usage: next, value: { path: rel, bytes } };
    });
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
    this.locked((used) => {
      let stat;
      try {
        stat = lstatSync(full);
      } catch {
        return { usage: used, value: undefined };
      }
      let freed: WorkspaceUsage;
      if (stat.isDirectory()) {
        const inside = measure(full);
        freed = { bytes: inside.bytes, entries: inside.entries + 1 };
        rmSync(full, { recursive: true, force: true });
      } else {
        freed = { bytes: stat.isFile() ? stat.size : 0, entries: 1 };
        unlinkSync(full);
      }
      this.touched.add(rel);
      return { usage: { bytes: Math.max(0, used.bytes - freed.bytes), entries: Math.max(0, used.entries - freed.entries) }, value: undefined };
    });
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
  const used = measure(path.join(dir, 'files'));
  return { ...meta, path: dir, runs, bytes: used.bytes, files: used.entries };
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
