// pnpm bench:runner — figures for @magsag/runner: cold and warm runs, tool-call overhead against
// the bare client, type-check cost, memory per isolate and throughput. Prints them and writes
// docs/performance/runner.md. Figures are measured, never asserted.
import { McpClient, resolveProjectPaths } from '@magsag/mcp-client';
// Relative: the root package does not depend on @magsag/runner (yet).
import { closeSandboxes, createRunner, createTypeChecker, warmSandboxes, type ExecuteResult } from '@magsag/runner';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';

const paths = resolveProjectPaths({ cwd: import.meta.dirname });
const fixtures = path.join(paths.root, 'packages', 'runner', 'test', 'fixtures');
const stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-bench-runner-'));
const client = new McpClient({ serversDir: paths.serversDir, cacheDir: path.join(stateDir, 'cache') });
const base = {
  root: paths.root,
  // The generated echo module's shape; the fixture keeps the bench independent of codegen output.
  serversDir: path.join(fixtures, 'servers'),
  skillsDir: path.join(fixtures, 'skills'),
  stateDir,
  callTool: client.callTool.bind(client),
  typecheck: false,
  limits: { maxToolCalls: 5000, maxConcurrentToolCalls: 1000, wallMs: 120_000, cpuMs: 60_000 },
};
const runner = createRunner(base);
const inline = createRunner({ ...base, isolation: 'inline' });

const lines: string[] = [];
const print = (line = ''): void => {
  console.log(line);
  lines.push(line);
};
const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const r1 = (n: number): string => n.toFixed(1);
const time = async (fn: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};
const check = (run: ExecuteResult): ExecuteResult => {
  if (!run.ok) throw new Error(`bench run failed: ${JSON.stringify(run.error)}`);
  return run;
};

const trivial = 'export default 1 + 1;';

// 1. Cold and warm runs.
const coldProcess: number[] = [];
for (let i = 0; i < 5; i++) {
  closeSandboxes();
  coldProcess.push(await time(async () => check(await runner.execute({ code: trivial }))));
}
warmSandboxes(2);
for (let i = 0; i < 5; i++) check(await runner.execute({ code: trivial }));
const warm: number[] = [];
for (let i = 0; i < 50; i++) warm.push(await time(async () => check(await runner.execute({ code: trivial }))));
const warmInline: number[] = [];
for (let i = 0; i < 50; i++) warmInline.push(await time(async () => check(await inline.execute({ code: trivial }))));

// 2. Tool-call overhead: server-everything's echo, bare client versus sandbox.
await client.callTool('everything', 'echo', { message: 'warm-up' });
const direct = async (n: number, parallel: boolean): Promise<number> =>
  time(async () => {
    if (parallel) await Promise.all(Array.from({ length: n }, (_, i) => client.callTool('everything', 'echo', { message: `m${i}` })));
    else for (let i = 0; i < n; i++) await client.callTool('everything', 'echo', { message: `m${i}` });
  });
const program = (n: number, parallel: boolean): string =>
  [
    "import { echo } from './servers/everything/echo';",
    parallel
      ? `await Promise.all(Array.from({ length: ${n} }, (_, i) => echo({ message: 'm' + i })));`
      : `for (let i = 0; i < ${n}; i++) await echo({ message: 'm' + i });`,
  ].join('\n');
const sandboxed = async (r: typeof runner, n: number, parallel: boolean): Promise<number> => {
  const run = check(await r.execute({ code: program(n, parallel) }));
  return run.metrics.wallMs;
};
const overhead: { n: number; mode: string; direct: number; sandbox: number; inline: number }[] = [];
for (const n of [300, 1000]) {
  for (const parallel of [false, true]) {
    const d: number[] = [];
    const s: number[] = [];
    const il: number[] = [];
    for (let k = 0; k < 3; k++) {
      d.push(await direct(n, parallel));
      s.push(await sandboxed(runner, n, parallel));
      il.push(await sandboxed(inline, n, parallel));
    }
    overhead.push({ n, mode: parallel ? 'Promise.all' : 'sequential', direct: pct(d, 50), sandbox: pct(s, 50), inline: pct(il, 50) });
  }
}

// 3. Type-check cost: a fresh checker (cold) and the same one again (warm).
const checkProgram = "import { echo } from './servers/everything/echo';\nconst r = await echo({ message: 'hi' });\nexport default r.length;";
const roots = { serversDir: base.serversDir, skillsDir: base.skillsDir };
const coldCheck: number[] = [];
for (let i = 0; i < 3; i++) {
  const checker = createTypeChecker({ ...roots, documentRegistry: ts.createDocumentRegistry() });
  coldCheck.push(await time(async () => checker.check(checkProgram, 'program.ts')));
}
const warmChecker = createTypeChecker(roots);
warmChecker.check(checkProgram, 'program.ts');
const warmCheck: number[] = [];
for (let i = 0; i < 20; i++) warmCheck.push(await time(async () => warmChecker.check(`${checkProgram}\n// ${i}`, 'program.ts')));

// 4. Memory per isolate and throughput with 2 concurrent runs.
const heap = check(await runner.execute({ code: 'export default new Array(1000).fill(0).length;' })).metrics.heapBytes;
const sandboxRss = (): number[] => {
  try {
    return execFileSync('ps', ['-o', 'rss=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
};
const rss = sandboxRss();
let completed = 0;
const until = performance.now() + 3000;
const started = performance.now();
await Promise.all(
  [0, 1].map(async () => {
    while (performance.now() < until) {
      check(await runner.execute({ code: trivial }));
      completed++;
    }
  }),
);
const runsPerSecond = completed / ((performance.now() - started) / 1000);

print(`# @magsag/runner benchmark (Node ${process.version}, ${cpus().length} CPUs, ${cpus()[0]?.model ?? 'unknown CPU'})`);
print();
print('## Runs (trivial program, no type-check)');
print(`cold run, new sandbox process + isolate: p50 ${r1(pct(coldProcess, 50))} ms, p95 ${r1(pct(coldProcess, 95))} ms (n=${coldProcess.length})`);
print(`warm run, new isolate in a pooled process: p50 ${r1(pct(warm, 50))} ms, p95 ${r1(pct(warm, 95))} ms (n=${warm.length})`);
print(`warm run, new isolate in this process (isolation: inline): p50 ${r1(pct(warmInline, 50))} ms, p95 ${r1(pct(warmInline, 95))} ms (n=${warmInline.length})`);
print();
print('## Tool-call overhead: server-everything echo (median of 3)');
print('| calls | mode | direct McpClient ms | sandbox (process) ms | ratio | sandbox (inline) ms | ratio |');
print('|---:|---|---:|---:|---:|---:|---:|');
for (const o of overhead) {
  print(`| ${o.n} | ${o.mode} | ${r1(o.direct)} | ${r1(o.sandbox)} | ${(o.sandbox / o.direct).toFixed(2)} | ${r1(o.inline)} | ${(o.inline / o.direct).toFixed(2)} |`);
}
print();
print('## Type-check');
print(`cold (new LanguageService, lib files parsed): p50 ${r1(pct(coldCheck, 50))} ms (n=${coldCheck.length})`);
print(`warm (same LanguageService, program changed): p50 ${r1(pct(warmCheck, 50))} ms, p95 ${r1(pct(warmCheck, 95))} ms (n=${warmCheck.length})`);
print();
print('## Memory and throughput');
print(`isolate heap used by a trivial program: ${(heap / 1024).toFixed(0)} KiB`);
print(`sandbox process RSS: ${rss.map((k) => `${(k / 1024).toFixed(0)} MiB`).join(', ') || 'n/a'} (one process per concurrent run, pooled)`);
print(`runs per second with 2 concurrent runs: ${r1(runsPerSecond)}`);

await client.close();
closeSandboxes();
rmSync(stateDir, { recursive: true, force: true });

const today = new Date().toISOString().slice(0, 10);
writeFileSync(
  path.join(paths.root, 'docs', 'performance', 'runner.md'),
  [
    '---',
    'title: Runner performance',
    'description: Cold and warm sandbox runs, tool-call overhead against the bare MCP client, type-check cost, memory and throughput of @magsag/runner.',
    `last_updated: ${today}`,
    '---',
    '',
    // Headings get a blank line after them (markdownlint MD022).
    ...lines.flatMap((l) => (l.startsWith('# ') ? [`#${l}`, ''] : l.startsWith('## ') ? [l, ''] : [l])),
    '',
    'Measured by `pnpm bench:runner` (bench/runner.ts); rerun it to refresh this page. "process" is the default',
    'isolation (one pooled child process per concurrent run, so a V8 out-of-memory abort cannot take the host',
    'down); "inline" runs the isolate in the calling process. Sandbox figures are the run\'s `metrics.wallMs`',
    '(transpile, isolate start and every call included); direct figures time the same calls on one `McpClient`.',
    '',
  ].join('\n'),
);
