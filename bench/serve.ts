// pnpm bench:serve — a load test of `magsag serve --http` on loopback, run as a user runs it: the
// built JavaScript (`node packages/cli/bin/magsag.js serve --http 0`; the script runs `pnpm build`
// first), type-checking on (the default). Phases, all on one server:
//
//   1. main     — N concurrent MCP clients (default 50) run `execute_code` back to back;
//   2. small    — the same programs from 4 clients, for the throughput ratio;
//   3. profile  — the main load again while every Node process of the server tree runs V8's
//                 sampling profiler, and /proc gives each process's and thread's CPU: where one
//                 call's CPU goes (serve, type-check, transpile, isolate, bridge, masking, servers);
//   4. hostile  — N−1 clients alternate `search_tools` and `execute_code` while one hostile client
//                 sends a 64 KB digit-string tool result, a 250 KB program, a run that never
//                 settles with the largest `timeoutMs` serve allows, an infinite loop and a memory
//                 bomb; each must end with its own outcome, and the others' p99 is reported.
//
// Prints the figures (human text, or one JSON document on stdout with `--json`, the text then
// going to stderr) and rewrites its section of docs/performance.md. Nothing leaves loopback; the
// server (and everything it started) is killed at the end. Figures are measured, never asserted.
//
//   pnpm bench:serve [--json] [--clients 50] [--seconds 30] [--calls 3000] [--small-clients 4]
//     [--small-seconds 15] [--profile-seconds 15] [--no-profile] [--hostile-seconds 90] [--no-hostile]
//   (numbers also from BENCH_SERVE_CLIENTS, _SECONDS, _CALLS, _SMALL_SECONDS, _PROFILE_SECONDS, _HOSTILE_SECONDS)
import { resolveProjectPaths } from '@magsag/mcp-client';
import { maxLimits } from '@magsag/runner';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { updatePerformancePage } from './performancePage.ts';
import { cpuMsOf, processTree, statFields } from './proc.ts';

const paths = resolveProjectPaths({ cwd: import.meta.dirname });
const argv = process.argv.slice(2);
const json = argv.includes('--json');
/** Human text: stdout normally, stderr under --json (stdout then carries only the JSON document). */
const say = (line = ''): void => {
  (json ? process.stderr : process.stdout).write(`${line}\n`);
};

function setting(flag: string, env: string, fallback: number): number {
  const at = argv.indexOf(`--${flag}`);
  const raw = at >= 0 ? argv[at + 1] : process.env[env];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag} / ${env} must be a positive number, got "${raw}"`);
  return n;
}
const clientCount = Math.floor(setting('clients', 'BENCH_SERVE_CLIENTS', 50));
const mainSeconds = setting('seconds', 'BENCH_SERVE_SECONDS', 30);
const mainCalls = Math.floor(setting('calls', 'BENCH_SERVE_CALLS', 3000));
const smallClients = Math.floor(setting('small-clients', 'BENCH_SERVE_SMALL_CLIENTS', 4));
const smallSeconds = setting('small-seconds', 'BENCH_SERVE_SMALL_SECONDS', 15);
const profileSeconds = setting('profile-seconds', 'BENCH_SERVE_PROFILE_SECONDS', 15);
const hostileSeconds = setting('hostile-seconds', 'BENCH_SERVE_HOSTILE_SECONDS', 90);
const profiling = !argv.includes('--no-profile');
const hostileOn = !argv.includes('--no-hostile');
/** The hostile phase lasts at least this long, so the other clients' percentiles rest on enough calls. */
const hostileMinSeconds = Math.min(20, hostileSeconds);

const bin = path.join(paths.root, 'packages', 'cli', 'bin', 'magsag.js');
if (!existsSync(path.join(paths.root, 'packages', 'cli', 'dist', 'bin.js'))) {
  throw new Error('packages/cli/dist is missing: run `pnpm build` first (`pnpm bench:serve` does).');
}
const cpuList = cpus();
const machine = {
  cpus: cpuList.length,
  cpuModel: cpuList[0]?.model.trim() ?? 'unknown CPU',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  kernel: release(),
  loadAverageAtStart: loadavg().map((n) => Math.round(n * 100) / 100),
};
const machineText = `${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, Node ${machine.node}`;
const startedAt = new Date();

// ---------------------------------------------------------------------------------------------
// The server: the built CLI, `serve --http 0`, in its own process group, state in a temporary folder.
// With profiling, every Node process it starts loads bench/profileHook.mjs (idle until the window).
const stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-bench-serve-'));
const profileDir = path.join(stateDir, 'profiles');
mkdirSync(profileDir);
const serverArgs = [bin, 'serve', '--http', '0'];
const serverEnv: NodeJS.ProcessEnv = { ...process.env, MAGSAG_STATE_DIR: stateDir };
// The bench itself runs through tsx; the server must not inherit that.
delete serverEnv['NODE_OPTIONS'];
if (profiling) {
  serverEnv['NODE_OPTIONS'] = `--import ${pathToFileURL(path.join(import.meta.dirname, 'profileHook.mjs')).href}`;
  serverEnv['MAGSAG_BENCH_PROFILE_DIR'] = profileDir;
}
const server = spawn(process.execPath, serverArgs, {
  cwd: paths.root,
  env: serverEnv,
  stdio: ['ignore', 'ignore', 'pipe'],
  // Its own process group: the sandbox processes and MCP servers it starts are killed with it.
  detached: true,
});
if (server.pid === undefined) throw new Error('could not start magsag serve');
const serverPid: number = server.pid;
let serverStderr = '';
let stopping = false;
const killServer = (): void => {
  stopping = true;
  try {
    process.kill(-serverPid, 'SIGKILL');
  } catch {
    // Already gone.
  }
};
process.once('exit', killServer);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killServer();
    process.exit(130);
  });
}

const url = await new Promise<string>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`magsag serve did not report its address within 60 s:\n${serverStderr.slice(-2000)}`)), 60_000);
  server.stderr.on('data', (chunk: Buffer) => {
    serverStderr = (serverStderr + chunk.toString()).slice(-20_000);
    const match = /listening on (http:\/\/\S+)/.exec(serverStderr);
    if (match?.[1]) {
      clearTimeout(timer);
      resolve(match[1]);
    }
  });
  server.once('exit', (code, signal) => {
    if (!stopping) reject(new Error(`magsag serve exited early (code ${code}, signal ${signal}):\n${serverStderr.slice(-2000)}`));
  });
});
if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+\//.test(url)) throw new Error(`magsag serve is not on loopback: ${url}`);

// ---------------------------------------------------------------------------------------------
// The server's process tree, read from /proc (no `ps`, so no helper process is ever counted):
// RSS, CPU time of each process and of each of its threads, and what each process is.
const pageKb = 4;
interface ProcInfo {
  pid: number;
  rssKb: number;
  /** utime + stime of the whole process, in ms. */
  cpuMs: number;
  /** utime + stime of the main thread (tid = pid), in ms. */
  mainThreadCpuMs: number;
  role: string;
}
const roleCache = new Map<number, string>();
/** What a process of the tree is, from its command line. */
function roleOf(pid: number): string {
  const known = roleCache.get(pid);
  if (known) return known;
  let role = 'other';
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    if (pid === serverPid) role = 'serve';
    else if (/checker/i.test(cmd)) role = 'checker';
    else if (/sandbox|worker/i.test(cmd)) role = 'sandbox';
    else if (/server-everything/.test(cmd)) role = 'server:everything';
    else if (/server-memory/.test(cmd)) role = 'server:memory';
    else if (/server-filesystem/.test(cmd)) role = 'server:filesystem';
    else if (/@modelcontextprotocol|mcp/i.test(cmd)) role = 'server:other';
    else role = `other: ${cmd.slice(0, 120)}`;
  } catch {
    return 'gone';
  }
  // A process read between fork and exec still shows its parent's command line: name it again on
  // the next sample instead of remembering it as "other" (a sandbox worker that replaced a retired
  // one was counted as "other processes" that way).
  if (!role.startsWith('other')) roleCache.set(pid, role);
  return role;
}
/** Every process of the tree under `root` (itself included). */
function tree(root: number): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const [pid, fields] of processTree(root)) {
    let mainThreadCpuMs = 0;
    try {
      const main = statFields(`/proc/${pid}/task/${pid}/stat`);
      mainThreadCpuMs = cpuMsOf(main);
    } catch {
      // Gone.
    }
    out.push({
      pid,
      rssKb: Number(fields[21]) * pageKb,
      cpuMs: cpuMsOf(fields),
      mainThreadCpuMs,
      role: roleOf(pid),
    });
  }
  return out;
}
const rssCounts = 'magsag serve and every process it started (sandbox and type-checker processes, MCP servers), summed from /proc/<pid>/stat; not the bench, not ps';
interface Peak {
  totalKb: number;
  serveKb: number;
  processes: number;
}
const peak: Peak = { totalKb: 0, serveKb: 0, processes: 0 };
/** The latest CPU reading of every process seen during a profiling window (a process that exits keeps its last one). */
let cpuWatch: Map<number, ProcInfo> | undefined;
const sample = (): void => {
  const now = tree(serverPid);
  peak.totalKb = Math.max(peak.totalKb, now.reduce((a, p) => a + p.rssKb, 0));
  peak.serveKb = Math.max(peak.serveKb, now.find((p) => p.pid === serverPid)?.rssKb ?? 0);
  peak.processes = Math.max(peak.processes, now.length);
  if (cpuWatch) for (const p of now) cpuWatch.set(p.pid, p);
};
const idle = tree(serverPid);
const idleRss = { totalKb: idle.reduce((a, p) => a + p.rssKb, 0), processes: idle.length };

// ---------------------------------------------------------------------------------------------
// The programs.
const normalProgram = (tag: string): string =>
  [
    "import { echo } from './servers/everything/echo';",
    "import { readGraph } from './servers/memory/readGraph';",
    `const [said, graph] = await Promise.all([echo({ message: ${JSON.stringify(tag)} }), readGraph()]);`,
    'export default { echoed: said, entities: graph.entities.length };',
  ].join('\n');

/** A program of about 250 KB: a data table pasted into the code, as an agent might, then summed. */
const bigProgram = ((): string => {
  const rows: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < 250 * 1024 - 200; i++) {
    const row = `  { id: ${i}, name: 'item-${i}', region: '${['north', 'south', 'east', 'west'][i % 4]}', amount: ${(i * 7919) % 10_000} },`;
    rows.push(row);
    bytes += row.length + 1;
  }
  return ['const rows = [', ...rows, '];', 'export default rows.reduce((sum, r) => sum + r.amount, 0);', ''].join('\n');
})();
const bigProgramRows = bigProgram.split('\n').length - 4;
const expectedBigSum = Array.from({ length: bigProgramRows }, (_, i) => (i * 7919) % 10_000).reduce((a, b) => a + b, 0);

interface Hostile {
  kind: string;
  code: string;
  timeoutMs?: number;
  /** Outcomes that count as the expected one: an error code, or `ok` (the run succeeded). */
  expect: string[];
  /** What the expected outcome means, for the report. */
  expectText: string;
  /** The answer must contain this when the outcome is `ok`. */
  okIncludes?: string;
  /** Never settles: the client cancels it when the phase ends. */
  pending?: boolean;
}
const hostilePrograms: Hostile[] = [
  {
    kind: '64 KB digit-string tool result',
    code: [
      "import { echo } from './servers/everything/echo';",
      "const said = await echo({ message: '1'.repeat(64000) + 'a' });",
      'export default said;',
    ].join('\n'),
    expect: ['ok'],
    expectText: 'succeeds (the digits are masked or cut in the answer)',
    okIncludes: '111',
  },
  {
    kind: `${Math.round(Buffer.byteLength(bigProgram) / 1024)} KB program`,
    code: bigProgram,
    expect: ['ok', 'SANDBOX_TYPECHECK'],
    expectText: `succeeds (sum ${expectedBigSum}) or SANDBOX_TYPECHECK (the checker's time budget)`,
    okIncludes: String(expectedBigSum),
  },
  {
    kind: `never settles, timeoutMs ${maxLimits.wallMs} (the maximum)`,
    code: 'await new Promise(() => {});\nexport default 1;\n',
    timeoutMs: maxLimits.wallMs,
    expect: ['pending'],
    expectText: 'still running when the phase ends; the client then cancels it and the server must record it cancelled',
    pending: true,
  },
  {
    kind: 'infinite loop',
    code: 'let n = 0;\nfor (;;) n++;\n',
    expect: ['SANDBOX_CPU_LIMIT'],
    expectText: 'SANDBOX_CPU_LIMIT (cpuMs 10 s comes before wallMs 30 s)',
  },
  {
    kind: 'memory bomb',
    code: 'const hoard: number[][] = [];\nfor (;;) hoard.push(new Array<number>(1_000_000).fill(1));\n',
    expect: ['SANDBOX_MEMORY_LIMIT'],
    expectText: 'SANDBOX_MEMORY_LIMIT',
  },
];

// ---------------------------------------------------------------------------------------------
// Clients and phases.
const answerText = (result: unknown): string => {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((b) => (b.type === 'text' ? (b.text ?? '') : '')).join('');
};
const callOptions = { timeout: 3_700_000, resetTimeoutOnProgress: false };
const connectClient = async (i: number): Promise<Client> => {
  const client = new Client({ name: `bench-serve-${i}`, version: '0.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
};

interface CallRecord {
  ms: number;
  ok: boolean;
  detail: string;
}
interface HostileRecord {
  kind: string;
  expectText: string;
  outcome: string;
  asExpected: boolean;
  seconds: number;
  detail: string;
}
interface Phase {
  name: string;
  clients: number;
  elapsedMs: number;
  stoppedBy: string;
  execute: CallRecord[];
  search: CallRecord[];
  hostile: HostileRecord[];
  peak: Peak;
  /** CPU time of this bench process (the clients) during the phase, in ms. */
  benchCpuMs: number;
}

const timedCall = async (fn: () => Promise<{ ok: boolean; detail: string }>): Promise<CallRecord> => {
  const t0 = performance.now();
  try {
    const { ok, detail } = await fn();
    return { ms: performance.now() - t0, ok, detail };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return { ms: performance.now() - t0, ok: false, detail: `${error instanceof Error ? error.message : String(error)}${cause}` };
  }
};
const executeOnce = (client: Client, tag: string): Promise<CallRecord> =>
  timedCall(async () => {
    const result = await client.callTool({ name: 'execute_code', arguments: { code: normalProgram(tag) } }, undefined, callOptions);
    const text = answerText(result);
    // The echo must come back to the client that sent it: no cross-talk between sessions.
    const ok = !result.isError && text.includes(`Echo: ${tag}`);
    return { ok, detail: ok ? '' : text.slice(0, 300) };
  });
const searchOnce = (client: Client): Promise<CallRecord> =>
  timedCall(async () => {
    const result = await client.callTool({ name: 'search_tools', arguments: { query: 'read graph' } }, undefined, callOptions);
    const text = answerText(result);
    const ok = !result.isError && text.includes('readGraph');
    return { ok, detail: ok ? '' : text.slice(0, 300) };
  });

/** Runs one hostile program to its end (or, for one that never settles, until `cancel` fires). */
async function runHostile(client: Client, h: Hostile, cancel: AbortSignal): Promise<HostileRecord> {
  const t0 = performance.now();
  const done = (outcome: string, detail = ''): HostileRecord => ({
    kind: h.kind,
    expectText: h.expectText,
    outcome,
    asExpected: h.expect.includes(outcome),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    detail,
  });
  try {
    const result = await client.callTool(
      { name: 'execute_code', arguments: { code: h.code, ...(h.timeoutMs ? { timeoutMs: h.timeoutMs } : {}) } },
      undefined,
      { ...callOptions, signal: cancel },
    );
    const text = answerText(result);
    if (result.isError) return done(/\b(SANDBOX_[A-Z_]+|USAGE|[A-Z]+_[A-Z_]+):/.exec(text)?.[1] ?? 'isError without a code', text.slice(0, 200));
    if (h.okIncludes && !text.includes(h.okIncludes)) return done('ok, but the answer lacks the expected value', text.slice(0, 200));
    return done('ok');
  } catch (error) {
    if (cancel.aborted) return done('pending');
    return done(`client error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Run records the server wrote, by status (the never-settling run must end up `cancelled`). */
function runStatuses(): Map<string, number> {
  const counts = new Map<string, number>();
  const root = path.join(stateDir, 'workspaces');
  if (!existsSync(root)) return counts;
  for (const ws of readdirSync(root)) {
    const runs = path.join(root, ws, 'runs');
    if (!existsSync(runs)) continue;
    for (const run of readdirSync(runs)) {
      try {
        const status = String((JSON.parse(readFileSync(path.join(runs, run, 'run.json'), 'utf8')) as { status?: unknown }).status);
        counts.set(status, (counts.get(status) ?? 0) + 1);
      } catch {
        // Being written.
      }
    }
  }
  return counts;
}

async function runPhase(options: { name: string; clients: number; calls: number; seconds: number; hostile?: boolean; search?: boolean }): Promise<Phase & { cancelled?: string }> {
  const clients: Client[] = [];
  for (let i = 0; i < options.clients; i++) clients.push(await connectClient(i));
  const execute: CallRecord[] = [];
  const search: CallRecord[] = [];
  let issued = 0;
  Object.assign(peak, { totalKb: 0, serveKb: 0, processes: 0 });
  const sampler = setInterval(sample, 100);
  const benchCpu = process.cpuUsage();
  const started = performance.now();
  const cap = started + options.seconds * 1000;
  const hostileRuns: Promise<HostileRecord>[] = [];
  const cancel = new AbortController();
  let hostileClient: Client | undefined;
  // A hostile phase lasts until every hostile program that can end has ended (at least the
  // minimum, at most `seconds`): the others' figures cover the whole time the hostile ones ran.
  let hostileSettledAt: number | undefined;
  if (options.hostile) {
    // The hostile client sends everything at once, at the start, from its own session.
    hostileClient = clients.shift()!;
    for (const h of hostilePrograms) hostileRuns.push(runHostile(hostileClient, h, cancel.signal));
    void Promise.all(hostilePrograms.flatMap((h, i) => (h.pending ? [] : [hostileRuns[i]!]))).then(() => (hostileSettledAt = performance.now()));
  }
  const over = (): boolean => {
    const now = performance.now();
    if (now >= cap) return true;
    if (!options.hostile) return false;
    return hostileSettledAt !== undefined && now >= Math.max(started + hostileMinSeconds * 1000, hostileSettledAt);
  };
  const clientLoop = async (client: Client, index: number): Promise<void> => {
    for (let n = 0; !over() && issued < options.calls; n++) {
      issued++;
      if (options.search) search.push(await searchOnce(client));
      if (over()) return;
      execute.push(await executeOnce(client, `${options.name} client ${index} call ${n}`));
    }
  };
  await Promise.all(clients.map((c, i) => clientLoop(c, i)));
  const elapsedMs = performance.now() - started;
  let cancelled: string | undefined;
  if (hostileClient) {
    cancel.abort();
    // The cancellation must reach the run: the server records it cancelled (and frees its slot).
    const t0 = performance.now();
    let statuses = runStatuses();
    while ((statuses.get('running') ?? 0) > 0 && performance.now() - t0 < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
      statuses = runStatuses();
    }
    const running = statuses.get('running') ?? 0;
    cancelled =
      running === 0
        ? `no run left running ${((performance.now() - t0) / 1000).toFixed(1)} s after the client cancelled (${statuses.get('cancelled') ?? 0} recorded cancelled)`
        : `${running} run(s) still running 10 s after the client cancelled`;
  }
  const hostile = await Promise.all(hostileRuns);
  const cpu = process.cpuUsage(benchCpu);
  clearInterval(sampler);
  sample();
  await Promise.all([...clients, ...(hostileClient ? [hostileClient] : [])].map((c) => c.close().catch(() => {})));
  return {
    name: options.name,
    clients: options.clients,
    elapsedMs,
    stoppedBy: issued >= options.calls ? `the call bound (${options.calls})` : `the time bound (${Math.round((elapsedMs / 1000) * 10) / 10} s)`,
    execute,
    search,
    hostile,
    peak: { ...peak },
    benchCpuMs: (cpu.user + cpu.system) / 1000,
    ...(cancelled ? { cancelled } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// CPU per call: every process's and thread's CPU from /proc over the window, and the main
// thread of each Node process split by what V8's sampling profiler saw it run.

/** Categories of main-thread time, matched against the whole stack of a sample, first rule first. */
const categoryRules: [category: string, test: (frame: { url: string; functionName: string }) => boolean][] = [
  ['masking', (f) => /\/packages\/pii\/|maskDeep/.test(f.url)],
  ['transpile', (f) => /esbuild|\/host\/transpile|tinypool/.test(f.url) || /transpile/i.test(f.functionName)],
  ['type-check', (f) => /\/typescript\/lib\/|typecheck|checker/i.test(f.url)],
  ['isolate', (f) => /isolated-vm|\/host\/isolate\.|\/guest\//.test(f.url)],
  ['bridge', (f) => /\/packages\/mcp-client\/|sandboxPool|sandboxProcess|sandboxProtocol|bridge|rpc|@modelcontextprotocol\/sdk\/dist\/\w+\/(client|shared\/stdio)|node:internal\/child_process/i.test(f.url)],
  ['runner (loader, workspace, run records)', (f) => /\/packages\/runner\//.test(f.url)],
  ['serve (HTTP, MCP server)', (f) => /\/packages\/cli\/|@modelcontextprotocol\/sdk|node:_http|node:http|hono|zod|ajv/.test(f.url)],
];
const categories = ['serve (HTTP, MCP server)', 'type-check', 'transpile', 'isolate', 'bridge', 'masking', 'runner (loader, workspace, run records)', 'GC', 'other (Node internals, (program))'];

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}
/** Splits one profile's non-idle samples into categories: ms of sampled time per category. */
function splitProfile(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categoryOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = categoryOf.get(id);
    if (known) return known;
    const leaf = byId.get(id)!.callFrame.functionName;
    let category: string;
    if (leaf === '(idle)') category = 'idle';
    else if (leaf === '(garbage collector)') category = 'GC';
    else {
      const stack: { url: string; functionName: string }[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!.callFrame);
      category = categoryRules.find(([, test]) => stack.some(test))?.[0] ?? 'other (Node internals, (program))';
    }
    categoryOf.set(id, category);
    return category;
  };
  const ms = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    // Each sample stands for the time until the next one.
    const delta = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const category = classify(profile.samples[i]!);
    ms.set(category, (ms.get(category) ?? 0) + delta);
  }
  return ms;
}

const roleClass = (role: string): string => (role.startsWith('server:') ? 'MCP servers' : role.startsWith('other') ? 'other processes' : role);
const processClasses = ['serve', 'checker', 'sandbox', 'MCP servers', 'other processes'];
interface CpuBreakdown {
  calls: number;
  windowSeconds: number;
  /** ms of CPU per call: category → process class → ms. */
  perCall: Record<string, Record<string, number>>;
  /** Whole-process CPU per call (from /proc), by process class. */
  processPerCall: Record<string, number>;
  processes: Record<string, number>;
  profiles: number;
  benchCpuPerCallMs: number;
  notes: string[];
}

async function profilePhase(): Promise<{ phase: Phase; breakdown: CpuBreakdown }> {
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(profileDir);
  cpuWatch = new Map();
  const before = new Map(tree(serverPid).map((p) => [p.pid, p]));
  writeFileSync(path.join(profileDir, 'on'), '');
  // The hooks poll every 200 ms: let every process start its profiler before the clients do.
  await new Promise((r) => setTimeout(r, 400));
  const phase = await runPhase({ name: 'profile', clients: clientCount, calls: Number.MAX_SAFE_INTEGER, seconds: profileSeconds });
  sample();
  rmSync(path.join(profileDir, 'on'));
  const after = cpuWatch;
  cpuWatch = undefined;
  await new Promise((r) => setTimeout(r, 1000));
  const calls = phase.execute.filter((r) => r.ok).length;
  const perCall: Record<string, Record<string, number>> = Object.fromEntries(categories.map((c) => [c, {}]));
  const add = (category: string, cls: string, ms: number): void => {
    const row = (perCall[category] ??= {});
    row[cls] = (row[cls] ?? 0) + ms / Math.max(1, calls);
  };
  const processPerCall: Record<string, number> = {};
  const processes: Record<string, number> = {};
  const mainThreadMs = new Map<number, number>();
  const otherThreadMs = new Map<number, number>();
  for (const [pid, p] of after) {
    const b = before.get(pid);
    const cpuMs = p.cpuMs - (b?.cpuMs ?? 0);
    const mainMs = p.mainThreadCpuMs - (b?.mainThreadCpuMs ?? 0);
    const cls = roleClass(p.role);
    processPerCall[cls] = (processPerCall[cls] ?? 0) + cpuMs / Math.max(1, calls);
    processes[cls] = (processes[cls] ?? 0) + 1;
    if (cls === 'MCP servers' || cls === 'other processes') {
      add(cls === 'MCP servers' ? 'servers' : 'other processes', cls, cpuMs);
      continue;
    }
    mainThreadMs.set(pid, mainMs);
    otherThreadMs.set(pid, Math.max(0, cpuMs - mainMs));
  }
  // Main threads: their /proc CPU, split in the proportions their profile's non-idle samples show.
  const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
  const splitByPid = new Map<number, Map<string, number>>();
  const workerSplitByPid = new Map<number, Map<string, number>>();
  for (const file of files) {
    const [pid, thread] = file.split('-').map(Number) as [number, number];
    const split = splitProfile(JSON.parse(readFileSync(path.join(profileDir, file), 'utf8')) as CpuProfile);
    const into = thread === 0 ? splitByPid : workerSplitByPid;
    const sum = into.get(pid) ?? new Map<string, number>();
    for (const [c, v] of split) sum.set(c, (sum.get(c) ?? 0) + v);
    into.set(pid, sum);
  }
  // Threads other than the main one: worker threads (node:worker_threads) have their own profile;
  // what is left is V8's helper threads, libuv's pool, and in sandbox processes isolated-vm's
  // threads, which run the guest's code. /proc cannot tell a worker thread's tid from Node's
  // threadId, so a worker's sampled busy time stands for its CPU (scaled down if it exceeds the
  // CPU of all other threads together).
  for (const [pid, otherMs] of otherThreadMs) {
    const cls = roleClass(after.get(pid)!.role);
    const workers = workerSplitByPid.get(pid);
    const busy = workers ? [...workers].filter(([c]) => c !== 'idle').reduce((a, [, v]) => a + v, 0) : 0;
    const scale = busy > otherMs ? otherMs / busy : 1;
    for (const [category, v] of workers ?? []) if (category !== 'idle') add(category, cls, v * scale);
    add(cls === 'sandbox' ? 'isolate' : 'other threads (V8 GC and compiler helpers, libuv pool)', cls, otherMs - busy * scale);
  }
  const notes: string[] = [];
  let unprofiled = 0;
  for (const [pid, mainMs] of mainThreadMs) {
    const cls = roleClass(after.get(pid)!.role);
    const split = splitByPid.get(pid);
    const busy = split ? [...split].filter(([c]) => c !== 'idle').reduce((a, [, v]) => a + v, 0) : 0;
    if (!split || busy === 0) {
      unprofiled++;
      add(cls === 'checker' ? 'type-check' : 'other (Node internals, (program))', cls, mainMs);
      continue;
    }
    for (const [category, v] of split) if (category !== 'idle') add(category, cls, (mainMs * v) / busy);
  }
  if (unprofiled > 0) notes.push(`${unprofiled} process(es) had no profile (started or ended outside the window); their main-thread CPU is counted whole under their role.`);
  const gone = [...after.keys()].filter((pid) => !tree(serverPid).some((p) => p.pid === pid)).length;
  if (gone > 0) notes.push(`${gone} process(es) ended during the window; their CPU counts up to the last 100 ms sample.`);
  return {
    phase,
    breakdown: {
      calls,
      windowSeconds: phase.elapsedMs / 1000,
      perCall,
      processPerCall,
      processes,
      profiles: files.length,
      benchCpuPerCallMs: phase.benchCpuMs / Math.max(1, calls),
      notes,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The run.

// One warm-up call starts the demo servers before the clock runs.
{
  const client = await connectClient(-1);
  const warm = await client.callTool({ name: 'execute_code', arguments: { code: normalProgram('warm-up') } }, undefined, callOptions);
  if (warm.isError) throw new Error(`warm-up execute_code failed: ${answerText(warm)}`);
  await client.close();
}
say(`bench:serve: ${url} (pid ${serverPid}), ${machineText}, load average ${machine.loadAverageAtStart.join(' ')}`);
say(`main phase: ${clientCount} clients, up to ${mainSeconds} s or ${mainCalls} calls…`);
const main = await runPhase({ name: 'main', clients: clientCount, calls: mainCalls, seconds: mainSeconds });
say(`small phase: ${smallClients} clients, ${smallSeconds} s…`);
const small = await runPhase({ name: 'small', clients: smallClients, calls: Number.MAX_SAFE_INTEGER, seconds: smallSeconds });
let profiled: Awaited<ReturnType<typeof profilePhase>> | undefined;
if (profiling) {
  say(`profile phase: ${clientCount} clients, ${profileSeconds} s, every server process profiled…`);
  profiled = await profilePhase();
}
let hostile: (Phase & { cancelled?: string }) | undefined;
if (hostileOn) {
  say(`hostile phase: ${clientCount - 1} clients + 1 hostile client, ${hostileMinSeconds}–${hostileSeconds} s…`);
  hostile = await runPhase({ name: 'hostile', clients: clientCount, calls: Number.MAX_SAFE_INTEGER, seconds: hostileSeconds, hostile: true, search: true });
}
const loadAverageAtEnd = loadavg().map((n) => Math.round(n * 100) / 100);
killServer();
rmSync(stateDir, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------
// Report.
const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
};
const round = (n: number, digits = 0): number => Math.round(n * 10 ** digits) / 10 ** digits;
const mibOf = (kb: number): number => round(kb / 1024);
const stats = (records: CallRecord[], elapsedMs: number) => {
  const latencies = records.map((r) => r.ms);
  const failures = records.filter((r) => !r.ok);
  return {
    calls: records.length,
    callsPerSecond: round(records.filter((r) => r.ok).length / (elapsedMs / 1000), 1),
    latencyMs: { p50: round(pct(latencies, 50)), p95: round(pct(latencies, 95)), p99: round(pct(latencies, 99)), max: round(Math.max(...latencies)) },
    failures: failures.length,
    failureSamples: [...new Set(failures.map((f) => f.detail.split('\n').filter(Boolean).at(-1) ?? f.detail))].slice(0, 5),
  };
};
const phaseJson = (phase: Phase) => ({
  clients: phase.clients,
  seconds: round(phase.elapsedMs / 1000, 1),
  stoppedBy: phase.stoppedBy,
  executeCode: stats(phase.execute, phase.elapsedMs),
  ...(phase.search.length ? { searchTools: stats(phase.search, phase.elapsedMs) } : {}),
  peakRss: { totalMiB: mibOf(phase.peak.totalKb), processes: phase.peak.processes, serveProcessMiB: mibOf(phase.peak.serveKb), counts: rssCounts },
  benchCpuMsPerCall: round(phase.benchCpuMs / Math.max(1, phase.execute.length), 1),
});
const m = phaseJson(main);
const s = phaseJson(small);
const h = hostile ? phaseJson(hostile) : undefined;
const ratio = m.executeCode.callsPerSecond / s.executeCode.callsPerSecond;

interface Target {
  name: string;
  value: number | string;
  target: string;
  met: boolean;
}
const targets: Target[] = [
  { name: `throughput, ${clientCount} clients (calls/s)`, value: m.executeCode.callsPerSecond, target: '≥ 100', met: m.executeCode.callsPerSecond >= 100 },
  { name: `p99 latency, ${clientCount} clients (ms)`, value: m.executeCode.latencyMs.p99, target: '≤ 1000', met: m.executeCode.latencyMs.p99 <= 1000 },
  { name: 'failures among normal calls', value: m.executeCode.failures + s.executeCode.failures, target: '0', met: m.executeCode.failures + s.executeCode.failures === 0 },
  { name: 'peak RSS of the whole process tree (MiB)', value: m.peakRss.totalMiB, target: '≤ 1536', met: m.peakRss.totalMiB <= 1536 },
  { name: `throughput ${clientCount} clients ÷ ${smallClients} clients`, value: round(ratio, 2), target: '≥ 0.90', met: ratio >= 0.9 },
];
if (hostile && h) {
  const others = h.searchTools!;
  targets.push(
    { name: "hostile mix: others' search_tools p99 (ms)", value: others.latencyMs.p99, target: '≤ 250', met: others.latencyMs.p99 <= 250 },
    { name: "hostile mix: others' execute_code p99 (ms)", value: h.executeCode.latencyMs.p99, target: '≤ 1500', met: h.executeCode.latencyMs.p99 <= 1500 },
    { name: "hostile mix: failures among the others' calls", value: h.executeCode.failures + others.failures, target: '0', met: h.executeCode.failures + others.failures === 0 },
    {
      name: 'hostile mix: each hostile program ends with its expected outcome',
      value: hostile.hostile.filter((r) => r.asExpected).length,
      target: `${hostile.hostile.length} (all)`,
      met: hostile.hostile.every((r) => r.asExpected) && (hostile.cancelled ?? '').startsWith('no run left'),
    },
  );
}

const ms1 = (n: number | undefined): string => (n === undefined || n === 0 ? '' : n < 0.05 ? '<0.1' : n.toFixed(1));
const breakdownRows = (b: CpuBreakdown): string[] => {
  const cols = processClasses.filter((c) => (b.processes[c] ?? 0) > 0);
  const rows = Object.entries(b.perCall).filter(([, byClass]) => Object.values(byClass).some((v) => v > 0));
  const total = (byClass: Record<string, number>): number => Object.values(byClass).reduce((a, v) => a + v, 0);
  const all = rows.reduce((a, [, byClass]) => a + total(byClass), 0);
  return [
    `| category | ${cols.map((c) => `${c} (${b.processes[c]})`).join(' | ')} | total ms/call | share |`,
    `|---|${cols.map(() => '---:|').join('')}---:|---:|`,
    ...rows
      .sort((x, y) => total(y[1]) - total(x[1]))
      .map(([category, byClass]) => `| ${category} | ${cols.map((c) => ms1(byClass[c])).join(' | ')} | ${total(byClass).toFixed(1)} | ${((100 * total(byClass)) / all).toFixed(0)}% |`),
    `| **all processes (from /proc)** | ${cols.map((c) => ms1(b.processPerCall[c])).join(' | ')} | ${all.toFixed(1)} | 100% |`,
  ];
};

const latencyText = (x: ReturnType<typeof stats>): string => `${x.latencyMs.p50} / ${x.latencyMs.p95} / ${x.latencyMs.p99} / ${x.latencyMs.max} ms`;
const failureText = (x: ReturnType<typeof stats>): string =>
  x.failures === 0 ? '0' : `${x.failures} (${x.failureSamples.map((f) => f.replace(/\|/g, '\\|').slice(0, 160)).join('; ')})`;
const lines = [
  `Machine: ${machineText}; load average ${machine.loadAverageAtStart.join(' ')} at the start, ${loadAverageAtEnd.join(' ')} at the end (other work on the machine makes the figures noisy). Run on ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
  '',
  '| figure | value | target | met |',
  '|---|---|---|---|',
  `| ${clientCount} clients: \`execute_code\` calls | ${m.executeCode.calls} in ${m.seconds} s, stopped by ${m.stoppedBy} | | |`,
  `| ${clientCount} clients: throughput | ${m.executeCode.callsPerSecond} calls/s (each call makes 2 demo-server tool calls) | ≥ 100 | ${targets[0]!.met ? 'yes' : 'no'} |`,
  `| ${clientCount} clients: latency p50 / p95 / p99 / max | ${latencyText(m.executeCode)} | p99 ≤ 1000 ms | ${targets[1]!.met ? 'yes' : 'no'} |`,
  `| ${smallClients} clients for ${s.seconds} s | ${s.executeCode.calls} calls, ${s.executeCode.callsPerSecond} calls/s, p50 / p95 / p99 / max ${latencyText(s.executeCode)} | | |`,
  `| throughput ${clientCount} ÷ ${smallClients} clients | ${round(ratio, 2)} | ≥ 0.90 | ${targets[4]!.met ? 'yes' : 'no'} |`,
  `| failures among normal calls | ${failureText(m.executeCode)} with ${clientCount} clients, ${failureText(s.executeCode)} with ${smallClients} | 0 | ${targets[2]!.met ? 'yes' : 'no'} |`,
  `| peak RSS, whole process tree: serve, its sandbox and checker processes, MCP servers | ${m.peakRss.totalMiB} MiB in up to ${m.peakRss.processes} processes with ${clientCount} clients (idle before the load: ${mibOf(idleRss.totalKb)} MiB in ${idleRss.processes}); ${s.peakRss.totalMiB} MiB with ${smallClients} | ≤ 1536 MiB | ${targets[3]!.met ? 'yes' : 'no'} |`,
  `| peak RSS, the serve process alone | ${m.peakRss.serveProcessMiB} MiB | | |`,
  `| CPU of the load generator (the bench's own process, not counted above) | ${m.benchCpuMsPerCall} ms per call | | |`,
];
const hostileLines: string[] = [];
if (hostile && h) {
  const others = h.searchTools!;
  hostileLines.push(
    `With one hostile client among ${clientCount} (${hostile.clients - 1} others alternating \`search_tools\` and \`execute_code\` for ${h.seconds} s; the hostile client sends all its programs at once at the start):`,
    '',
    '| figure | value | target | met |',
    '|---|---|---|---|',
    `| others' \`search_tools\` p50 / p95 / p99 / max | ${latencyText(others)} (${others.calls} calls) | p99 ≤ 250 ms | ${others.latencyMs.p99 <= 250 ? 'yes' : 'no'} |`,
    `| others' \`execute_code\` p50 / p95 / p99 / max | ${latencyText(h.executeCode)} (${h.executeCode.calls} calls, ${h.executeCode.callsPerSecond} calls/s) | p99 ≤ 1500 ms | ${h.executeCode.latencyMs.p99 <= 1500 ? 'yes' : 'no'} |`,
    `| failures among the others' calls | ${failureText(h.executeCode)} \`execute_code\`, ${failureText(others)} \`search_tools\` | 0 | ${h.executeCode.failures + others.failures === 0 ? 'yes' : 'no'} |`,
    `| peak RSS, whole process tree | ${h.peakRss.totalMiB} MiB in up to ${h.peakRss.processes} processes | | |`,
    ...hostile.hostile.map(
      (r) =>
        `| hostile: ${r.kind} | ${r.outcome === 'pending' ? `still running after ${r.seconds} s, then cancelled: ${hostile!.cancelled}` : `${r.outcome} after ${r.seconds} s`}${r.asExpected || !r.detail ? '' : ` (${r.detail.replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 120)})`} | ${r.expectText} | ${r.asExpected && (r.outcome !== 'pending' || (hostile!.cancelled ?? '').startsWith('no run left')) ? 'yes' : 'no'} |`,
    ),
  );
}
const breakdownLines: string[] = [];
if (profiled) {
  const b = profiled.breakdown;
  breakdownLines.push(
    `Where one call's CPU goes (${b.calls} \`execute_code\` calls from ${clientCount} clients in ${b.windowSeconds.toFixed(1)} s, ${profiled.phase.execute.length - b.calls} failed; ms of CPU per call; in parentheses, how many processes of each kind ran):`,
    '',
    ...breakdownRows(b),
    '',
    `The load generator (the bench's own process, 50 MCP clients) used ${b.benchCpuPerCallMs.toFixed(1)} ms of CPU per call besides, on the same ${machine.cpus} CPUs.${b.notes.length ? ` ${b.notes.join(' ')}` : ''}`,
  );
}

say();
say('# magsag serve --http under load (pnpm bench:serve)');
say();
for (const line of [...lines, '', ...hostileLines, '', ...breakdownLines]) say(line);
for (const f of [...main.execute, ...small.execute, ...(hostile?.execute ?? []), ...(hostile?.search ?? [])].filter((r) => !r.ok).slice(0, 5)) say(`failure: ${f.detail}`);
const missed = targets.filter((t) => !t.met);
say();
say(missed.length === 0 ? 'All targets met.' : `Targets MISSED: ${missed.map((t) => `${t.name} = ${t.value} (target ${t.target})`).join('; ')}.`);

const method = [
  'Method: `pnpm bench:serve` (bench/serve.ts) runs `pnpm build`, then starts the built CLI as a user runs it,',
  '`node packages/cli/bin/magsag.js serve --http 0` on 127.0.0.1 (type-checking on, the default; state in a temporary',
  'folder), and connects MCP SDK clients over streamable HTTP. Each normal program calls everything/echo (with a message',
  'unique to the client and call, checked in the answer) and memory/readGraph concurrently and returns a small object.',
  `Phases, one after another on the same server: ${clientCount} clients back to back for ${mainSeconds} s or ${mainCalls} calls (\`--clients\`,`,
  `\`--seconds\`, \`--calls\`); ${smallClients} clients for ${smallSeconds} s (\`--small-clients\`, \`--small-seconds\`); the profiled load below`,
  `(${profileSeconds} s, \`--profile-seconds\`, \`--no-profile\`); and the hostile mix: ${clientCount - 1} clients alternating \`search_tools\` (query`,
  `"read graph") and \`execute_code\` while one more client sends, all at once, a program whose tool result is`,
  "`'1'.repeat(64000) + 'a'` (through everything/echo), a 250 KB program (a pasted table of rows, summed), a run that",
  `never settles (\`await new Promise(() => {})\`) with \`timeoutMs\` ${maxLimits.wallMs} (the runner's \`maxLimits.wallMs\`, the largest`,
  'serve accepts), an infinite loop and a memory bomb (default limits). The hostile phase lasts until every hostile program',
  `that can end has ended (at least ${hostileMinSeconds} s, at most ${hostileSeconds} s, \`--hostile-seconds\`, \`--no-hostile\`); then the client cancels`,
  'the one that never settles and the bench waits for the server to record it cancelled. Latency is the client-side',
  'time of one call; failures are calls that returned an error or a wrong echo. Peak RSS sums `/proc/<pid>/stat` RSS over',
  'the serve process and all its descendants (sandbox and checker processes, MCP servers), sampled every 100 ms; it',
  'never counts the bench or `ps`. `--json` prints every figure as one JSON document on stdout.',
  '',
  'CPU breakdown: during the profiled phase every Node process of the server tree runs V8\'s sampling profiler',
  '(bench/profileHook.mjs, loaded through `NODE_OPTIONS=--import`, switched on and off together by a marker file).',
  'Each process\'s CPU time and its main thread\'s come from `/proc/<pid>/stat` and `/proc/<pid>/task/<pid>/stat` at',
  'the start and end of the window. A main thread\'s CPU is split by the share of its non-idle samples whose stack holds,',
  'first rule first: `packages/pii` or `maskDeep` (masking); esbuild or a `transpile` function (transpile); the',
  'TypeScript compiler or the checker (type-check); isolated-vm or the isolate and guest files (isolate); the MCP client,',
  'the sandbox pool, process or protocol, or IPC (bridge); other runner files (runner); the CLI, the MCP SDK server or',
  "Node's HTTP (serve). Worker threads are split the same way by their own profiles; the rest of a process's other",
  "threads' CPU goes to isolate in sandbox processes (isolated-vm runs guest code on its own threads) and to \"other",
  "threads\" elsewhere; the MCP servers' CPU is counted whole. Everything is divided",
  'by the calls that completed in the window. The profiler costs a little CPU itself, so the main figures above come from',
  'the unprofiled phases.',
];

updatePerformancePage(paths.root, 'serve', [
  '## `magsag serve --http` under load (`pnpm bench:serve`)',
  '',
  ...lines,
  '',
  ...(hostileLines.length ? [...hostileLines, ''] : []),
  ...(breakdownLines.length ? [...breakdownLines, ''] : []),
  ...method,
]);

// The whole report as one JSON document: bench/results/serve.json (the UI's Benchmarks tab reads
// it), and stdout with --json.
{
  const document = `${JSON.stringify(
      {
        bench: 'serve',
        date: startedAt.toISOString(),
        machine: { ...machine, loadAverageAtEnd },
        server: { command: `node ${path.relative(paths.root, bin)} ${serverArgs.slice(1).join(' ')}`, typecheck: true, url },
        phases: {
          main: m,
          small: s,
          ...(profiled ? { profile: phaseJson(profiled.phase) } : {}),
          ...(hostile && h
            ? { hostile: { ...h, hostilePrograms: hostile.hostile, cancellation: hostile.cancelled, hostileClient: 'one of the clients; its calls are not in executeCode / searchTools' } }
            : {}),
        },
        throughputRatio: { clients: [clientCount, smallClients], value: round(ratio, 3) },
        idleRss: { totalMiB: mibOf(idleRss.totalKb), processes: idleRss.processes, counts: rssCounts },
        ...(profiled
          ? {
              cpuPerCall: {
                unit: 'ms of CPU per completed execute_code call',
                ...profiled.breakdown,
                perCall: Object.fromEntries(Object.entries(profiled.breakdown.perCall).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([c, x]) => [c, round(x, 2)]))])),
                processPerCall: Object.fromEntries(Object.entries(profiled.breakdown.processPerCall).map(([c, x]) => [c, round(x, 2)])),
              },
            }
          : {}),
        targets,
      },
      null,
      2,
    )}\n`;
  mkdirSync(path.join(paths.root, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(paths.root, 'bench', 'results', 'serve.json'), document);
  if (json) process.stdout.write(document);
}
// Figures are measured, never asserted: a missed target is printed, not an exit code.
process.exit(0);
