// pnpm bench:runner — figures for @magsag/runner: cold and warm runs, tool-call overhead against
// the bare client, type-check cost, memory per isolate and throughput, then the same workloads side
// by side through the MCP SDK client directly, UTCP code-mode (the closest peer) and our runner, in
// this one process. Prints them (human text, or one JSON document on stdout with `--json`, the
// text then going to stderr) and writes docs/performance/runner.md and its section of
// docs/performance.md. Figures are measured, never asserted.
//
//   pnpm bench:runner [--json]   (BENCH_RUNNER_ROUNDS=5: timed rounds of the side-by-side workloads)
import { McpClient, resolveProjectPaths } from '@magsag/mcp-client';
import { closeSandboxes, createRunner, createTypeChecker, maxLimits, SandboxPool, warmSandboxes, type ExecuteResult } from '@magsag/runner';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CodeModeUtcpClient } from '@utcp/code-mode';
import { McpCallTemplateSerializer } from '@utcp/mcp';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { updatePerformancePage } from './performancePage.ts';

const paths = resolveProjectPaths({ cwd: import.meta.dirname });
const json = process.argv.slice(2).includes('--json');
const startedAt = new Date();
const loadAverageAtStart = loadavg().map((n) => Math.round(n * 100) / 100);
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
  // As many calls in flight as a caller may ask for (the server-side maximum, 256): the Promise.all
  // workloads put 300 and 1000 calls in flight at once.
  limits: { maxToolCalls: 5000, maxConcurrentToolCalls: maxLimits.maxConcurrentToolCalls, wallMs: 120_000, cpuMs: 60_000 },
};
const runner = createRunner(base);
const inline = createRunner({ ...base, isolation: 'inline' });

const lines: string[] = [];
const print = (line = ''): void => {
  // Under --json, stdout carries only the JSON document.
  (json ? process.stderr : process.stdout).write(`${line}\n`);
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
// A fresh worker process: from fork until it says it is ready to take runs.
const freshReady: number[] = [];
for (let i = 0; i < 5; i++) {
  const pool = new SandboxPool({ maxWorkers: 1 });
  freshReady.push(await time(() => pool.start(1)));
  pool.close();
}
warmSandboxes(2);
for (let i = 0; i < 5; i++) check(await runner.execute({ code: trivial }));
const warm: number[] = [];
for (let i = 0; i < 50; i++) warm.push(await time(async () => check(await runner.execute({ code: trivial }))));
// The first run of a new runner once the pool has its processes up (started ahead, as serve does).
const firstWithPool: number[] = [];
for (let i = 0; i < 3; i++) {
  closeSandboxes();
  warmSandboxes(1);
  await new Promise((r) => setTimeout(r, 2000));
  const fresh = createRunner(base);
  firstWithPool.push(await time(async () => check(await fresh.execute({ code: trivial }))));
}
warmSandboxes(2);
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
// RSS of the runner's own worker processes (the sandbox and type-checker processes it forked), read
// from /proc: children of this process whose command line runs a file of packages/runner. The MCP
// servers the client started are children too and are not counted, nor is any `ps`.
const workerRss = (): { pid: number; kb: number }[] => {
  const out: { pid: number; kb: number }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (!/packages\/runner\//.test(cmd)) continue;
      out.push({ pid: Number(name), kb: Number(fields[21]) * 4 });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
};
const rss = workerRss().map((p) => p.kb);
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
print(`first run of a new runner, pool started ahead (trivial program): p50 ${r1(pct(firstWithPool, 50))} ms (n=${firstWithPool.length})`);
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
print(`RSS of the runner's worker processes alone (its sandbox and type-checker processes; not the MCP servers, not this process): ${rss.map((k) => `${(k / 1024).toFixed(0)} MiB`).join(', ') || 'n/a'}`);
print(`runs per second with 2 concurrent runs: ${r1(runsPerSecond)}`);

// 5. Side by side, in this process: the same workloads through the MCP SDK client directly, through
// UTCP code-mode (@utcp/code-mode, the closest peer: isolated-vm too) and through our runner. Each
// setup owns its server processes: server-everything over stdio, and the filesystem server rooted
// at a folder with a generated 10,000-row CSV (no everything tool returns 10,000 rows).
const rounds = Math.max(1, Math.floor(Number(process.env['BENCH_RUNNER_ROUNDS'] ?? 5)));
const echoCalls = 300;
const nodeModules = path.join(paths.root, 'node_modules');
const everythingArgs = [path.join(nodeModules, '@modelcontextprotocol', 'server-everything', 'dist', 'index.js'), 'stdio'];
const dataDir = path.join(stateDir, 'data');
mkdirSync(dataDir, { recursive: true });
const csvPath = path.join(dataDir, 'rows.csv');
const filesArgs = [path.join(nodeModules, '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js'), dataDir];
const regions = ['north', 'south', 'east', 'west'];
// amount = i * 7919 mod 10,000 runs over 0..9,999 once each, so exactly 5 rows have amount >= 9,995.
const csvRows = Array.from({ length: 10_000 }, (_, k) => `${k + 1},item-${k + 1},${regions[(k + 1) % 4]},${((k + 1) * 7919) % 10_000}`);
writeFileSync(csvPath, `id,name,region,amount\n${csvRows.join('\n')}\n`);
// The same filter, as host code (direct) and as program text (UTCP and ours).
interface Row {
  id: number;
  name: string;
  region: string;
  amount: number;
}
const filterRows = (csv: string): Row[] =>
  csv
    .split('\n')
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => line.split(','))
    .filter((r) => Number(r[3]) >= 9995)
    .map((r) => ({ id: Number(r[0]), name: String(r[1]), region: String(r[2]), amount: Number(r[3]) }));
const filterSource =
  "(csv) => csv.split('\\n').slice(1).filter((line) => line !== '').map((line) => line.split(',')).filter((r) => Number(r[3]) >= 9995).map((r) => ({ id: Number(r[0]), name: String(r[1]), region: String(r[2]), amount: Number(r[3]) }))";
const expectedRows = JSON.stringify(filterRows(readFileSync(csvPath, 'utf8')));
const checkRows = (rows: unknown, who: string): void => {
  if (JSON.stringify(rows) !== expectedRows) throw new Error(`${who}: the 10,000-row program returned ${JSON.stringify(rows).slice(0, 200)}`);
};
const textOf = (content: unknown): string =>
  (Array.isArray(content) ? (content as { type?: string; text?: string }[]) : []).map((b) => (b.type === 'text' ? (b.text ?? '') : '')).join('');

// Direct: one SDK Client per server.
const sdkConnect = async (args: string[]): Promise<Client> => {
  const sdk = new Client({ name: 'bench-direct', version: '0.0.0' });
  await sdk.connect(new StdioClientTransport({ command: process.execPath, args, cwd: paths.root, stderr: 'ignore' }));
  return sdk;
};
const sdkEverything = await sdkConnect(everythingArgs);
const sdkFiles = await sdkConnect(filesArgs);

// Ours: an McpClient on the same two servers (YAML in a temporary folder) and modules in the shape
// codegen writes (the echo fixture, and read_text_file of the CSV server).
const yamlDir = path.join(stateDir, 'servers-yaml');
mkdirSync(yamlDir, { recursive: true });
writeFileSync(path.join(yamlDir, 'everything.yaml'), `id: everything\ntransport:\n  type: stdio\n  command: ${JSON.stringify(process.execPath)}\n  args: ${JSON.stringify(everythingArgs)}\n`);
writeFileSync(path.join(yamlDir, 'files.yaml'), `id: files\ntransport:\n  type: stdio\n  command: ${JSON.stringify(process.execPath)}\n  args: ${JSON.stringify(filesArgs)}\n`);
const modulesDir = path.join(stateDir, 'modules');
mkdirSync(path.join(modulesDir, 'everything'), { recursive: true });
mkdirSync(path.join(modulesDir, 'files'), { recursive: true });
for (const name of ['echo.ts', 'index.ts']) copyFileSync(path.join(fixtures, 'servers', 'everything', name), path.join(modulesDir, 'everything', name));
writeFileSync(
  path.join(modulesDir, 'files', 'readTextFile.ts'),
  [
    "import { callMCPTool } from '@magsag/mcp-client';",
    '',
    'export type ReadTextFileInput = { path: string };',
    '',
    '/** Reads a text file (the shape of the generated servers/filesystem/readTextFile.ts). */',
    'export async function readTextFile(input: ReadTextFileInput) {',
    "  const result = await callMCPTool('files', 'read_text_file', input);",
    '  return result.structuredContent as { content: string };',
    '}',
    '',
  ].join('\n'),
);
writeFileSync(path.join(modulesDir, 'files', 'index.ts'), "export { readTextFile } from './readTextFile.ts';\n");
const sbsClient = new McpClient({ serversDir: yamlDir, cacheDir: path.join(stateDir, 'cache-side-by-side') });
const sbsBase = { ...base, serversDir: modulesDir, callTool: sbsClient.callTool.bind(sbsClient) };
const ours = createRunner(sbsBase);
const oursInline = createRunner({ ...sbsBase, isolation: 'inline' });

// UTCP code-mode: one manual with both servers. It logs three lines per tool call with console.log;
// they are silenced while it runs (the figures exclude writing them).
const quiet = async <T>(fn: () => Promise<T>): Promise<T> => {
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const mute = (): void => {};
  Object.assign(console, { log: mute, info: mute, warn: mute, error: mute });
  try {
    return await fn();
  } finally {
    Object.assign(console, saved);
  }
};
const utcpManual = new McpCallTemplateSerializer().validateDict({
  name: 'bench',
  call_template_type: 'mcp',
  config: {
    mcpServers: {
      everything: { transport: 'stdio', command: process.execPath, args: everythingArgs, cwd: paths.root },
      files: { transport: 'stdio', command: process.execPath, args: filesArgs, cwd: paths.root },
    },
  },
});
const utcp = await quiet(async () => {
  const created = await CodeModeUtcpClient.create(paths.root, null);
  await created.registerManual(utcpManual);
  return created;
});
const utcpTools = (await utcp.getTools()).map((t) => t.name);
if (!utcpTools.includes('bench.everything.echo') || !utcpTools.includes('bench.files.read_text_file')) {
  throw new Error(`UTCP did not register the servers' tools: ${utcpTools.join(', ')}`);
}
const utcpRun = async (client: CodeModeUtcpClient, code: string): Promise<unknown> => {
  const out = await quiet(() => client.callToolChain(code, 120_000));
  const failed = out.logs.find((l) => l.includes('[ERROR]'));
  if (failed) throw new Error(`UTCP run failed: ${failed}`);
  return out.result;
};
const oursRun = async (r: typeof runner, code: string): Promise<unknown> => check(await r.execute({ code })).result;

const utcpEcho = (parallel: boolean): string =>
  parallel
    ? `await Promise.all(Array.from({ length: ${echoCalls} }, (_, i) => bench.everything_echo({ message: 'm' + i })));\nreturn ${echoCalls};`
    : `for (let i = 0; i < ${echoCalls}; i++) bench.everything_echo({ message: 'm' + i });\nreturn ${echoCalls};`;
const oursRows = [
  "import { readTextFile } from './servers/files/readTextFile';",
  `const { content } = await readTextFile({ path: ${JSON.stringify(csvPath)} });`,
  `export default (${filterSource})(content);`,
].join('\n');
const utcpRows = [`const csv = bench.files_read_text_file({ path: ${JSON.stringify(csvPath)} });`, `return (${filterSource})(csv);`].join('\n');
const utcpTrivial = 'return 1 + 1;';

type Setup = 'sdk' | 'mcpClient' | 'utcp' | 'ours' | 'inline';
const setups: Setup[] = ['sdk', 'mcpClient', 'utcp', 'ours', 'inline'];
interface Workload {
  label: string;
  /** Runs the workload once; resolves to the wall time in ms. Absent: not applicable. */
  run: Partial<Record<Setup, () => Promise<number>>>;
}
const timed =
  (fn: () => Promise<unknown>, verify?: (value: unknown) => void): (() => Promise<number>) =>
  async () => {
    let value: unknown;
    const ms = await time(async () => {
      value = await fn();
    });
    verify?.(value);
    return ms;
  };
const rowsCheck = (who: string) => (value: unknown) => checkRows(value, who);
const twoCheck = (who: string) => (value: unknown) => {
  if (value !== 2) throw new Error(`${who}: the trivial program returned ${JSON.stringify(value)}`);
};
const workloads: Workload[] = [
  {
    label: `${echoCalls} echo calls, sequential`,
    run: {
      sdk: timed(async () => {
        for (let i = 0; i < echoCalls; i++) await sdkEverything.callTool({ name: 'echo', arguments: { message: `m${i}` } });
      }),
      mcpClient: timed(async () => {
        for (let i = 0; i < echoCalls; i++) await sbsClient.callTool('everything', 'echo', { message: `m${i}` });
      }),
      utcp: timed(() => utcpRun(utcp, utcpEcho(false))),
      ours: timed(() => oursRun(ours, program(echoCalls, false))),
      inline: timed(() => oursRun(oursInline, program(echoCalls, false))),
    },
  },
  {
    label: `${echoCalls} echo calls, Promise.all`,
    run: {
      sdk: timed(() => Promise.all(Array.from({ length: echoCalls }, (_, i) => sdkEverything.callTool({ name: 'echo', arguments: { message: `m${i}` } })))),
      mcpClient: timed(() => Promise.all(Array.from({ length: echoCalls }, (_, i) => sbsClient.callTool('everything', 'echo', { message: `m${i}` })))),
      utcp: timed(() => utcpRun(utcp, utcpEcho(true))),
      ours: timed(() => oursRun(ours, program(echoCalls, true))),
      inline: timed(() => oursRun(oursInline, program(echoCalls, true))),
    },
  },
  {
    label: '10,000-row result, 5 rows returned',
    run: {
      sdk: timed(async () => {
        const result = await sdkFiles.callTool({ name: 'read_text_file', arguments: { path: csvPath } });
        return filterRows(textOf(result.content));
      }, rowsCheck('direct SDK')),
      mcpClient: timed(async () => filterRows(textOf((await sbsClient.callTool('files', 'read_text_file', { path: csvPath })).content)), rowsCheck('McpClient')),
      utcp: timed(() => utcpRun(utcp, utcpRows), rowsCheck('UTCP')),
      ours: timed(() => oursRun(ours, oursRows), rowsCheck('ours')),
      inline: timed(() => oursRun(oursInline, oursRows), rowsCheck('ours inline')),
    },
  },
  {
    label: 'trivial program, warm',
    run: {
      utcp: timed(() => utcpRun(utcp, utcpTrivial), twoCheck('UTCP')),
      ours: timed(() => oursRun(ours, trivial), twoCheck('ours')),
      inline: timed(() => oursRun(oursInline, trivial), twoCheck('ours inline')),
    },
  },
  {
    label: 'trivial program, cold',
    run: {
      // A new UTCP client (no manual: a trivial program needs no tools), then its first program. It
      // is not closed: UTCP's protocol plugins are shared, and close() would end the main client's
      // MCP sessions too.
      utcp: timed(async () => utcpRun(await quiet(() => CodeModeUtcpClient.create(paths.root, null)), utcpTrivial), twoCheck('UTCP cold')),
      // No pooled sandbox process: the run starts one.
      ours: async () => {
        closeSandboxes();
        return timed(() => oursRun(ours, trivial), twoCheck('ours cold'))();
      },
      // Inline has no process to start: a new runner's first run.
      inline: timed(() => oursRun(createRunner({ ...sbsBase, isolation: 'inline' }), trivial), twoCheck('ours inline cold')),
    },
  },
];

// Server processes and clients speed up for the first thousand calls or so (JIT): every setup's
// servers get the same warm-up before anything is timed.
const warmUpCalls = 1500;
for (let i = 0; i < warmUpCalls; i++) {
  await sdkEverything.callTool({ name: 'echo', arguments: { message: `w${i}` } });
  await sbsClient.callTool('everything', 'echo', { message: `w${i}` });
  await quiet(() => utcp.callTool('bench.everything.echo', { message: `w${i}` }));
}
for (let i = 0; i < 20; i++) {
  await sdkFiles.callTool({ name: 'read_text_file', arguments: { path: csvPath } });
  await sbsClient.callTool('files', 'read_text_file', { path: csvPath });
  await quiet(() => utcp.callTool('bench.files.read_text_file', { path: csvPath }));
}

// One discarded round warms every path, then `rounds` timed rounds; the
// setups take turns in a rotating order so that none always runs first.
const samples = workloads.map(() => new Map<Setup, number[]>(setups.map((s) => [s, []])));
for (let round = -1; round < rounds; round++) {
  for (const [w, workload] of workloads.entries()) {
    for (let k = 0; k < setups.length; k++) {
      const setup = setups[(k + Math.max(0, round)) % setups.length]!;
      const run = workload.run[setup];
      if (!run) continue;
      const ms = await run();
      if (round >= 0) samples[w]!.get(setup)!.push(ms);
    }
  }
}
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? Number.NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const cell = (v: number): string => (Number.isNaN(v) ? '—' : r1(v));
const ratio = (a: number, b: number): string => (Number.isNaN(a) || Number.isNaN(b) ? '—' : `${(a / b).toFixed(2)}×`);
const medians = workloads.map((workload, w) => ({ label: workload.label, m: new Map(setups.map((s) => [s, median(samples[w]!.get(s)!)])) }));

const sideBySide: string[] = [];
const side = (line = ''): void => {
  print(line);
  sideBySide.push(line);
};
print();
side(`## Side by side: direct SDK client, UTCP code-mode, our runner (median of ${rounds} rounds, wall ms)`);
side('| workload | SDK direct | McpClient direct | UTCP code-mode | ours (process) | ours (inline) | ours ÷ direct | ours ÷ UTCP | inline ÷ direct | inline ÷ UTCP |');
side('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const { label, m } of medians) {
  const [sdk, mc, u, o, il] = setups.map((s) => m.get(s) ?? Number.NaN) as [number, number, number, number, number];
  side(`| ${label} | ${cell(sdk)} | ${cell(mc)} | ${cell(u)} | ${cell(o)} | ${cell(il)} | ${ratio(o, sdk)} | ${ratio(o, u)} | ${ratio(il, sdk)} | ${ratio(il, u)} |`);
}
side();
// The targets of issue 16, each on the default isolation ("ours (process)").
const targets: { name: string; value: number; unit: string; target: string; met: boolean }[] = [];
const target = (what: string, value: number, limit: number, unit: '×' | 'ms', strict = false): void => {
  const met = strict ? value < limit : value <= limit;
  const fmt = (n: number): string => (unit === '×' ? `${n.toFixed(2)}×` : `${n.toFixed(1)} ms`);
  targets.push({ name: what, value: Math.round(value * 1000) / 1000, unit, target: `${strict ? '<' : '≤'} ${limit}`, met });
  side(`- ${what}: ${fmt(value)} (target ${strict ? '<' : '≤'} ${fmt(limit)}): ${met ? 'met' : 'MISSED'}`);
};
const get = (w: number, s: Setup): number => medians[w]!.m.get(s) ?? Number.NaN;
target('ours ÷ direct SDK, 300 echo calls, sequential', get(0, 'ours') / get(0, 'sdk'), 1.5, '×');
target('ours ÷ UTCP, 300 echo calls, sequential', get(0, 'ours') / get(0, 'utcp'), 1, '×', true);
target('ours ÷ direct SDK, 300 echo calls, Promise.all', get(1, 'ours') / get(1, 'sdk'), 1.5, '×');
target('ours ÷ UTCP, 10,000-row result', get(2, 'ours') / get(2, 'utcp'), 1, '×');
target('ours ÷ UTCP, trivial program, warm', get(3, 'ours') / get(3, 'utcp'), 1, '×');
target('first run of a new runner with the pool started', pct(firstWithPool, 50), 50, 'ms');
target('a fresh worker process ready to run (fork until its ready message)', pct(freshReady, 50), 300, 'ms');

await sdkEverything.close();
await sdkFiles.close();
await sbsClient.close();
await quiet(() => utcp.close());

await client.close();
closeSandboxes();
rmSync(stateDir, { recursive: true, force: true });

const loadAverageAtEnd = loadavg().map((n) => Math.round(n * 100) / 100);
const machine = `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}`;
const sideBySideMethod = [
  `Side by side: in one process, each setup with its own server processes (server-everything over stdio, and the official`,
  `filesystem server over a folder holding a generated 10,000-row CSV). Each setup's servers first answer ${warmUpCalls} echo calls and 20`,
  `reads (server processes speed up over their first thousand calls), then one discarded round and ${rounds} timed rounds,`,
  'the setups taking turns in a rotating order; each figure is the median wall time of the whole workload seen from the',
  'caller. "SDK direct" is `@modelcontextprotocol/sdk` `Client.callTool` with no sandbox; "McpClient direct" is our',
  'client without a sandbox; "UTCP code-mode" is `CodeModeUtcpClient.callToolChain` (`@utcp/code-mode` 1.2.12 with',
  '`@utcp/mcp` 1.1.3 on isolated-vm 5.0.4; its per-call `console.log` lines are silenced); "ours" is',
  '`runner.execute()` with type-checking off (UTCP does not type-check either), so it includes transpiling, the workspace',
  'and run record, the isolate and every tool call. The 10,000-row program reads the CSV (about 0.3 MB) with',
  '`read_text_file` and returns the 5 rows with amount >= 9995; every setup must return the same rows. "Cold" is a fresh',
  'UTCP client\'s first program, and our first run with no pooled sandbox process (inline has no process to start).',
];

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
    ...sideBySideMethod,
    '',
  ]
    // One blank line at most between blocks (markdownlint MD012).
    .filter((l, i, all) => !(l === '' && all[i - 1] === ''))
    .join('\n'),
);

updatePerformancePage(paths.root, 'runner', [
  '## Runner side by side (`pnpm bench:runner`)',
  '',
  `Machine: ${machine}; load average ${loadAverageAtStart.join(' ')} at the start, ${loadAverageAtEnd.join(' ')} at the end (other work on the machine makes the figures noisy). Run on ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
  '',
  ...sideBySide.slice(1),
  '',
  `Sandbox runs alone (trivial program, no tool call): cold (new sandbox process and isolate) p50 ${r1(pct(coldProcess, 50))} ms; a fresh worker process ready to run p50 ${r1(pct(freshReady, 50))} ms; first run of a new runner with the pool started ahead p50 ${r1(pct(firstWithPool, 50))} ms; warm (new isolate in a pooled process) p50 ${r1(pct(warm, 50))} ms; inline p50 ${r1(pct(warmInline, 50))} ms. RSS of the runner's worker processes alone (sandbox and type-checker processes, not the MCP servers): ${rss.map((k) => `${(k / 1024).toFixed(0)} MiB`).join(', ') || 'n/a'}. The targets are issue 16's; \`--json\` prints every figure as one JSON document. More figures: [Runner performance](performance/runner.md).`,
  '',
  ...sideBySideMethod,
]);


// The whole report as one JSON document: bench/results/runner.json (the UI's Benchmarks tab reads
// it), and stdout with --json.
{
  const stat = (values: number[]) => ({ p50: Math.round(pct(values, 50) * 10) / 10, p95: Math.round(pct(values, 95) * 10) / 10, n: values.length });
  const ms = (n: number): number | null => (Number.isNaN(n) ? null : Math.round(n * 10) / 10);
  const document = `${JSON.stringify(
      {
        bench: 'runner',
        date: startedAt.toISOString(),
        machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverageAtStart, loadAverageAtEnd },
        runs: {
          unit: 'ms, trivial program, no type-check',
          coldProcess: stat(coldProcess),
          freshWorkerReady: stat(freshReady),
          firstRunWithPoolStarted: stat(firstWithPool),
          warmProcess: stat(warm),
          warmInline: stat(warmInline),
        },
        toolCallOverhead: overhead.map((o) => ({ calls: o.n, mode: o.mode, directMs: ms(o.direct), processMs: ms(o.sandbox), processRatio: o.sandbox / o.direct, inlineMs: ms(o.inline), inlineRatio: o.inline / o.direct })),
        typecheck: { coldP50Ms: ms(pct(coldCheck, 50)), warm: stat(warmCheck) },
        memory: {
          isolateHeapKiB: Math.round(heap / 1024),
          workerRssMiB: rss.map((k) => Math.round(k / 1024)),
          counts: "the runner's worker processes alone (sandbox and type-checker processes forked by this bench); not the MCP servers, not the bench, not ps",
        },
        throughput: { concurrentRuns: 2, runsPerSecond: Math.round(runsPerSecond * 10) / 10 },
        sideBySide: {
          unit: 'median wall ms of the whole workload',
          rounds,
          columns: setups,
          rows: medians.map(({ label, m }) => ({ workload: label, ...Object.fromEntries(setups.map((s) => [s, ms(m.get(s) ?? Number.NaN)])) })),
        },
        targets,
      },
      null,
      2,
    )}\n`;
  mkdirSync(path.join(paths.root, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(paths.root, 'bench', 'results', 'runner.json'), document);
  if (json) process.stdout.write(document);
}
