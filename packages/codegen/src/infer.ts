import { createRequire } from 'node:module';
import type * as GensonModule from 'genson-js';
import type { Schema } from 'genson-js';

type JsonObject = Record<string, unknown>;

// genson-js is CommonJS; required lazily so `generate` and `--check` never load it.
const require = createRequire(import.meta.url);
let genson: typeof GensonModule | undefined;
const gensonModule = (): typeof GensonModule => (genson ??= require('genson-js') as typeof GensonModule);

/** A key that names a field (`id`, `created_at`, `Content-Type`); anything else makes its object a map. */
const fieldName = /^[A-Za-z_$][\w$.-]{0,63}$/;

/** An object with this many keys whose values all have one shape is a map, even with field-like keys. */
const manySameKeys = 8;

const isObject = (value: unknown): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value);

const typesOf = (schema: Schema): string[] => (schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type]);

/**
 * True when an object's properties look like data rather than fields: a key that is not a field name
 * (an email, a name with a space, a PII placeholder, a number, a UUID), or many keys of one shape
 * (ids as keys), or several keys whose values are all objects sharing most of their fields.
 */
function isMapLike(properties: Record<string, Schema>): boolean {
  const keys = Object.keys(properties);
  if (keys.some((key) => !fieldName.test(key))) return true;
  const values = Object.values(properties);
  if (values.length < 2) return false;
  const { areSchemasEqual } = gensonModule();
  const first = values[0]!;
  if (values.length >= manySameKeys && values.every((value) => areSchemasEqual(value, first, { ignoreRequired: true }))) return true;
  if (!values.every((value) => typesOf(value).length === 1 && typesOf(value)[0] === 'object' && value.properties)) return false;
  const union = new Set(values.flatMap((value) => Object.keys(value.properties ?? {})));
  return union.size > 0 && values.every((value) => Object.keys(value.properties ?? {}).length * 2 >= union.size);
}

/**
 * Where objects sit in a value, as paths (`$` the value, `.key` a property, `[]` an array's items),
 * with the keys seen at each. Linear in the size of the value.
 */
function keysByPath(value: unknown, path: string, out: Map<string, Set<string>>): void {
  if (Array.isArray(value)) {
    for (const item of value) keysByPath(item, `${path}[]`, out);
    return;
  }
  if (!isObject(value)) return;
  let keys = out.get(path);
  if (!keys) out.set(path, (keys = new Set()));
  for (const key of Object.keys(value)) {
    keys.add(key);
    keysByPath(value[key], `${path}.${key}`, out);
  }
}

/**
 * Paths where the keys depend on the call: two sources (samples of different calls, or stored
 * schemas) put objects there that share fewer than half the keys of the smaller one. A query tool's
 * rows are the example: each SQL statement has its own columns, so the rows are maps from column
 * to value, not a type with the columns of whichever query was sampled.
 */
function callDependentPaths(sources: readonly (readonly unknown[])[]): Set<string> {
  const seen = new Map<string, Set<string>[]>();
  for (const values of sources) {
    const keys = new Map<string, Set<string>>();
    for (const value of values) keysByPath(value, '$', keys);
    for (const [path, set] of keys) {
      if (set.size === 0) continue;
      const list = seen.get(path);
      if (list) list.push(set);
      else seen.set(path, [set]);
    }
  }
  const out = new Set<string>();
  for (const [path, sets] of seen) {
    for (let i = 1; i < sets.length && !out.has(path); i++) {
      for (let j = 0; j < i; j++) {
        const [a, b] = [sets[i]!, sets[j]!];
        let shared = 0;
        for (const key of a) if (b.has(key)) shared++;
        if (shared * 2 < Math.min(a.size, b.size)) {
          out.add(path);
          break;
        }
      }
    }
  }
  return out;
}

/** genson's schema in the form MAGSAG stores: maps collapsed, `integer` read as `number`, nothing from the data. */
function finish(schema: Schema, path: string, mapPaths: ReadonlySet<string>): JsonObject {
  if (schema.anyOf) {
    const options = schema.anyOf.map((option) => finish(option, path, mapPaths));
    return options.length === 1 ? options[0]! : { anyOf: options };
  }
  const out: JsonObject = {};
  const types = [...new Set(typesOf(schema).map((type) => (type === 'integer' ? 'number' : type)))].sort();
  if (types.length === 1) out['type'] = types[0];
  else if (types.length > 1) out['type'] = types;
  if (schema.properties) {
    if (mapPaths.has(path) || isMapLike(schema.properties)) {
      out['additionalProperties'] = finish(gensonModule().mergeSchemas(Object.values(schema.properties)), `${path}.*`, mapPaths);
    } else {
      out['properties'] = Object.fromEntries(Object.entries(schema.properties).map(([key, value]) => [key, finish(value, `${path}.${key}`, mapPaths)]));
      if (schema.required?.length) out['required'] = [...schema.required].sort();
    }
  }
  if (schema.items) out['items'] = finish(schema.items, `${path}[]`, mapPaths);
  return out;
}

/** A copy with every object's keys sorted (arrays keep their order): the stored form is stable. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

/** {@link inferSchema} over values grouped by where they came from (one call, one stored schema). */
function inferFromSources(sources: readonly (readonly unknown[])[]): JsonObject {
  const values = sources.flat();
  if (values.length === 0) return {};
  const schema = gensonModule().createCompoundSchema([...values]);
  return sortKeys(finish(schema, '$', callDependentPaths(sources))) as JsonObject;
}

/**
 * Infers one JSON Schema from sample results (each already PII-tokenized, one per call) with
 * genson-js, then collapses to `additionalProperties` (`Record<string, T>`) the objects that are
 * maps: map-like by their keys, or with keys that depend on the call (two samples put objects at one
 * place that share fewer than half their keys, as a SQL tool's rows do). So no key that is data is
 * stored, and never a value: no `enum`, `const`, `examples` or `default`. The output is
 * deterministic: keys sorted, `required` sorted, `integer` folded into `number`.
 */
export function inferSchema(samples: readonly unknown[]): JsonObject {
  return inferFromSources(samples.map((sample) => [sample]));
}

/**
 * Values whose inferred schema is `schema` again: one with every property, one with only the
 * required ones, one per `anyOf` branch and type, and a map as one entry under a key that is not a
 * field name (so it collapses again). Merging stored schemas goes through them: genson-js merges
 * values, and this keeps one merge rule for samples, recorded shapes and stored schemas.
 */
function examplesOf(schema: unknown): unknown[] {
  if (!isObject(schema)) return [null];
  if (Array.isArray(schema['anyOf'])) return schema['anyOf'].flatMap(examplesOf);
  const types = schema['type'] === undefined ? ['object'] : Array.isArray(schema['type']) ? (schema['type'] as string[]) : [schema['type'] as string];
  const out: unknown[] = [];
  for (const type of types) {
    if (type === 'string') out.push('');
    else if (type === 'number' || type === 'integer') out.push(0.5);
    else if (type === 'boolean') out.push(false);
    else if (type === 'null') out.push(null);
    else if (type === 'array') out.push(schema['items'] === undefined ? [] : examplesOf(schema['items']));
    else if (type === 'object') {
      if (isObject(schema['additionalProperties'])) {
        out.push(...examplesOf(schema['additionalProperties']).map((value) => ({ '#': value })));
        continue;
      }
      const properties = isObject(schema['properties']) ? schema['properties'] : {};
      const required = new Set(Array.isArray(schema['required']) ? (schema['required'] as string[]) : []);
      const each = Object.entries(properties).map(([key, child]) => [key, examplesOf(child)] as const);
      const variants = Math.max(1, ...each.map(([, values]) => values.length));
      for (let i = 0; i < variants; i++) out.push(Object.fromEntries(each.map(([key, values]) => [key, values[i % values.length]])));
      out.push(Object.fromEntries(each.filter(([key]) => required.has(key)).map(([key, values]) => [key, values[0]])));
    }
  }
  return out;
}

/**
 * One schema that accepts what each of `schemas` accepts (each as {@link inferSchema} writes them):
 * a field missing from one is optional, types are joined, maps stay maps, and objects whose keys differ
 * from one schema to the other (fewer than half shared) become maps. Deterministic.
 */
export function mergeInferredSchemas(schemas: readonly Record<string, unknown>[]): JsonObject {
  return inferFromSources(schemas.map(examplesOf));
}
