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
import {
  checkWorkspacePath,
  defaultWorkspaceQuota,
  fileNotFound,
  localOwner,
  newWorkspaceId,
  pathDenied,
  quotaCheck,
  workspaceNotFound,
  type StoredWorkspaceSummary,
  type WorkspaceEntry,
  type WorkspaceMeta,
  type WorkspaceQuota,
  type WorkspaceStore,
  type WorkspaceUsage,
} from '../workspaces.ts';

/** Mode of every folder MAGSAG makes in the state folder. */
export const privateDirMode = 0o700;
/** Mode of every file MAGSAG writes in the state folder. */
export const privateFileMode = 0o600;


/** The folder holding all workspaces. */
export function workspacesDir(stateDir: string): string {
  return path.join(stateDir, 'workspaces');
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

/** What the files under `dir` use (a walk: for a missing or torn `usage.json`, and listings). */
export function measure(dir: string): WorkspaceUsage {
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
 * One workspace in the state folder, `<stateDir>/workspaces/<id>/`: `workspace.json`, the program's
 * `files/`, `usage.json` and `runs/<runId>/`. Its methods are synchronous: the sandbox's workspace
 * API calls them directly in the local mode. Paths the program gives are checked before any file is
 * touched: {@link checkWorkspacePath}, and no symbolic link anywhere on the way. Writes and removals
 * take the workspace's lock (a lock folder, so it holds across the sandbox processes and across two
 * `serve` processes sharing the state folder), check the quota against `usage.json` and land whole.
 */
export class LocalWorkspace {
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
    this.quota = { ...defaultWorkspaceQuota, ...quota };
  }

  /**
   * Opens `id`, or creates it (a fresh id when none is given) when `create` is set. With `owner`,
   * a workspace that belongs to another principal is `WORKSPACE_NOT_FOUND`, exactly like one that
   * does not exist; a created one records `owner` (default `local`).
   */
  static open(stateDir: string, id: string | undefined, options: { create: boolean; quota?: Partial<WorkspaceQuota>; owner?: string }): LocalWorkspace {
    const wsId = assertWorkspaceId(id ?? newWorkspaceId());
    const workspace = new LocalWorkspace(stateDir, wsId, options.quota);
    const metaFile = path.join(workspace.dir, 'workspace.json');
    const now = new Date().toISOString();
    const meta = readMeta(workspace.dir);
    if (meta) {
      if (options.owner !== undefined && (meta.owner ?? localOwner) !== options.owner) throw workspaceNotFound(wsId);
      writePrivateFile(metaFile, `${JSON.stringify({ ...meta, updatedAt: now }, null, 2)}\n`);
    } else if (options.create || id === undefined) {
      makePrivateDir(workspace.filesDir);
      makePrivateDir(path.join(workspace.dir, 'runs'));
      writePrivateFile(metaFile, `${JSON.stringify({ id: wsId, createdAt: now, updatedAt: now, owner: options.owner ?? localOwner } satisfies WorkspaceMeta, null, 2)}\n`);
    } else {
      throw workspaceNotFound(wsId);
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
    const { parts, rel } = checkWorkspacePath(requested, options);
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
    return { full: path.join(this.filesDir, ...parts), rel };
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
      throw fileNotFound(this.id, rel);
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
      let dir = path.dirname(full);
      for (; dir.length > this.filesDir.length && !existsSync(dir); dir = path.dirname(dir)) newDirs.push(dir);
      // A file where a folder should be: refused as PostgreSQL refuses it (not a failed mkdir).
      if (dir.length > this.filesDir.length && !lstatSync(dir).isDirectory()) throw pathDenied(requested, `"${path.relative(this.filesDir, dir)}" is a file, not a folder`);
      const next = { bytes: used.bytes - (previous ?? 0) + bytes, entries: used.entries + newDirs.length + (previous === undefined ? 1 : 0) };
      quotaCheck(this.id, rel, bytes, next, this.quota);
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

/** `workspace.json` of a workspace folder, or `undefined`. */
export function readMeta(dir: string): WorkspaceMeta | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'workspace.json'), 'utf8')) as WorkspaceMeta;
  } catch {
    return undefined;
  }
}

/** One workspace folder's summary: its record, what its files use (measured), its run folders. */
export function localSummary(dir: string, meta: WorkspaceMeta): StoredWorkspaceSummary {
  const runsDir = path.join(dir, 'runs');
  const runs = existsSync(runsDir) ? readdirSync(runsDir).length : 0;
  const used = measure(path.join(dir, 'files'));
  return { ...meta, bytes: used.bytes, entries: used.entries, runs };
}

/** Every workspace folder with a record, the most recently used first, with its folder. */
export function localWorkspaces(stateDir: string): (StoredWorkspaceSummary & { dir: string })[] {
  const root = workspacesDir(stateDir);
  if (!existsSync(root)) return [];
  const out: (StoredWorkspaceSummary & { dir: string })[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(root, entry.name);
    const meta = readMeta(dir);
    if (meta) out.push({ ...localSummary(dir, meta), dir });
  }
  return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

/**
 * {@link WorkspaceStore} over the state folder: {@link LocalWorkspace}'s files, byte for byte. Its
 * methods do the synchronous file work of `LocalWorkspace` (the sandbox's fast path), so a write
 * waiting for the workspace lock holds the calling thread (at most 10 s).
 */
export class LocalWorkspaces implements WorkspaceStore {
  readonly #stateDir: string;

  constructor(stateDir: string) {
    this.#stateDir = stateDir;
  }

  /** The workspace `id` (which must exist) with `quota`. */
  #existing(id: string, quota?: WorkspaceQuota): LocalWorkspace {
    const workspace = new LocalWorkspace(this.#stateDir, id, quota);
    if (!readMeta(workspace.dir)) throw workspaceNotFound(workspace.id);
    return workspace;
  }

  async open(id: string | undefined, options: { create: boolean; owner?: string }): Promise<WorkspaceMeta> {
    const workspace = LocalWorkspace.open(this.#stateDir, id, options);
    const meta = readMeta(workspace.dir);
    if (!meta) throw workspaceNotFound(workspace.id);
    return meta;
  }

  async list(options: { owner?: string } = {}): Promise<StoredWorkspaceSummary[]> {
    return localWorkspaces(this.#stateDir)
      .filter((w) => options.owner === undefined || (w.owner ?? localOwner) === options.owner)
      .map(({ dir: _dir, ...summary }) => summary);
  }

  async remove(id: string): Promise<void> {
    rmSync(new LocalWorkspace(this.#stateDir, id).dir, { recursive: true, force: true });
  }

  async read(id: string, requested: string): Promise<string> {
    return this.#existing(id).read(requested);
  }

  async write(id: string, requested: string, data: string, quota: WorkspaceQuota): Promise<{ path: string; bytes: number }> {
    return this.#existing(id, quota).write(requested, data);
  }

  async delete(id: string, requested: string): Promise<void> {
    this.#existing(id).remove(requested);
  }

  async entries(id: string, requested: string): Promise<WorkspaceEntry[]> {
    return this.#existing(id).list(requested);
  }

  async exists(id: string, requested: string): Promise<boolean> {
    return this.#existing(id).exists(requested);
  }

  async usage(id: string): Promise<WorkspaceUsage> {
    return this.#existing(id).usage();
  }
}
