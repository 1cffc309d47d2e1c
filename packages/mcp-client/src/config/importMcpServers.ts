import { MagsagError } from '@magsag/core';
import { createRequire } from 'node:module';
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
  const root = document as { mcpServers?: unknown } | null;
  const entries = root !== null && typeof root === 'object' ? root.mcpServers : undefined;
  if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) {
    throw new MagsagError('CONFIG_INVALID', `${source}: expected an object with a "mcpServers" object (as in claude_desktop_config.json or .mcp.json).`, {
      data: { file: source, field: 'mcpServers' },
    });
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
        throw new MagsagError('USAGE', `${source}: mcpServers.${name}: the id "${base}" is not a server id (lowercase letters, digits, "-" and "_", starting with a letter or digit).`, {
          data: { file: source, field: `mcpServers.${name}`, id: base },
        });
      }
      let id = base;
      for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
      const { definition, variables } = convertEntry(id, name, value, source, options.keepSecrets ?? false);
      const checked = serverConfigSchema.safeParse(definition);
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        throw new MagsagError(
          'CONFIG_INVALID',
          `${source}: mcpServers.${name}: ${issue.path.join('.') || 'entry'}: ${issue.message}`,
          { data: { file: source, field: `mcpServers.${name}` } },
        );
      }
      used.add(id);
      const header = `# Imported from ${source} (mcpServers.${name}) by magsag servers import.\n`;
      servers.push({ id, sourceName: name, yaml: header + (require('yaml') as typeof Yaml).stringify(definition, { lineWidth: 0 }), variables });
    } catch (error) {
      errors.push(error instanceof MagsagError ? error : new MagsagError('CONFIG_INVALID', `${source}: mcpServers.${name}: ${String(error)}`));
    }
  }
  return { servers, errors };
}

function convertEntry(
  id: string,
  name: string,
  value: unknown,
  source: string,
  keepSecrets: boolean,
): { definition: Record<string, unknown>; variables: string[] } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MagsagError('CONFIG_INVALID', `${source}: mcpServers.${name}: expected an object with "command" or "url".`);
  }
  const entry = value as Record<string, unknown>;
  const variables: string[] = [];
  const protect = (key: string, literal: string, variable: string): string => {
    if (keepSecrets || !secretKey.test(key) || literal.includes('${')) return literal;
    variables.push(variable);
    return `\${${variable}}`;
  };
  const stringRecord = (field: string): Record<string, string> => {
    const raw = entry[field];
    if (raw === undefined) return {};
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new MagsagError('CONFIG_INVALID', `${source}: mcpServers.${name}.${field}: expected an object of strings.`);
    }
    return Object.fromEntries(Object.entries(raw).map(([key, v]) => [key, String(v)]));
  };
  const type = typeof entry['type'] === 'string' ? entry['type'] : undefined;
  let transport: Record<string, unknown>;
  if (typeof entry['url'] === 'string' && type !== 'stdio') {
    const headers = Object.fromEntries(
      Object.entries(stringRecord('headers')).map(([key, v]) => [key, protect(key, v, toVariable(id, key))]),
    );
    transport = { type: type === 'sse' ? 'sse' : 'http', url: entry['url'], ...(Object.keys(headers).length ? { headers } : {}) };
  } else if (typeof entry['command'] === 'string') {
    const env = Object.fromEntries(Object.entries(stringRecord('env')).map(([key, v]) => [key, protect(key, v, key)]));
    const args = Array.isArray(entry['args']) ? entry['args'].map(String) : [];
    transport = {
      type: 'stdio',
      command: entry['command'],
      ...(args.length ? { args } : {}),
      ...(Object.keys(env).length ? { env } : {}),
      ...(typeof entry['cwd'] === 'string' ? { cwd: entry['cwd'] } : {}),
    };
  } else {
    throw new MagsagError('CONFIG_INVALID', `${source}: mcpServers.${name}: has neither "command" (stdio) nor "url" (http/sse).`);
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
