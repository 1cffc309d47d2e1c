import { closeInputSchema, validateAgainstSchema } from '@magsag/mcp-client';
import { describe, expect, it } from 'vitest';

describe('closeInputSchema', () => {
  const schema = {
    type: 'object',
    properties: {
      path: { type: 'string' },
      options: { type: 'object', properties: { head: { type: 'number' } } },
      data: { type: 'object' },
      additionalProperties: { type: 'string' },
      items: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } } } },
      either: { anyOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'string' }] },
      merged: { allOf: [{ type: 'object', properties: { x: { type: 'number' } } }, { type: 'object', properties: { y: { type: 'number' } } }] },
      open: { type: 'object', properties: { k: { type: 'string' } }, additionalProperties: true },
    },
    required: ['path'],
  };
  const closed = closeInputSchema(schema);

  it('refuses unknown keys wherever an object lists its properties, and leaves the rest as written', () => {
    expect(validateAgainstSchema(closed, { path: 'a', haed: 2 })).toEqual(['(arguments): must NOT have additional properties "haed" (did you mean "data"? known: path, options, data, additionalProperties, items, either, merged, open)']);
    expect(validateAgainstSchema(closed, { path: 'a', options: { haed: 1 } })[0]).toContain('/options: must NOT have additional properties "haed" (did you mean "head"? known: head)');
    expect(validateAgainstSchema(closed, { path: 'a', items: [{ id: 'x', extra: 1 }] })[0]).toContain('/items/0: must NOT have additional properties "extra"');
    expect(validateAgainstSchema(closed, { path: 'a', either: { a: 'x', b: 1 } }).length).toBeGreaterThan(0);
    // Free-form objects, allOf parts, an explicit `additionalProperties: true` and a property named like a keyword stay open.
    expect(validateAgainstSchema(closed, { path: 'a', data: { anything: 1 }, merged: { x: 1, y: 2 }, open: { k: 'v', more: 1 }, additionalProperties: 'a property' })).toEqual([]);
    expect(closed.properties.additionalProperties).toEqual({ type: 'string' });
    // The original is not changed.
    expect(schema).not.toHaveProperty('additionalProperties');
  });
});
