import { createRequire } from 'node:module';
import { nearest } from '@magsag/core';
import type * as AjvModule from 'ajv';
import type { Ajv, ValidateFunction } from 'ajv';
import type * as Ajv2020Module from 'ajv/dist/2020.js';
import type { Ajv2020 } from 'ajv/dist/2020.js';

// ajv (CommonJS) loads with the first validation, through require so that stays synchronous:
// commands that never call a tool do not pay for it.
const require = createRequire(import.meta.url);
const addFormats = (ajv: Ajv | Ajv2020): void => (require('ajv-formats') as (ajv: Ajv | Ajv2020) => void)(ajv);

const options = { allErrors: true, strict: false, validateFormats: true, verbose: true } as const;
let draft07: Ajv | undefined;
let draft2020: Ajv2020 | undefined;

function ajvFor(schema: Record<string, unknown>): Ajv | Ajv2020 {
  if (typeof schema['$schema'] === 'string' && schema['$schema'].includes('2020-12')) {
    if (!draft2020) {
      draft2020 = new (require('ajv/dist/2020.js') as typeof Ajv2020Module).Ajv2020(options);
      addFormats(draft2020);
    }
    return draft2020;
  }
  if (!draft07) {
    draft07 = new (require('ajv') as typeof AjvModule).Ajv(options);
    addFormats(draft07);
  }
  return draft07;
}

const compiled = new WeakMap<object, ValidateFunction | null>();

/**
 * Validates `value` against a tool's JSON Schema. Returns a list of problems (`/path: message`),
 * empty when valid. A schema that ajv cannot compile is not enforced (the server still validates).
 */
export function validateAgainstSchema(schema: Record<string, unknown>, value: unknown): string[] {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    try {
      const { $schema: _ignored, ...rest } = schema;
      validate = ajvFor(schema).compile(rest);
    } catch {
      validate = null;
    }
    compiled.set(schema, validate);
  }
  if (validate === null || validate(value)) return [];
  return (validate.errors ?? []).map((error) => {
    const where = error.instancePath || '(arguments)';
    const extra =
      error.keyword === 'additionalProperties'
        ? unknownKey(String((error.params as { additionalProperty?: unknown }).additionalProperty), Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {}))
        : error.keyword === 'enum'
          ? ` ${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)}`
          : '';
    return `${where}: ${error.message ?? 'is invalid'}${extra}`;
  });
}

/** ` "haed" (did you mean "head"? known: path, tail, head)`: the unknown key, the nearest known one, and all of them. */
function unknownKey(key: string, known: string[]): string {
  const near = nearest(key, known);
  return ` "${key}" (${near === undefined ? 'it takes no named arguments' : `did you mean "${near}"? known: ${known.join(', ')}`})`;
}
