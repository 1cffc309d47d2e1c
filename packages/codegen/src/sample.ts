import { readFileSync, writeFileSync } from 'node:fs';
import { silentLogger, toMagsagError, type Logger } from '@magsag/core';
import type { McpClient } from '@magsag/mcp-client';
import { loadServerConfigs, resolveProjectPaths } from '@magsag/mcp-client/config';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Diagnostic } from './diagnostics.ts';
import { inferSchema, mergeInferredSchemas } from './infer.ts';
import { readRecordedShapes } from './shapes.ts';
import { compareCodeUnits } from './naming.ts';

/** Options for {@link sampleOutputSchemas}. */
export interface SampleOptions {
  /**
   * A new client for one server's sample calls, closed after them. It must tokenize personal data on
   * its call path (the CLI gives a client with its own PII layer): schemas are inferred from what it
   * returns. A fresh one per server keeps each server's results, and so its schemas, independent of
   * what other servers returned before (a value the vault learnt elsewhere is tokenized wherever it
   * appears, keys included).
   */
  connect: (server: string) => Promise<McpClient>;
  /** Folder of server YAML files. @default MAGSAG_SERVERS_DIR, else the project's `folders.servers` */
  serversDir?: string;
  /** Environment for `${VAR}` in server YAML. @default process.env */
  env?: Record<string, string | undefined>;
  /**
   * A state folder whose recorded shapes (`--record-shapes`, `<stateDir>/shapes/`) are merged into
   * each tool's inferred schema, sampled or not. @default none
   */
  stateDir?: string;
  /** Server ids to sample. @default every enabled server with a `sample:` on a tool */
  servers?: string[];
  logger?: Logger;
  /** Called as each server is done. */
  onServer?: (server: SampledServer) => void;
}

/** One server's sampled tools. */
export interface SampledServer {
  id: string;
  /** The server YAML, absolute. */
  file: string;
  /** Tools whose inferred schema was computed: sampled (every argument set of its `sample:`) or recorded. */
  tools: string[];
  /** True when the YAML was rewritten (an inferred schema changed). */
  changed: boolean;
}

/** What {@link sampleOutputSchemas} did. */
export interface SampleResult {
  ok: boolean;
  servers: SampledServer[];
  diagnostics: Diagnostic[];
}

/** Writes `schemas` (tool name → schema) into the `tools:` entries of a server YAML text, comments kept. */
export function writeInferredSchemas(text: string, schemas: ReadonlyMap<string, Record<string, unknown>>): string {
  const doc = parseDocument(text);
  const tools = isMap(doc.contents) ? doc.contents.get('tools', true) : undefined;
  if (!isSeq(tools)) throw new Error('the YAML document has no tools: list');
  for (const item of tools.items) {
    if (!isMap(item)) continue;
    const name = item.get('name', true);
    const schema = isScalar(name) && typeof name.value === 'string' ? schemas.get(name.value) : undefined;
    if (schema !== undefined) item.set('inferredOutputSchema', doc.createNode(schema));
  }
  return doc.toString({ lineWidth: 0 });
}

/**
 * `magsag codegen --sample`: calls only the tools that have a `sample:` in their server's YAML, with
 * the arguments given there, through a client from `connect` (whose PII middleware tokenizes the results), infers one
 * JSON Schema per tool from the parsed results, merges the shapes recorded in `stateDir` (sampled
 * tools or not), and writes it as the tool's `inferredOutputSchema`.
 * Tools that declare an `outputSchema` are not called. A failed call becomes an error diagnostic and
 * leaves that tool's stored schema as it was.
 */
export async function sampleOutputSchemas(options: SampleOptions): Promise<SampleResult> {
  const logger = (options.logger ?? silentLogger).child({ component: 'codegen' });
  const { toolResultData } = await import('@magsag/mcp-client');
  const diagnostics: Diagnostic[] = [];
  const servers: SampledServer[] = [];
  const env = options.env ?? process.env;
  const serversDir = resolveProjectPaths({ env, ...(options.serversDir === undefined ? {} : { serversDir: options.serversDir }) }).serversDir;
  const loaded = loadServerConfigs(serversDir, { env });
  for (const error of loaded.errors) {
    const file = error.data?.['file'];
    diagnostics.push({ level: 'error', code: error.code, ...(typeof file === 'string' ? { file } : {}), message: error.message });
  }
  const configs = new Map(loaded.servers.map((s) => [s.id, s]));
  const recorded = options.stateDir === undefined ? new Map<string, Map<string, Record<string, unknown>>>() : readRecordedShapes(options.stateDir);
  const wanted = options.servers?.length ? [...new Set(options.servers)] : undefined;
  const candidates =
    wanted ?? loaded.servers.filter((s) => s.enabled && s.tools?.some((t) => t.sample !== undefined || recorded.get(s.id)?.has(t.name))).map((s) => s.id);
  for (const id of candidates.sort(compareCodeUnits)) {
    const config = configs.get(id);
    if (config === undefined) {
      diagnostics.push({ level: 'error', code: 'SERVER_NOT_FOUND', server: id, message: `No server "${id}" is configured in ${serversDir}.` });
      continue;
    }
    let client: McpClient | undefined;
    try {
      const schemas = new Map<string, Record<string, unknown>>();
      for (const tool of config.tools ?? []) {
        const shape = recorded.get(id)?.get(tool.name);
        if (tool.sample === undefined && shape === undefined) continue;
        const at = { file: config.file, server: id, tool: tool.name };
        if (tool.outputSchema !== undefined) {
          if (tool.sample !== undefined) {
            diagnostics.push({ level: 'warning', ...at, message: `tool "${tool.name}" declares an outputSchema, so its sample in ${config.file} is not called; remove the sample.` });
          }
          continue;
        }
        if (tool.sample === undefined) {
          // Only recorded shapes: merged with what the YAML already has.
          schemas.set(tool.name, mergeInferredSchemas([...(tool.inferredOutputSchema ? [tool.inferredOutputSchema] : []), shape!]));
          continue;
        }
        const argumentSets = Array.isArray(tool.sample) ? tool.sample : [tool.sample];
        try {
          client ??= await options.connect(id);
          const results: unknown[] = [];
          // One call at a time, in the written order: a server sees what a careful user would send.
          for (const args of argumentSets) results.push(toolResultData(await client.callTool(id, tool.name, args)));
          const sampled = inferSchema(results);
          schemas.set(tool.name, shape === undefined ? sampled : mergeInferredSchemas([sampled, shape]));
          logger.debug({ server: id, tool: tool.name, calls: argumentSets.length }, 'sampled');
        } catch (error) {
          const e = toMagsagError(error);
          diagnostics.push({ level: 'error', code: e.code, ...at, message: `sampling ${id}/${tool.name} failed, its inferredOutputSchema is left as it was: ${e.message}` });
        }
      }
      const text = readFileSync(config.file, 'utf8');
      const next = schemas.size === 0 ? text : writeInferredSchemas(text, schemas);
      if (next !== text) writeFileSync(config.file, next);
      const done = { id, file: config.file, tools: [...schemas.keys()].sort(compareCodeUnits), changed: next !== text };
      servers.push(done);
      options.onServer?.(done);
    } catch (error) {
      const e = toMagsagError(error);
      diagnostics.push({ level: 'error', code: e.code, server: id, file: config.file, message: e.message });
    } finally {
      await client?.close();
    }
  }
  return { ok: !diagnostics.some((d) => d.level === 'error'), servers, diagnostics };
}
