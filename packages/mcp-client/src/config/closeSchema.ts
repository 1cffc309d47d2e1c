// Most MCP servers leave `additionalProperties` out of their input schemas, which JSON Schema reads
// as "any other key is fine": a misspelt optional argument (`haed` for `head`) is then silently
// ignored. MAGSAG reads a missing `additionalProperties` on an input object that lists its
// `properties` as `false`, both in the generated types and when a call is checked.

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value);

const schemaMaps = new Set(['properties', '$defs', 'definitions', 'dependentSchemas']);
const schemaLists = new Set(['anyOf', 'oneOf', 'prefixItems']);
const schemaValues = new Set(['items', 'additionalItems', 'not', 'if', 'then', 'else', 'contains']);

/**
 * A copy of an input schema in which every object schema that lists `properties` and says nothing
 * about other keys (no `additionalProperties`, `patternProperties` or `unevaluatedProperties`)
 * refuses other keys. Objects without `properties` stay open (a free-form `data: { type: 'object' }`),
 * and nothing under `allOf` is closed (each part would refuse the others' keys). One pass over the
 * schema; a property named like a keyword is left alone.
 */
export function closeInputSchema<T>(schema: T): T {
  return close(schema, false) as T;
}

function close(node: unknown, insideAllOf: boolean): unknown {
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (schemaMaps.has(key) && isObject(value)) out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, close(child, false)]));
    else if (key === 'allOf' && Array.isArray(value)) out[key] = value.map((child) => close(child, true));
    else if (schemaLists.has(key) && Array.isArray(value)) out[key] = value.map((child) => close(child, insideAllOf));
    else if ((schemaValues.has(key) || key === 'items') && (isObject(value) || Array.isArray(value))) {
      out[key] = Array.isArray(value) ? value.map((child) => close(child, false)) : close(value, false);
    } else out[key] = value;
  }
  const open = 'additionalProperties' in node || 'patternProperties' in node || 'unevaluatedProperties' in node || 'allOf' in node;
  if (!insideAllOf && !open && isObject(node['properties']) && Object.keys(node['properties']).length > 0) out['additionalProperties'] = false;
  return out;
}
