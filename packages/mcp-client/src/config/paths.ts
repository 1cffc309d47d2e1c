import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { MagsagError, version, type RunLimits } from '@magsag/core';
import { buildProjectConfigSchema, defaultFolders, projectConfigFileName, type ProjectConfig, type ProjectConfigSchema } from './project.ts';
import { formatConfigIssues, parseYaml } from './yamlErrors.ts';
import type * as Zod from 'zod';

const require = createRequire(import.meta.url);
let schema: ProjectConfigSchema | undefined;

/** The schema of `magsag.config.yaml` (zod loads on the first call). */
export function projectConfigSchema(): ProjectConfigSchema {
  schema ??= buildProjectConfigSchema((require('zod') as typeof Zod).z);
  return schema;
}

/** Where a MAGSAG project keeps things, resolved to absolute paths. */
export interface ProjectPaths {
  /** The project root: the folder of `magsag.config.yaml`, else the working directory. */
  root: string;
  /** The `magsag.config.yaml` in use, absolute; undefined when the project has none (defaults apply). */
  configFile: string | undefined;
  /** The server YAML folder. */
  serversDir: string;
  /** The generated modules folder (imported as `./servers/<server>/<tool>`). */
  modulesDir: string;
  /** The skills folder. */
  skillsDir: string;
  /** State: caches, workspaces, the PII vault, run records. */
  stateDir: string;
  /** Default limits of every run, from the config. */
  limits: Partial<RunLimits>;
  /** The config's approval defaults (`<server>/<tool>` globs per policy) and the approval timeout. */
  approvals: ProjectApprovals;
  /** The PostgreSQL store: `--store`, else MAGSAG_STORE_URL, else the config's `store.url`; undefined for the state folder. */
  storeUrl?: string | undefined;
}

/** The `approvals:` of magsag.config.yaml. */
export interface ProjectApprovals {
  allow?: string[] | undefined;
  approve?: string[] | undefined;
  block?: string[] | undefined;
  /** @default 120000 */
  approvalTimeoutMs?: number | undefined;
}

/** The servers folder of a project without a config, relative to its root. */
export const defaultServersDir = defaultFolders.servers;

/** Options for {@link resolveProjectPaths}; the explicit ones are flags, which win over everything. */
export interface ResolveProjectOptions {
  /** Where relative flags and environment values are resolved, and the walk up starts. @default process.cwd() */
  cwd?: string;
  /** `--project`: the project folder, or its `magsag.config.yaml`. Else `MAGSAG_PROJECT`, else the walk up. */
  project?: string;
  /** `--servers-dir`. Else `MAGSAG_SERVERS_DIR`, else `folders.servers`. */
  serversDir?: string;
  /** `--state-dir`. Else `MAGSAG_STATE_DIR`, else `folders.state`. */
  stateDir?: string;
  /** `--store`: a PostgreSQL URL. Else `MAGSAG_STORE_URL`, else the config's `store.url`. */
  store?: string;
  /** @default process.env */
  env?: Record<string, string | undefined>;
}

/** The folder at or above `start` that holds a `magsag.config.yaml`. */
export function findProjectRoot(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, projectConfigFileName))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Where a validated config is remembered, keyed by a hash of its text and this version of MAGSAG:
 * parsing YAML and loading zod would otherwise add ~80 ms to every command. `$XDG_CACHE_HOME/magsag`
 * (else `~/.cache/magsag`), private to the user; a cache that cannot be used only costs a parse.
 */
function configCacheFile(file: string): string {
  const base = process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');
  return path.join(base, 'magsag', 'project-config', `${createHash('sha256').update(file).digest('hex').slice(0, 32)}.json`);
}

function readConfigCache(file: string, key: string): ProjectConfig | undefined {
  try {
    const cached = JSON.parse(readFileSync(configCacheFile(file), 'utf8')) as { key?: string; value?: ProjectConfig };
    return cached.key === key ? cached.value : undefined;
  } catch {
    return undefined;
  }
}

function writeConfigCache(file: string, key: string, value: ProjectConfig): void {
  try {
    const target = configCacheFile(file);
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ key, file, value }), { mode: 0o600 });
    renameSync(temp, target);
  } catch {
    // Read-only home, full disk: the next command parses again.
  }
}

/** Reads and validates a `magsag.config.yaml`; an error names the file, the line and the field. */
export function loadProjectConfig(file: string): ProjectConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new MagsagError('CONFIG_NOT_FOUND', `Cannot read ${file}: ${(cause as Error).message}`, { cause, data: { file } });
  }
  const key = createHash('sha256').update(`${version}\0${text}`).digest('hex');
  const cached = readConfigCache(file, key);
  if (cached !== undefined) return cached;
  const { doc, lineCounter } = parseYaml(text);
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = lineCounter.linePos(first.pos[0]);
    throw new MagsagError('CONFIG_INVALID', `${file}:${pos.line}:${pos.col}: YAML syntax error: ${first.message.split('\n')[0]}. Fix the YAML at that line.`, {
      data: { file, line: pos.line, column: pos.col },
    });
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new MagsagError('CONFIG_INVALID', `${file}: expected a mapping of settings (version, folders, limits), found ${Array.isArray(raw) ? 'a list' : typeof raw}.`, { data: { file } });
  }
  const result = projectConfigSchema().safeParse(raw, { reportInput: true });
  if (!result.success) {
    throw new MagsagError('CONFIG_INVALID', formatConfigIssues(file, doc, lineCounter, result.error.issues, { what: 'project config', keysDoc: 'docs/reference/config.md' }), {
      data: { file, issues: result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })) },
    });
  }
  writeConfigCache(file, key, result.data);
  return result.data;
}

/**
 * Resolves the project and its folders. The project is `--project`, else `MAGSAG_PROJECT`, else the
 * nearest folder at or above `cwd` with a `magsag.config.yaml`, else `cwd` itself (all defaults).
 * Each folder: the flag, else its environment variable (`MAGSAG_SERVERS_DIR`, `MAGSAG_STATE_DIR`),
 * else the config's `folders`, else the default. Flags and environment values are relative to `cwd`;
 * config values to the project root.
 */
export function resolveProjectPaths(options: ResolveProjectOptions = {}): ProjectPaths {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const explicit = options.project ?? (env['MAGSAG_PROJECT'] || undefined);
  let root: string;
  let configFile: string | undefined;
  if (explicit !== undefined) {
    const target = path.resolve(cwd, explicit);
    const isFile = existsSync(target) && statSync(target).isFile();
    root = isFile ? path.dirname(target) : target;
    if (!existsSync(root)) {
      throw new MagsagError('CONFIG_NOT_FOUND', `Project folder ${root} does not exist. Pass an existing folder to --project (or MAGSAG_PROJECT), or create it with \`magsag init ${explicit}\`.`, {
        data: { project: root },
      });
    }
    const candidate = isFile ? target : path.join(root, projectConfigFileName);
    configFile = existsSync(candidate) ? candidate : undefined;
  } else {
    const found = findProjectRoot(cwd);
    root = found ?? cwd;
    configFile = found === undefined ? undefined : path.join(found, projectConfigFileName);
  }
  const config: ProjectConfig = configFile === undefined ? defaultConfig() : loadProjectConfig(configFile);
  const pick = (flag: string | undefined, variable: string, configured: string): string => {
    const given = flag ?? (env[variable] || undefined);
    return given === undefined ? path.resolve(root, configured) : path.resolve(cwd, given);
  };
  return {
    root,
    configFile,
    serversDir: pick(options.serversDir, 'MAGSAG_SERVERS_DIR', config.folders.servers),
    modulesDir: path.resolve(root, config.folders.modules),
    skillsDir: path.resolve(root, config.folders.skills),
    stateDir: pick(options.stateDir, 'MAGSAG_STATE_DIR', config.folders.state),
    limits: Object.fromEntries(Object.entries(config.limits).filter(([, v]) => v !== undefined)) as Partial<RunLimits>,
    approvals: config.approvals ?? {},
    storeUrl: (options.store ?? (env['MAGSAG_STORE_URL'] || undefined) ?? config.store?.url) || undefined,
  };
}

/** The config of a project without a file: every default, without loading zod. */
function defaultConfig(): ProjectConfig {
  return { version: 1, folders: { ...defaultFolders }, limits: {}, approvals: {} };
}
