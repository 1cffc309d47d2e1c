import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MagsagError } from '@magsag/core';
import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { interpolateEnv } from './interpolate.ts';
import { formatConfigIssues, formatPath, locate, parseYaml, type ParsedYaml } from './yamlErrors.ts';
import { serverConfigSchema, type ServerConfig, type TransportConfig } from './schema.ts';

/** What {@link loadServerConfigs} found: the valid servers, and one error per broken file. */
export interface LoadedServerConfigs {
  /** The folder that was read, absolute. */
  dir: string;
  /** Valid server definitions, sorted by id. */
  servers: ServerConfig[];
  /** One `CONFIG_INVALID` / `CONFIG_ENV_MISSING` error per file that could not be loaded. */
  errors: MagsagError[];
}

/** Options for loading server YAML. */
export interface LoadOptions {
  /** Where `${VAR}` values come from. @default process.env */
  env?: Record<string, string | undefined>;
  /**
   * A folder to keep each file's parsed YAML in, as JSON keyed by a hash of the file's text. Parsing
   * YAML is most of the time it takes to load a folder of server files (their tool snapshots are
   * large), so `McpClient` passes `<cacheDir>/config`. Validation and `${VAR}` expansion still run
   * every time. @default no cache
   */
  parseCacheDir?: string;
}

/** True when JSON keeps `value` exactly (no NaN, Infinity or non-plain values from YAML). */
function jsonSafe(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(jsonSafe);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).every(jsonSafe);
  return false;
}

function parseCacheFile(dir: string, file: string): string {
  return path.join(dir, `${path.basename(file)}.json`);
}

function readParseCache(dir: string | undefined, file: string, hash: string): unknown {
  if (dir === undefined) return undefined;
  try {
    const cached = JSON.parse(readFileSync(parseCacheFile(dir, file), 'utf8')) as { sha256?: string; file?: string; value?: unknown };
    return cached.sha256 === hash && cached.file === file ? cached.value : undefined;
  } catch {
    return undefined;
  }
}

function writeParseCache(dir: string | undefined, file: string, hash: string, value: unknown): void {
  if (dir === undefined || !jsonSafe(value)) return;
  try {
    mkdirSync(dir, { recursive: true });
    const target = parseCacheFile(dir, file);
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ sha256: hash, file, value }));
    renameSync(temp, target);
  } catch {
    // A cache that cannot be written only costs the next load a parse.
  }
}

/**
 * Reads every `*.yaml` / `*.yml` file in `dir` as one server definition. A broken file does not stop
 * the others: it becomes an entry in `errors` naming the file, the line, the field and the fix.
 * Throws `CONFIG_NOT_FOUND` only when `dir` itself does not exist.
 */
export function loadServerConfigs(dir: string, options: LoadOptions = {}): LoadedServerConfigs {
  const absDir = path.resolve(dir);
  let entries: string[];
  try {
    if (!statSync(absDir).isDirectory()) throw new Error('not a directory');
    entries = readdirSync(absDir);
  } catch (cause) {
    throw new MagsagError(
      'CONFIG_NOT_FOUND',
      `Servers folder ${absDir} does not exist or is not a folder. Create it with one <id>.yaml per server, ` +
        'import some with `magsag servers import <mcp.json>`, or point folders.servers in magsag.config.yaml (or --servers-dir, MAGSAG_SERVERS_DIR) at the folder that has them.',
      { cause, data: { dir: absDir } },
    );
  }
  const servers: ServerConfig[] = [];
  const errors: MagsagError[] = [];
  const seen = new Map<string, string>();
  for (const name of entries.filter((entry) => /\.ya?ml$/.test(entry)).sort()) {
    const file = path.join(absDir, name);
    try {
      const server = loadServerConfigFile(file, options);
      const other = seen.get(server.id);
      if (other !== undefined) {
        throw new MagsagError('CONFIG_INVALID', `${file}: id "${server.id}" is already defined by ${other}. Server ids must be unique.`, {
          data: { file, field: 'id' },
        });
      }
      seen.set(server.id, file);
      servers.push(server);
    } catch (error) {
      errors.push(
        error instanceof MagsagError
          ? error
          : new MagsagError('CONFIG_INVALID', `${file}: ${String(error)}`, { cause: error, data: { file } }),
      );
    }
  }
  servers.sort((a, b) => a.id.localeCompare(b.id));
  return { dir: absDir, servers, errors };
}

/** Reads and validates one server YAML file; throws a `MagsagError` naming the file and field. */
export function loadServerConfigFile(file: string, options: LoadOptions = {}): ServerConfig {
  const absFile = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absFile, 'utf8');
  } catch (cause) {
    throw new MagsagError('CONFIG_NOT_FOUND', `Cannot read server config ${absFile}: ${(cause as Error).message}`, {
      cause,
      data: { file: absFile },
    });
  }
  return parseServerConfig(text, absFile, options);
}

/** Validates the text of one server YAML; `file` names it in errors and anchors relative paths. */
export function parseServerConfig(text: string, file: string, options: LoadOptions = {}): ServerConfig {
  // The YAML document (for line numbers in errors) is parsed only when needed: a cache hit skips it.
  let parsed: ParsedYaml | undefined;
  const source = (): ParsedYaml => (parsed ??= parseYaml(text));
  const hash = options.parseCacheDir === undefined ? '' : createHash('sha256').update(text).digest('hex');
  let raw: unknown = readParseCache(options.parseCacheDir, file, hash);
  if (raw === undefined) {
    const { doc, lineCounter } = source();
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      const pos = lineCounter.linePos(first.pos[0]);
      throw new MagsagError(
        'CONFIG_INVALID',
        `${file}:${pos.line}:${pos.col}: YAML syntax error: ${first.message.split('\n')[0]}. Fix the YAML at that line.`,
        { data: { file, line: pos.line, column: pos.col } },
      );
    }
    raw = doc.toJS();
    writeParseCache(options.parseCacheDir, file, hash, raw);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new MagsagError(
      'CONFIG_INVALID',
      `${file}: expected a mapping with at least "id" and "transport" (one server per file), found ${raw === null ? 'an empty file' : Array.isArray(raw) ? 'a list' : typeof raw}.`,
      { data: { file } },
    );
  }
  const enabled = (raw as Record<string, unknown>)['enabled'] !== false;
  const { value: expanded, missing } = interpolateEnv(raw, options.env ?? process.env, new Set(['tools']));
  if (missing.length > 0 && enabled) {
    const { doc, lineCounter } = source();
    const lines = missing.map((m) => {
      const where = locate(doc, lineCounter, m.path);
      return `  ${file}${where}: field "${formatPath(m.path)}" uses \${${m.variable}}, which is not set`;
    });
    throw new MagsagError(
      'CONFIG_ENV_MISSING',
      `${file}: ${missing.length === 1 ? 'an environment variable is' : 'environment variables are'} missing:\n${lines.join('\n')}\n` +
        `Set ${[...new Set(missing.map((m) => m.variable))].join(', ')} in the environment, give a default with \${VAR:-default}, or set "enabled: false".`,
      { data: { file, variables: missing.map((m) => ({ variable: m.variable, field: formatPath(m.path) })) } },
    );
  }
  const result = serverConfigSchema.safeParse(expanded, { reportInput: true });
  if (!result.success) {
    const { doc, lineCounter } = source();
    throw new MagsagError('CONFIG_INVALID', formatIssues(file, doc, lineCounter, result.error.issues), {
      data: {
        file,
        issues: result.error.issues.map((issue) => ({ field: formatPath(issue.path), message: issue.message })),
      },
    });
  }
  const expectedId = path.basename(file).replace(/\.ya?ml$/, '');
  if (result.data.id !== expectedId) {
    const { doc, lineCounter } = source();
    throw new MagsagError(
      'CONFIG_INVALID',
      `${file}${locate(doc, lineCounter, ['id'])}: field "id" is "${result.data.id}" but the file is named ${path.basename(file)}. ` +
        `Rename the file to ${result.data.id}.yaml or set id: ${expectedId}.`,
      { data: { file, field: 'id' } },
    );
  }
  const baseDir = path.dirname(file);
  return {
    ...result.data,
    transport: resolveTransportPaths(result.data.transport, baseDir),
    fallback: result.data.fallback.map((t) => resolveTransportPaths(t, baseDir)),
    file,
  };
}

const isRelativePath = (value: string): boolean => value.startsWith('./') || value.startsWith('../');

/** Makes `cwd`, and args and env values written as `./x` or `../x`, absolute against `baseDir`. */
function resolveTransportPaths(transport: TransportConfig, baseDir: string): TransportConfig {
  if (transport.type !== 'stdio') return transport;
  const resolveArg = (value: string): string => (isRelativePath(value) ? path.resolve(baseDir, value) : value);
  return {
    ...transport,
    args: transport.args.map(resolveArg),
    env: Object.fromEntries(Object.entries(transport.env).map(([key, value]) => [key, resolveArg(value)])),
    ...(transport.cwd === undefined ? {} : { cwd: path.resolve(baseDir, transport.cwd) }),
  };
}

function formatIssues(file: string, doc: Document, lineCounter: LineCounter, issues: readonly z.core.$ZodIssue[]): string {
  return formatConfigIssues(file, doc, lineCounter, issues, { what: 'server config', keysDoc: 'SSOT.md' });
}
