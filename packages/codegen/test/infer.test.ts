import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inferSchema, mergeInferredSchemas, readRecordedShapes, recordShape } from '../src/index.ts';

const stored = (schema: unknown): string => JSON.stringify(schema);

describe('inferSchema', () => {
  it('merges samples: a field missing from one is optional, integer and number are one type', () => {
    expect(inferSchema([{ id: 'a', n: 1, tags: ['x'] }, { id: 'b', n: 2.5 }])).toEqual({
      properties: { id: { type: 'string' }, n: { type: 'number' }, tags: { items: { type: 'string' }, type: 'array' } },
      required: ['id', 'n'],
      type: 'object',
    });
    expect(inferSchema(['plain text'])).toEqual({ type: 'string' });
    expect(inferSchema([[1, 2], []])).toEqual({ items: { type: 'number' }, type: 'array' });
    expect(inferSchema([{ a: null }, { a: 'x' }])).toEqual({ properties: { a: { type: ['null', 'string'] } }, required: ['a'], type: 'object' });
  });

  it('stores no value: no enum, const, examples or default, and no string from the data anywhere', () => {
    const samples = [{ status: 'open', owner: 'Jane Roe', email: '[EMAIL_1]', count: 3, ok: true }];
    const text = stored(inferSchema(samples));
    for (const value of ['open', 'Jane Roe', '[EMAIL_1]', 'enum', 'const', 'examples', 'default']) expect(text).not.toContain(value);
  });

  it('collapses map-like objects to additionalProperties, so no key that is data is stored', () => {
    // Keys that are not field names: placeholders, emails, names with spaces, numbers, UUIDs.
    const byPerson = { '[EMAIL_1]': { visits: 1 }, 'jane@example.com': { visits: 2 }, 'Jane Roe': { visits: 3 } };
    const byNumber = { '1001': 'x', '1002': 'y' };
    const byUuid = { '5bd4fb57-8eae-4f1e-81dd-f44eb4abc2a7': { title: 't' } };
    // Field-like keys, but several of one object shape: records keyed by id.
    const byId = { acme: { name: 'A', city: 'B' }, globex: { name: 'C' } };
    // Many keys of one shape: counts per login.
    const perLogin = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`user${i}`, i]));
    const schema = inferSchema([{ byPerson, byNumber, byUuid, byId, perLogin, plain: { a: 1, b: 'x' } }]);
    const text = stored(schema);
    for (const key of ['[EMAIL_1]', 'jane@example.com', 'Jane Roe', '1001', '5bd4fb57', 'acme', 'globex', 'user0']) expect(text).not.toContain(key);
    const properties = (schema as { properties: Record<string, unknown> }).properties;
    expect(properties['byPerson']).toEqual({ additionalProperties: { properties: { visits: { type: 'number' } }, required: ['visits'], type: 'object' }, type: 'object' });
    expect(properties['byNumber']).toEqual({ additionalProperties: { type: 'string' }, type: 'object' });
    expect(properties['byId']).toEqual({
      additionalProperties: { properties: { city: { type: 'string' }, name: { type: 'string' } }, required: ['name'], type: 'object' },
      type: 'object',
    });
    expect(properties['perLogin']).toEqual({ additionalProperties: { type: 'number' }, type: 'object' });
    // An ordinary record keeps its fields.
    expect(properties['plain']).toEqual({ properties: { a: { type: 'number' }, b: { type: 'string' } }, required: ['a', 'b'], type: 'object' });
  });

  it('is deterministic: the same samples in any key order give the same text', () => {
    const a = inferSchema([{ z: 1, a: { y: 'x', b: [1] } }, { a: { b: [], y: 'q' }, z: 2 }]);
    const b = inferSchema([{ a: { b: [1], y: 'x' }, z: 1 }, { z: 2, a: { y: 'q', b: [] } }]);
    expect(stored(a)).toBe(stored(b));
    expect(Object.keys(a)).toEqual([...Object.keys(a)].sort());
  });
});

describe('objects whose keys depend on the call', () => {
  const bands = [{ band_id: 1, level: 'L3', min_salary: 90000, max_salary: 120000 }, { band_id: 2, level: 'L4', min_salary: 110000, max_salary: null }];
  const templates = [{ template_id: 'offer-std', title: 'Standard offer', body: 'Dear [NAME_1]' }];
  const rows = { items: { additionalProperties: { type: ['null', 'number', 'string'] }, type: 'object' }, type: 'array' };

  it('become maps when two samples put objects at one place that share fewer than half their keys (rows of two SQL queries)', () => {
    expect(inferSchema([bands, templates])).toEqual(rows);
    // Nested the same way under a field.
    expect(inferSchema([{ rows: bands, count: 2 }, { rows: templates, count: 1 }])).toEqual({
      properties: { count: { type: 'number' }, rows },
      required: ['count', 'rows'],
      type: 'object',
    });
  });

  it('stay typed when the samples share most of their keys, and within one sample', () => {
    expect(inferSchema([bands])).toEqual({
      items: {
        properties: { band_id: { type: 'number' }, level: { type: 'string' }, max_salary: { type: ['null', 'number'] }, min_salary: { type: 'number' } },
        required: ['band_id', 'level', 'max_salary', 'min_salary'],
        type: 'object',
      },
      type: 'array',
    });
    const typed = inferSchema([{ id: 'a', name: 'x', extra: 1 }, { id: 'b', name: 'y' }]);
    expect(typed).toMatchObject({ properties: { extra: { type: 'number' } }, required: ['id', 'name'] });
  });

  it('become maps when stored schemas disagree the same way, so recorded shapes and samples follow one rule', () => {
    const merged = mergeInferredSchemas([inferSchema([bands]), inferSchema([templates])]);
    expect(merged).toEqual(rows);
    // A map already stored stays a map when a new shape with named columns arrives.
    expect(mergeInferredSchemas([merged, inferSchema([[{ a: 1, b: 2 }]])])).toEqual({
      items: { additionalProperties: { type: ['null', 'number', 'string'] }, type: 'object' },
      type: 'array',
    });
  });
});

describe('mergeInferredSchemas and recorded shapes', () => {
  it('merges stored schemas like samples: optional fields, joined types, maps stay maps', () => {
    const a = inferSchema([{ x: 1, m: { '[EMAIL_1]': { n: 1 } } }]);
    const b = inferSchema([{ x: 'a', y: true, m: {} }]);
    expect(mergeInferredSchemas([a, b])).toEqual({
      properties: {
        m: { additionalProperties: { properties: { n: { type: 'number' } }, required: ['n'], type: 'object' }, type: 'object' },
        x: { type: ['number', 'string'] },
        y: { type: 'boolean' },
      },
      required: ['m', 'x'],
      type: 'object',
    });
    // A schema merged with itself is itself.
    expect(mergeInferredSchemas([a])).toEqual(a);
  });

  it('recordShape keeps one merged shape per tool in the state folder, with no value in it', () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-shapes-'));
    try {
      expect(recordShape(stateDir, 'crm', 'get_record', { Name: '[NAME_1]', Email: '[EMAIL_1]', n: 1 })).toBe(true);
      expect(recordShape(stateDir, 'crm', 'get_record', { Name: '[NAME_2]', Email: '[EMAIL_2]', n: 2 })).toBe(false);
      expect(recordShape(stateDir, 'crm', 'get_record', { Name: '[NAME_3]', n: 3 })).toBe(true);
      const shapes = readRecordedShapes(stateDir);
      expect(shapes.get('crm')?.get('get_record')).toEqual({
        properties: { Email: { type: 'string' }, Name: { type: 'string' }, n: { type: 'number' } },
        required: ['Name', 'n'],
        type: 'object',
      });
      expect(readFileSync(path.join(stateDir, 'shapes', 'crm', 'get_record.json'), 'utf8')).not.toMatch(/NAME_|EMAIL_/);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
