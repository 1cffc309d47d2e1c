// `pnpm bench:codegen`: codegen for a synthetic server of 1,000 tools with varied schemas, in a temp
// folder. Prints the wall time of a full run and of --check, both in this process (the generator's
// own cost, modules loaded) and as a fresh `pnpm mcp:codegen` process (what a user and CI wait for).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from '@magsag/codegen';
import { stringify } from 'yaml';

const toolCount = Number(process.env['BENCH_TOOLS'] ?? 1000);
const root = path.resolve(import.meta.dirname, '..');

/** A small deterministic PRNG (mulberry32): the same schemas on every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const leaves = [
  () => ({ type: 'string', description: 'A text value.' }),
  () => ({ type: 'integer', minimum: 0 }),
  () => ({ type: 'number' }),
  () => ({ type: 'boolean', default: false }),
  () => ({ type: ['string', 'null'] }),
  () => ({ type: 'string', nullable: true }),
  () => ({ enum: ['asc', 'desc', 'none'] }),
  () => ({ type: 'array', items: { type: 'string' } }),
  () => ({ type: 'object', additionalProperties: { type: 'number' } }),
  () => ({ type: 'string', format: 'date-time' }),
];

function property(depth: number): Record<string, unknown> {
  const roll = random();
  if (depth < 2 && roll < 0.15) return { type: 'array', items: object(depth + 1) };
  if (depth < 2 && roll < 0.25) return object(depth + 1);
  if (roll < 0.32) return { anyOf: [pick(leaves)(), pick(leaves)()] };
  if (roll < 0.36) return { oneOf: [object(2), object(2)] };
  if (roll < 0.4) return { $ref: '#/$defs/Item' };
  return pick(leaves)();
}

function object(depth: number): Record<string, unknown> {
  const count = 1 + Math.floor(random() * (depth === 0 ? 6 : 3));
  const properties: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) properties[`field${i}${pick(['Name', 'Id', 'Limit', 'Query', 'Path'])}`] = property(depth);
  const names = Object.keys(properties);
  return {
    type: 'object',
    properties,
    required: names.filter(() => random() < 0.4),
    ...(random() < 0.5 ? { additionalProperties: false } : {}),
  };
}

const verbs = ['get', 'list', 'create', 'update', 'delete', 'search', 'sync', 'export'];
const nouns = ['issue', 'page', 'contact', 'deal', 'file', 'record', 'comment', 'user', 'report', 'task'];
const withDefs = (schema: Record<string, unknown>): Record<string, unknown> =>
  JSON.stringify(schema).includes('#/$defs/Item')
    ? { ...schema, $defs: { Item: { type: 'object', title: 'Item', properties: { id: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/Item' } } } } } }
    : schema;
const tools = Array.from({ length: toolCount }, (_, i) => {
  const input = withDefs(object(0));
  return {
    name: `${pick(verbs)}_${pick(nouns)}_${i}`,
    description: `${pick(verbs)} a ${pick(nouns)}. Synthetic tool ${i} for the codegen benchmark.\n\nIt has a longer second paragraph.`,
    inputSchema: input,
    ...(random() < 0.5 ? { outputSchema: withDefs(object(1)) } : {}),
    ...(random() < 0.3 ? { annotations: { readOnlyHint: true } } : {}),
  };
});

const dir = mkdtempSync(path.join(tmpdir(), 'magsag-bench-codegen-'));
const serversDir = path.join(dir, 'yaml');
const outDir = path.join(dir, 'servers');
mkdirSync(serversDir);
writeFileSync(
  path.join(serversDir, 'synthetic.yaml'),
  stringify({ id: 'synthetic', description: 'Synthetic server for pnpm bench:codegen.', transport: { type: 'stdio', command: 'node' }, tools }, { lineWidth: 0 }),
);

const time = async (label: string, run: () => Promise<{ exitCode: number }> | { exitCode: number }): Promise<number> => {
  const started = performance.now();
  const { exitCode } = await run();
  const ms = performance.now() - started;
  console.log(`${label.padEnd(44)} ${(ms / 1000).toFixed(2)} s  (exit ${exitCode})`);
  return ms;
};
const cli = (...args: string[]) => (): { exitCode: number } => {
  try {
    execFileSync(process.execPath, ['--conditions=magsag-source', '--import', 'tsx', path.join(root, 'packages/codegen/src/bin.ts'), '--servers-dir', serversDir, '--out', outDir, ...args], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return { exitCode: 0 };
  } catch (error) {
    return { exitCode: (error as { status?: number }).status ?? 1 };
  }
};

try {
  console.log(`codegen benchmark: 1 server, ${toolCount} tools, ${tools.filter((t) => t.outputSchema).length} with an outputSchema (${dir})`);
  await time('in process: full run (first, modules cold)', () => generate({ serversDir, outDir }));
  rmSync(outDir, { recursive: true });
  await time('in process: full run (empty out dir)', () => generate({ serversDir, outDir }));
  await time('in process: full run (nothing to write)', () => generate({ serversDir, outDir }));
  await time('in process: --check', () => generate({ serversDir, outDir, check: true }));
  rmSync(outDir, { recursive: true });
  await time('new process: pnpm mcp:codegen', cli());
  await time('new process: pnpm mcp:codegen --check', cli('--check'));
} finally {
  if (!process.env["BENCH_KEEP"]) rmSync(dir, { recursive: true, force: true });
}
