import { MagsagError } from '@magsag/core';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Yaml from 'yaml';
import { serverConfigSchema, serverIdSchema } from './schema.ts';

// yaml loads when a file is converted, not whenever the client package is imported.
const require = createRequire(import.meta.url);

/** One server definition produced by {@link importMcpServers}. */
export interface ImportedServer {
  /** The server's id (sanitized from its key in `mcpServers`). */
  id: string;
  /** The key it had in the imported document. */
  sourceName: string;
  /** The YAML text to write to `<serversDir>/<id>.yaml`. */
  yaml: string;
  /** Environment variables the YAML now references instead of holding their secret values. */
  variables: string[];
}

/** Options for {@link importMcpServers}. */
export interface ImportOptions {
  /** Where the document came from, for error messages. @default "mcpServers document" */
  source?: string;
  /**
   * Keep secret-looking env values and headers as literal text instead of `${VAR}` references.
   * Server YAML is usually committed, so the default keeps secrets out of it.
   * @default false
   */
  keepSecrets?: boolean;
  /** New ids by entry name (or by the id the name would get): `{ memory: 'my-memory' }`. */
  rename?: Record<string, string>;
  /** Put before every id that `rename` does not set: `work-` turns `memory` into `work-memory`. */
  prefix?: string;
  /** What `${workspaceFolder}` (VS Code, Cursor) stands for. @default left as written */
  workspaceFolder?: string;
}

/**
 * The folder an MCP config file belongs to, which its `${workspaceFolder}` names: the one above
 * `.vscode/` and `.cursor/` (where editors keep `mcp.json`), else the file's own folder.
 */
export function mcpConfigFolder(file: string): string {
  const dir = path.dirname(path.resolve(file));
  return ['.vscode', '.cursor'].includes(path.basename(dir)) ? path.dirname(dir) : dir;
}

const secretKey = /token|secret|password|passwd|api[-_]?key|auth|credential|private/i;

const toId = (name: string): string =>
  name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '') || 'server';

const toVariable = (...parts: string[]): string =>
  parts
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');

/**
 * Turns a Claude Desktop `claude_desktop_config.json` / `.mcp.json` document (`{ "mcpServers": {...} }`)
 * into server YAML files. Each produced definition is validated against the server schema; a bad
 * entry is reported by its name and does not stop the others.
 */
export function importMcpServers(document: unknown, options: ImportOptions = {}): { servers: ImportedServer[]; errors: MagsagError[] } {
  const source = options.source ?? 'mcpServers document';
  const root = document as { mcpServers?: unknown; servers?: unknown } | null;
  // Claude Desktop, Claude Code and Cursor keep servers under "mcpServers"; VS Code's mcp.json under "servers".
  const key = root !== null && typeof root === 'object' && root.mcpServers === undefined && root.servers !== undefined ? 'servers' : 'mcpServers';
  const entries = root !== null && typeof root === 'object' ? root[key] : undefined;
  if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) {
    throw new MagsagError(
      'CONFIG_INVALID',
      `${source}: expected an object with a "mcpServers" object (claude_desktop_config.json, .mcp.json, Cursor's mcp.json) or a "servers" object (VS Code's mcp.json).`,
      { data: { file: source, field: key } },
    );
  }
  const servers: ImportedServer[] = [];
  const errors: MagsagError[] = [];
  const used = new Set<string>();
  const rename = options.rename ?? {};
  const names = Object.keys(entries as Record<string, unknown>);
  const unknown = Object.keys(rename).filter((key) => !names.some((name) => name === key || toId(name) === key));
  if (unknown.length > 0) {
    throw new MagsagError('USAGE', `--rename names ${unknown.map((k) => `"${k}"`).join(', ')}, which ${unknown.length === 1 ? 'is' : 'are'} not in ${source}. Entries: ${names.join(', ')}.`, {
      data: { file: source, unknown },
    });
  }
  for (const [name, value] of Object.entries(entries as Record<string, unknown>)) {
    try {
      const chosen = rename[name] ?? rename[toId(name)];
      const base = chosen ?? `${options.prefix ?? ''}${toId(name)}`;
      if (!serverIdSchema.safeParse(base).success) {
        throw new MagsagError('USAGE', `${source}: ${key}.${name}: the id "${base}" is not a server id (lowercase letters, digits, "-" and "_", starting with a letter or digit).`, {
          data: { file: source, field: `${key}.${name}`, id: base },
        });
      }
      let id = base;
      for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
      const { definition, variables } = convertEntry(id, `${key}.${name}`, value, source, options.keepSecrets ?? false, options.workspaceFolder);
      const checked = serverConfigSchema.safeParse(definition);
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        throw new MagsagError(
          'CONFIG_INVALID',
          `${source}: ${key}.${name}: ${issue.path.join('.') || 'entry'}: ${issue.message}`,
          { data: { file: source, field: `${key}.${name}` } },
        );
      }
      used.add(id);
      const header = `# Imported from ${source} (${key}.${name}) by magsag.\n`;
      servers.push({ id, sourceName: name, yaml: header + (require('yaml') as typeof Yaml).stringify(definition, { lineWidth: 0 }), variables });
    } catch (error) {
      errors.push(error instanceof MagsagError ? error : new MagsagError('CONFIG_INVALID', `${source}: ${key}.${name}: ${String(error)}`));
    }
  }
  return { servers, errors };
}

function convertEntry(
  id: string,
  field: string,
  value: unknown,
  source: string,
  keepSecrets: boolean,
  workspaceFolder: string | undefined,
): { definition: Record<string, unknown>; variables: string[] } {
  const name = field.slice(field.indexOf('.') + 1);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MagsagError('CONFIG_INVALID', `${source}: ${field}: expected an object with "command" or "url".`);
  }
  const entry = value as Record<string, unknown>;
  const variables: string[] = [];
  const protect = (key: string, literal: string, variable: string): string => {
    if (keepSecrets || !secretKey.test(key) || literal.includes('${')) return literal;
    variables.push(variable);
    return `\${${variable}}`;
  };
  // Editor variables become ours: ${env:X} (VS Code, Cursor) is ${X}; ${input:x} (VS Code prompts for
  // it) is read from the environment as ${X}; ${workspaceFolder} is the folder the config belongs to.
  const translate = (text: string): string =>
    text
      .replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, v: string) => `\${${v}}`)
      .replace(/\$\{input:([^}]+)\}/g, (_m, v: string) => {
        const variable = toVariable(v);
        if (!variables.includes(variable)) variables.push(variable);
        return `\${${variable}}`;
      })
      .replace(/\$\{workspaceFolder\}/g, (m) => workspaceFolder ?? m);
  if (entry['envFile'] !== undefined) {
    throw new MagsagError('CONFIG_INVALID', `${source}: ${field}.envFile: an env file is not read on import; put its variables under "env" (or in the environment as \${VAR}).`, {
      data: { file: source, field: `${field}.envFile` },
    });
  }
  const stringRecord = (key: string): Record<string, string> => {
    const raw = entry[key];
    if (raw === undefined) return {};
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new MagsagError('CONFIG_INVALID', `${source}: ${field}.${key}: expected an object of strings.`);
    }
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, translate(String(v))]));
  };
  const type = typeof entry['type'] === 'string' ? entry['type'] : undefined;
  let transport: Record<string, unknown>;
  if (typeof entry['url'] === 'string' && type !== 'stdio') {
    const headers = Object.fromEntries(
      Object.entries(stringRecord('headers')).map(([key, v]) => [key, protect(key, v, toVariable(id, key))]),
    );
    transport = { type: type === 'sse' ? 'sse' : 'http', url: translate(entry['url']), ...(Object.keys(headers).length ? { headers } : {}) };
  } else if (typeof entry['command'] === 'string') {
    const env = Object.fromEntries(Object.entries(stringRecord('env')).map(([key, v]) => [key, protect(key, v, key)]));
    const args = Array.isArray(entry['args']) ? entry['args'].map((a) => translate(String(a))) : [];
    transport = {
      type: 'stdio',
      command: translate(entry['command']),
      ...(args.length ? { args } : {}),
      ...(Object.keys(env).length ? { env } : {}),
      ...(typeof entry['cwd'] === 'string' ? { cwd: translate(entry['cwd']) } : {}),
    };
  } else {
    throw new MagsagError('CONFIG_INVALID', `${source}: ${field}: has neither "command" (stdio) nor "url" (http/sse).`);
  }
  const enabled = entry['disabled'] === true ? false : undefined;
  return {
    definition: {
      id,
      description: typeof entry['description'] === 'string' ? entry['description'] : `Imported MCP server "${name}".`,
      ...(enabled === false ? { enabled } : {}),
      transport,
    },
    variables,
  };
}
