import { closeInputSchema, type ToolSnapshot } from '@magsag/mcp-client/config';
import type { compile } from 'json-schema-to-typescript';

type JsonObject = Record<string, unknown>;

/** The compile function of json-schema-to-typescript, loaded lazily (it pulls in prettier). */
export type CompileSchema = typeof compile;

/** The name of the wrapper type holding a tool's input and output; dropped from the module. */
export const rootTypeName = 'CodegenToolTypes';

const isObject = (value: unknown): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value);

const combinators = ['anyOf', 'oneOf', 'allOf', '$ref', 'enum', 'const', 'not', 'if'] as const;

const schemaMaps = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const schemaLists = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
const schemaValues = new Set([
  'items', 'additionalItems', 'additionalProperties', 'unevaluatedItems', 'unevaluatedProperties',
  'not', 'if', 'then', 'else', 'contains', 'propertyNames',
]);

/**
 * Rewrites one schema so json-schema-to-typescript reads it as MCP servers mean it:
 * OpenAPI's `nullable: true` becomes a `null` alternative, and local `$ref`s (`#/$defs/X`,
 * `#/definitions/X`, `#`) are re-rooted at `pointer`, where the schema sits in the wrapper schema.
 * Only schema positions are walked: a property named `nullable` or `$ref` stays a property.
 */
function normalize(node: unknown, pointer: string): unknown {
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#')) out[key] = pointer + value.slice(1);
    else if (key === 'nullable' && typeof value === 'boolean') continue;
    else if (schemaMaps.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, normalize(child, pointer)]));
    } else if ((schemaLists.has(key) || key === 'items') && Array.isArray(value)) out[key] = value.map((child) => normalize(child, pointer));
    else if (schemaValues.has(key)) out[key] = normalize(value, pointer);
    else out[key] = value;
  }
  if (node['nullable'] !== true) return out;
  if (typeof out['type'] === 'string') return { ...out, type: [out['type'], 'null'] };
  if (Array.isArray(out['type'])) return out['type'].includes('null') ? out : { ...out, type: [...out['type'], 'null'] };
  return { anyOf: [out, { type: 'null' }] };
}

/** True when a schema describes an object (or says nothing, which MCP reads as an object). */
export function isObjectSchema(schema: JsonObject): boolean {
  if (schema['type'] === 'object') return true;
  if (schema['type'] !== undefined) return false;
  return !combinators.some((key) => key in schema);
}

/** True when calling the tool with no argument at all is valid: an object schema, nothing required. */
export function acceptsEmptyInput(schema: JsonObject): boolean {
  const required = schema['required'];
  return isObjectSchema(schema) && !combinators.some((key) => key in schema) && (!Array.isArray(required) || required.length === 0);
}

/**
 * json-schema-to-typescript refuses a schema with both `definitions` (draft 7) and `$defs` (2019+),
 * which generated schemas do mix: the root's `definitions` move into `$defs`, and refs follow.
 */
function mergeDefinitions(schema: JsonObject): JsonObject {
  const definitions = schema['definitions'];
  const defs = schema['$defs'];
  if (!isObject(definitions) || !isObject(defs)) return schema;
  const moved = JSON.stringify({ ...schema, definitions: undefined, $defs: { ...definitions, ...defs } }, (key, value: unknown) =>
    key === '$ref' && typeof value === 'string' && value.startsWith('#/definitions/') ? `#/$defs/${value.slice('#/definitions/'.length)}` : value,
  );
  return JSON.parse(moved) as JsonObject;
}

function prepareRoot(schema: JsonObject, title: string, pointer: string): JsonObject {
  const normalized = normalize(mergeDefinitions(schema), pointer) as JsonObject;
  delete normalized['$id'];
  delete normalized['$schema'];
  // An untyped root (`{}`, or properties without `type`) is an object in MCP.
  if (isObjectSchema(normalized)) normalized['type'] = 'object';
  return { ...normalized, title };
}

/**
 * Where a tool's result type comes from: the server's `outputSchema` (declared), the YAML's
 * `inferredOutputSchema` (inferred by `magsag codegen --sample`), or nowhere (unknown).
 */
export type OutputKind = 'declared' | 'inferred' | 'unknown';

/** Type names a tool's module declares for its input and output, and where the output type comes from. */
export interface ToolTypeNames {
  input: string;
  output: string;
  outputKind: OutputKind;
}

/**
 * An inferred result schema as the types read it: every object that lists its properties is closed
 * (a misspelt field is a type error). The stored schema stays open, so a result with a field no
 * sample had is not reported as a mismatch at run time.
 */
function closeInferred(node: unknown): unknown {
  if (!isObject(node)) return node;
  const out: JsonObject = { ...node };
  if (isObject(node['properties'])) {
    out['properties'] = Object.fromEntries(Object.entries(node['properties']).map(([name, child]) => [name, closeInferred(child)]));
    if (!('additionalProperties' in node)) out['additionalProperties'] = false;
  }
  if (isObject(node['additionalProperties'])) out['additionalProperties'] = closeInferred(node['additionalProperties']);
  if (node['items'] !== undefined) out['items'] = closeInferred(node['items']);
  if (Array.isArray(node['anyOf'])) out['anyOf'] = node['anyOf'].map(closeInferred);
  return out;
}

/**
 * Compiles a tool's input and output schemas in one json-schema-to-typescript run, as properties of
 * one wrapper schema, so named sub-types (`title`s, `$defs`) get unique names across both. Returns
 * TypeScript declarations (unformatted); the wrapper type {@link rootTypeName} is among them.
 */
export async function compileToolTypes(compile: CompileSchema, tool: ToolSnapshot, names: ToolTypeNames): Promise<string> {
  // Inputs are closed (a misspelt argument is a type error); outputs stay as the server wrote them.
  const properties: JsonObject = { input: prepareRoot(closeInputSchema(tool.inputSchema), names.input, '#/properties/input') };
  if (names.outputKind === 'declared' && tool.outputSchema !== undefined) {
    properties['output'] = prepareRoot(tool.outputSchema, names.output, '#/properties/output');
  } else if (names.outputKind === 'inferred' && tool.inferredOutputSchema !== undefined) {
    properties['output'] = prepareRoot(closeInferred(tool.inferredOutputSchema) as JsonObject, names.output, '#/properties/output');
  }
  const wrapper = { type: 'object', additionalProperties: false, required: Object.keys(properties), properties };
  return compile(wrapper as Parameters<CompileSchema>[0], rootTypeName, {
    bannerComment: '',
    format: false,
    additionalProperties: true,
    unknownAny: true,
    strictIndexSignatures: false,
    declareExternallyReferenced: true,
    // Tool schemas are self-contained: never fetch a remote or on-disk `$ref`.
    $refOptions: { resolve: { external: false } },
  });
}
