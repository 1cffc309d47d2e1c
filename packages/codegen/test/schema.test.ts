import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, type GenerateResult } from '../src/index.ts';
import { constructTools, tempProject, type TempProject } from './helpers.ts';
import { typecheck } from './typecheck.ts';

let project: TempProject;
let result: GenerateResult;
const module = (name: string): string => project.read(`servers/constructs/${name}.ts`);

beforeAll(async () => {
  project = tempProject();
  writeFileSync(path.join(project.root, 'package.json'), '{ "type": "module" }\n');
  project.writeServer('constructs', [...constructTools]);
  result = await generate({ serversDir: project.serversDir, outDir: project.outDir });
});
afterAll(() => project.cleanup());

describe('JSON Schema constructs', () => {
  it('generates every tool without errors', () => {
    expect(result.diagnostics).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(readdirSync(path.join(project.outDir, 'constructs')).sort()).toEqual([
      'README.md', 'additional.ts', 'arrays.ts', 'combinators.ts', 'empty.ts', 'enums.ts', 'index.ts', 'inferred.ts', 'missing.ts', 'nullable.ts', 'outputRef.ts', 'refs.ts', 'titled.ts',
    ]);
  });

  it('$ref into $defs and definitions, recursive refs', () => {
    const text = module('refs');
    expect(text).toContain('root: Node;');
    expect(text).toContain('children?: Node[];');
    expect(text).toMatch(/legacy\?: (Legacy|\("a" \| "b"\));/);
  });

  it('oneOf, anyOf, allOf', () => {
    const text = module('combinators');
    expect(text).toMatch(/target: \(\{\s+id: number;\s+\} \| \{\s+slug: string;\s+\}\);/);
    expect(text).toContain('value?: (string | number);');
    expect(text).toMatch(/both\?: \(\{[^}]*a: string;[^}]*\} & \{[^}]*b: boolean;[^}]*\}\);/);
  });

  it('enums and const', () => {
    const text = module('enums');
    expect(text).toContain('order: ("asc" | "desc");');
    expect(text).toContain('level?: (1 | 2 | 3);');
    expect(text).toContain('kind?: "fixed";');
  });

  it('additionalProperties false, true and as a schema', () => {
    const text = module('additional');
    expect(text).toMatch(/closed\?: \{\s+x\?: string;\s+\};/);
    expect(text).toMatch(/open\?: \{\s+x\?: string;\s+\[k: string\]: unknown;\s+\};/);
    expect(text).toMatch(/counts\?: \{\s+\[k: string\]: number;\s+\};/);
  });

  it('nullable as a type array and as OpenAPI nullable: true, without eating a property named nullable', () => {
    const text = module('nullable');
    expect(text).toContain('a: (string | null);');
    expect(text).toContain('b: (number | null);');
    expect(text).toContain('nullable: boolean;');
  });

  it('arrays of objects, and an output type returned from structuredContent', () => {
    const text = module('arrays');
    expect(text).toMatch(/rows: \{\s+id: string;\s+tags\?: string\[\];\s+\}\[\];/);
    expect(text).toContain('matrix?: number[][];');
    expect(text).toContain('export async function arrays(input: ArraysInput): Promise<ArraysOutput> {');
    expect(text).toContain("return (await callMCPToolData('constructs', 'arrays', { ...input })) as ArraysOutput;");
    expect(text).toContain('the type is declared by the server (its outputSchema)');
  });

  it('types a result without outputSchema from inferredOutputSchema, closed, and says it is inferred', () => {
    const text = module('inferred');
    expect(text).toContain('export async function inferred(input: InferredInput): Promise<InferredOutput> {');
    expect(text).toMatch(/byId: \{\s+\[k: string\]: number;\s+\};/);
    expect(text).toMatch(/items: \{\s+id: string;\s+tags\?: string\[\];\s+\}\[\];/);
    expect(text).toContain('InferredOutput is inferred from sample results (inferredOutputSchema in tools/adk/servers/constructs.yaml)');
    expect(text).toContain("return (await callMCPToolData('constructs', 'inferred', { ...input })) as InferredOutput;");
  });

  it('empty and missing input schemas: an open object, and the argument may be left out', () => {
    for (const [name, type] of [['empty', 'EmptyInput'], ['missing', 'MissingInput']] as const) {
      const text = module(name);
      expect(text).toMatch(new RegExp(`export interface ${type} \\{\\s+\\[k: string\\]: unknown;\\s+\\}`));
      expect(text).toContain(`(input: ${type} = {}): Promise<${type.replace('Input', 'Output')}>`);
      expect(text).toContain(`export type ${type.replace('Input', 'Output')} = unknown;`);
      expect(text).toContain('Its type is unknown: the server declares no outputSchema');
      expect(text).toContain("import { callMCPToolData } from '@magsag/mcp-client';");
    }
  });

  it('gives same-titled sub-schemas of input and output distinct names', () => {
    const text = module('titled');
    expect(text).toContain('export interface Entity {');
    expect(text).toContain('export interface Entity1 {');
  });

  it('keeps descriptions as JSDoc without letting */ end the comment', () => {
    const text = module('outputRef');
    expect(text).toContain('Query, not a * / comment end');
    expect(text).toContain('comment closer *\\/ in text.');
    expect(text).toContain('MCP tool `output_ref` of server `constructs` (read-only, idempotent).');
    expect(text).toContain('item?: Item;');
  });

  it('has exactly one import, from @magsag/mcp-client, in every tool module', () => {
    for (const tool of constructTools) {
      const name = result.files.find((f) => f.path.endsWith('.ts') && !f.path.endsWith('index.ts') && project.read(f.path).includes(`'${tool.name}'`))!.path;
      const imports = project.read(name).match(/^import .*$/gm) ?? [];
      expect(imports).toHaveLength(1);
      expect(imports[0]).toBe("import { callMCPToolData } from '@magsag/mcp-client';");
    }
  });

  it('type-checks under the strict tsconfig, and the types reject wrong input', () => {
    const usage = path.join(project.root, 'usage.ts');
    writeFileSync(
      usage,
      [
        "import { arrays, combinators, empty, inferred, nullable, refs, type ArraysOutput } from './servers/constructs/index.ts';",
        "const out: ArraysOutput = await arrays({ rows: [{ id: 'x', tags: ['a'] }] });",
        'export const first: string | undefined = out.rows[0]?.id;',
        "await refs({ root: { name: 'n', children: [{ name: 'c' }] } });",
        "await combinators({ target: { slug: 's' }, value: 1 });",
        'await empty();',
        "await nullable({ a: null, b: null, nullable: true });",
        '// @ts-expect-error rows is required',
        'await arrays({});',
        '// @ts-expect-error closed object: unknown property',
        "await nullable({ a: 'x', b: 1, nullable: false, extra: 1 });",
        '// @ts-expect-error a number is not a string',
        "await refs({ root: { name: 1 } });",
        "const found = await inferred({ q: 'x' });",
        'export const total: number = Object.values(found.byId).reduce((a, b) => a + b, 0) + found.items.length;',
        '// @ts-expect-error an inferred object is closed: a misspelt field is a type error',
        'found.itemz;',
        'const nothing = await empty();',
        '// @ts-expect-error an unknown result must be narrowed before use',
        'nothing.length;',
        '',
      ].join('\n'),
    );
    const files = readdirSync(path.join(project.outDir, 'constructs')).filter((f) => f.endsWith('.ts')).map((f) => path.join(project.outDir, 'constructs', f));
    expect(typecheck([...files, usage])).toEqual([]);
  });

  it('matches the stored snapshot', () => {
    for (const tool of ['refs', 'combinators', 'arrays', 'titled', 'index']) expect(module(tool)).toMatchSnapshot(tool);
    expect(project.read('servers/constructs/README.md')).toMatchSnapshot('README');
  });
});
