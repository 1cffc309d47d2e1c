import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

/** The repository root. */
export const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** A throwaway project: `magsag.config.yaml`, `<root>/tools/adk/servers/*.yaml` and `<root>/servers/`, like the repo's layout. */
export interface TempProject {
  root: string;
  serversDir: string;
  outDir: string;
  /** Writes `<id>.yaml` with a stdio transport and `tools` as its snapshot. */
  writeServer(id: string, tools: unknown[] | undefined, extra?: Record<string, unknown>): string;
  read(relative: string): string;
  cleanup(): void;
}

export function tempProject(options: { copyDemoServers?: boolean } = {}): TempProject {
  const root = mkdtempSync(path.join(tmpdir(), 'magsag-codegen-test-'));
  const serversDir = path.join(root, 'tools', 'adk', 'servers');
  const outDir = path.join(root, 'servers');
  mkdirSync(serversDir, { recursive: true });
  writeFileSync(path.join(root, 'magsag.config.yaml'), 'version: 1\nfolders:\n  servers: tools/adk/servers\n');
  if (options.copyDemoServers) cpSync(path.join(repoRoot, 'tools', 'adk', 'servers'), serversDir, { recursive: true });
  return {
    root,
    serversDir,
    outDir,
    writeServer(id, tools, extra = {}) {
      const file = path.join(serversDir, `${id}.yaml`);
      const doc = { id, description: `Test server ${id}.`, transport: { type: 'stdio', command: 'node' }, ...extra, ...(tools ? { tools } : {}) };
      writeFileSync(file, stringify(doc, { lineWidth: 0 }));
      return file;
    },
    read: (relative) => readFileSync(path.join(root, relative), 'utf8'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** One tool snapshot per JSON Schema construct the generator must handle. */
export const constructTools = [
  {
    name: 'refs',
    description: 'Local $ref into $defs and definitions, including a recursive one.',
    inputSchema: {
      type: 'object',
      properties: { root: { $ref: '#/$defs/Node' }, legacy: { $ref: '#/definitions/Legacy' } },
      required: ['root'],
      additionalProperties: false,
      $defs: { Node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/Node' } } }, required: ['name'], additionalProperties: false } },
      definitions: { Legacy: { type: 'string', enum: ['a', 'b'] } },
    },
  },
  {
    name: 'combinators',
    description: 'oneOf, anyOf and allOf.',
    inputSchema: {
      type: 'object',
      properties: {
        target: { oneOf: [{ type: 'object', properties: { id: { type: 'number' } }, required: ['id'], additionalProperties: false }, { type: 'object', properties: { slug: { type: 'string' } }, required: ['slug'], additionalProperties: false }] },
        value: { anyOf: [{ type: 'string' }, { type: 'number' }] },
        both: { allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { type: 'object', properties: { b: { type: 'boolean' } }, required: ['b'] }] },
      },
      required: ['target'],
      additionalProperties: false,
    },
  },
  {
    name: 'enums',
    description: 'String, number and const enums.',
    inputSchema: {
      type: 'object',
      properties: { order: { type: 'string', enum: ['asc', 'desc'] }, level: { enum: [1, 2, 3] }, kind: { const: 'fixed' } },
      required: ['order'],
      additionalProperties: false,
    },
  },
  {
    name: 'additional',
    description: 'additionalProperties false, true, absent and as a schema.',
    inputSchema: {
      type: 'object',
      properties: {
        closed: { type: 'object', properties: { x: { type: 'string' } }, additionalProperties: false },
        open: { type: 'object', properties: { x: { type: 'string' } }, additionalProperties: true },
        counts: { type: 'object', additionalProperties: { type: 'integer' } },
      },
    },
  },
  {
    name: 'nullable',
    description: 'type arrays with null, and OpenAPI nullable: true.',
    inputSchema: {
      type: 'object',
      properties: { a: { type: ['string', 'null'] }, b: { type: 'integer', nullable: true }, nullable: { type: 'boolean' } },
      required: ['a', 'b', 'nullable'],
      additionalProperties: false,
    },
  },
  {
    name: 'arrays',
    description: 'Arrays of objects and of arrays.',
    inputSchema: {
      type: 'object',
      properties: {
        rows: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } }, required: ['id'], additionalProperties: false } },
        matrix: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
      },
      required: ['rows'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: { rows: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false } } },
      required: ['rows'],
      additionalProperties: false,
    },
  },
  { name: 'empty', description: 'An empty input schema {}.', inputSchema: {} },
  { name: 'missing', description: 'No inputSchema at all.' },
  {
    name: 'titled',
    description: 'Titled sub-schemas named the same in input and output.',
    inputSchema: { type: 'object', properties: { entity: { title: 'Entity', type: 'object', properties: { id: { type: 'string' } }, additionalProperties: false } }, additionalProperties: false },
    outputSchema: { type: 'object', properties: { entity: { title: 'Entity', type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false } }, additionalProperties: false },
  },
  {
    name: 'output_ref',
    description: 'An outputSchema whose root is an object with $defs; comment closer */ in text.',
    inputSchema: { type: 'object', properties: { q: { type: 'string', description: 'Query, not a */ comment end' } }, required: ['q'] },
    outputSchema: { type: 'object', properties: { item: { $ref: '#/$defs/Item' } }, $defs: { Item: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } } },
    annotations: { readOnlyHint: true, idempotentHint: true },
  },
  {
    name: 'inferred',
    description: 'No outputSchema: its result type comes from inferredOutputSchema, as --sample writes it.',
    inputSchema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
    sample: [{ q: 'a' }, { q: 'b' }],
    inferredOutputSchema: {
      properties: {
        byId: { additionalProperties: { type: 'number' }, type: 'object' },
        items: { items: { properties: { id: { type: 'string' }, tags: { items: { type: 'string' }, type: 'array' } }, required: ['id'], type: 'object' }, type: 'array' },
      },
      required: ['byId', 'items'],
      type: 'object',
    },
  },
] as const;
