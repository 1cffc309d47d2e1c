// pnpm bench:replicas — `magsag serve --http` replicas on one PostgreSQL, as an operator runs them:
// the built JavaScript, `--store postgres://…`, MAGSAG_VAULT_KEY from the environment, a balancer
// that routes each session to the replica named in its id (test/support/balancer.ts: what the
// NGINX map in docs/operations/scale-out.md does). The same client load runs against 1 replica and
// then 2, each on a fresh database of one throwaway cluster (test/support/postgres.ts).
//
// Every run is a program an agent would send: it reads a file of its workspace, calls the
// everything server's echo with a message holding an e-mail address (so the PII vault and the
// audit log get rows), writes the file back and returns a summary. Each client keeps its own
// workspace across its runs.
//
// Reported per configuration: throughput, latency percentiles, CPU per run (the replicas' process
// trees: serve, sandbox workers, type-checker, MCP servers; and PostgreSQL's), the store's SQL
// statements per run (the replicas' own magsag_store_queries_total) and bytes per run (counted by
// a TCP relay between the replicas and PostgreSQL). On 2 shared cores two replicas cannot be
// faster than one: the figures are the per-run costs the capacity model in
// docs/operations/scale-out.md is built from. Nothing is asserted.
//
//   pnpm bench:replicas [--json] [--clients 8] [--runs 20]   (runs per client)
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startBalancer } from '../test/support/balancer.ts';
import { untilListening } from '../test/support/listening.ts';
import { postgresUnavailable, startPostgres } from '../test/support/postgres.ts';
import { treeCpuMs } from './proc.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const json = argv.includes('--json');
const say = (line = ''): void => void (json ? process.stderr : process.stdout).write(`${line}\n`);
const setting = (flag: string, fallback: number): number => {
  const at = argv.indexOf(`--${flag}`);
  if (at < 0) return fallback;
  const n = Number(argv[at + 1]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${flag} takes a positive whole number, got "${argv[at + 1]}"`);
  return n;
};
const clients = setting('clients', 8);
const runsPerClient = setting('runs', 20);

const unavailable = postgresUnavailable();
if (unavailable) {
  say(`bench:replicas needs PostgreSQL: ${unavailable}`);
  process.exit(1);
}

/** A TCP relay in front of PostgreSQL that counts the bytes each way. */
async function byteCounter(target: { host: string; port: number }): Promise<{ port: number; bytes: () => { toStore: number; fromStore: number }; close: () => Promise<void> }> {
  let toStore = 0;
  let fromStore = 0;
  const server: Server = createServer((socket) => {
    const upstream = connect(target.port, target.host);
    socket.on('data', (chunk: Buffer) => void (toStore += chunk.length));
    upstream.on('data', (chunk: Buffer) => void (fromStore += chunk.length));
    socket.pipe(upstream).pipe(socket);
    const end = (): void => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', end);
    upstream.on('error', end);
    socket.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    bytes: () => ({ toStore, fromStore }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Replica {
  name: string;
  child: ChildProcess;
  url: URL;
  stderr: () => string;
}

async function startReplica(name: string, storeUrl: string, env: Record<string, string>): Promise<Replica> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'packages/cli/bin/magsag.js'), 'serve', '--http', '0', '--replica', name, '--store', storeUrl], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MAGSAG_SERVE_TOKEN: '', MAGSAG_SERVE_TOKENS: '', ...env },
  });
  const { url, stderr } = await untilListening(child, `replica ${name}`);
  return { name, child, url, stderr };
}

/** magsag_store_queries_total by operation (`INSERT magsag_files`), from a replica's /metrics. */
async function storeQueries(replica: Replica): Promise<Map<string, number>> {
  const text = await (await fetch(new URL('/metrics', replica.url))).text();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('magsag_store_queries_total{')) continue;
    const operation = /operation="([^"]*)"/.exec(line)?.[1] ?? '?';
    counts.set(operation, (counts.get(operation) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/** The sum of several replicas' counts, by operation. */
async function allStoreQueries(replicas: Replica[]): Promise<Map<string, number>> {
  const total = new Map<string, number>();
  for (const counts of await Promise.all(replicas.map(storeQueries))) for (const [k, v] of counts) total.set(k, (total.get(k) ?? 0) + v);
  return total;
}

/** CPU of PostgreSQL's processes (the postmaster and its backends), in ms. */
function postgresCpuMs(dataDir: string): number {
  const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return treeCpuMs(pid);
}

const program = (n: number): string => `import { echo } from './servers/everything/echo';
let count = 0;
try { count = JSON.parse(await workspace.read('count.json')).count; } catch {}
const said = await echo({ message: 'run ${n} for client-${n % 1000}@example.com' });
await workspace.write('count.json', { count: count + 1, said });
export default { count: count + 1 };
`;

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface Figures {
  replicas: number;
  clients: number;
  runs: number;
  failures: number;
  seconds: number;
  runsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  cpuMsPerRun: { replicas: number; postgres: number };
  store: { queriesPerRun: number; statementsPerRun: Record<string, number>; bytesPerRun: { toStore: number; fromStore: number } };
  requestsPerReplica: Record<string, number>;
}

async function measure(replicaCount: number, cluster: Awaited<ReturnType<typeof startPostgres>>): Promise<Figures> {
  const database = `bench_${replicaCount}_${randomBytes(3).toString('hex')}`;
  cluster.createDatabase(database);
  const relay = await byteCounter({ host: cluster.host, port: cluster.port });
  const storeUrl = `postgres://magsag@127.0.0.1:${relay.port}/${database}`;
  const env = { MAGSAG_VAULT_KEY: randomBytes(32).toString('hex'), MAGSAG_STATE_DIR: path.join(cluster.dir, `state-${database}`) };
  mkdirSync(env.MAGSAG_STATE_DIR, { recursive: true });
  const replicas: Replica[] = [];
  // One after the other: the first migrates the schema.
  for (let i = 0; i < replicaCount; i++) replicas.push(await startReplica(`r${i + 1}`, storeUrl, env));
  const balancer = await startBalancer(Object.fromEntries(replicas.map((r) => [r.name, r.url])));
  try {
    const sessions: { client: Client; workspace: string | undefined }[] = [];
    for (let c = 0; c < clients; c++) {
      const client = new Client({ name: `bench-${c}`, version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(balancer.url));
      sessions.push({ client, workspace: undefined });
    }
    const call = async (s: (typeof sessions)[number], n: number): Promise<boolean> => {
      const result = (await s.client.callTool({ name: 'execute_code', arguments: { code: program(n), ...(s.workspace ? { workspace: s.workspace } : {}) } }, undefined, { timeout: 120_000 })) as { content: { text: string }[]; isError?: boolean };
      const text = result.content.map((b) => b.text).join('');
      s.workspace ??= /^workspace (\S+)/.exec(text)?.[1];
      return result.isError !== true;
    };
    // Warm-up: every session's first run (workspace made, type-checker and workers warm).
    await Promise.all(sessions.map((s, c) => call(s, c)));
    const cpuBefore = replicas.reduce((sum, r) => sum + treeCpuMs(r.child.pid!), 0);
    const pgBefore = postgresCpuMs(path.join(cluster.dir, 'data'));
    const queriesBefore = await allStoreQueries(replicas);
    const bytesBefore = relay.bytes();
    const countsBefore = { ...balancer.counts };
    const latencies: number[] = [];
    let failures = 0;
    const started = performance.now();
    await Promise.all(
      sessions.map(async (s, c) => {
        for (let i = 0; i < runsPerClient; i++) {
          const t = performance.now();
          const ok = await call(s, c * 1000 + i).catch(() => false);
          latencies.push(performance.now() - t);
          if (!ok) failures++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const runs = clients * runsPerClient;
    const cpu = replicas.reduce((sum, r) => sum + treeCpuMs(r.child.pid!), 0) - cpuBefore;
    const pgCpu = postgresCpuMs(path.join(cluster.dir, 'data')) - pgBefore;
    const queriesAfter = await allStoreQueries(replicas);
    const byOperation = [...queriesAfter]
      .map(([operation, n]) => [operation, (n - (queriesBefore.get(operation) ?? 0)) / (clients * runsPerClient)] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
    const queries = byOperation.reduce((sum, [, n]) => sum + n, 0) * clients * runsPerClient;
    const bytes = relay.bytes();
    latencies.sort((a, b) => a - b);
    await Promise.all(sessions.map((s) => s.client.close().catch(() => {})));
    return {
      replicas: replicaCount,
      clients,
      runs,
      failures,
      seconds: Number(seconds.toFixed(2)),
      runsPerSecond: Number((runs / seconds).toFixed(2)),
      latencyMs: { p50: Math.round(percentile(latencies, 50)), p90: Math.round(percentile(latencies, 90)), p99: Math.round(percentile(latencies, 99)), max: Math.round(latencies.at(-1) ?? NaN) },
      cpuMsPerRun: { replicas: Number((cpu / runs).toFixed(1)), postgres: Number((pgCpu / runs).toFixed(1)) },
      store: {
        queriesPerRun: Number((queries / runs).toFixed(1)),
        statementsPerRun: Object.fromEntries(byOperation.map(([operation, n]) => [operation, Number(n.toFixed(2))])),
        bytesPerRun: { toStore: Math.round((bytes.toStore - bytesBefore.toStore) / runs), fromStore: Math.round((bytes.fromStore - bytesBefore.fromStore) / runs) },
      },
      requestsPerReplica: Object.fromEntries(Object.entries(balancer.counts).map(([k, v]) => [k, v - (countsBefore[k] ?? 0)])),
    };
  } finally {
    await balancer.close();
    for (const r of replicas) r.child.kill('SIGTERM');
    await Promise.all(replicas.map((r) => new Promise((resolve) => (r.child.exitCode !== null ? resolve(null) : r.child.once('exit', resolve)))));
    await relay.close();
  }
}

const cluster = await startPostgres();
try {
  say(`bench:replicas: ${clients} clients x ${runsPerClient} runs, PostgreSQL ${cluster.version} (throwaway cluster), ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}`);
  const results: Figures[] = [];
  for (const n of [1, 2]) {
    const figures = await measure(n, cluster);
    results.push(figures);
    say(
      `${n} replica${n > 1 ? 's' : ' '}: ${figures.runsPerSecond} runs/s, p50 ${figures.latencyMs.p50} ms, p99 ${figures.latencyMs.p99} ms, ` +
        `CPU/run ${figures.cpuMsPerRun.replicas} ms (replicas) + ${figures.cpuMsPerRun.postgres} ms (PostgreSQL), ` +
        `${figures.store.queriesPerRun} statements/run, ${figures.store.bytesPerRun.toStore} B to and ${figures.store.bytesPerRun.fromStore} B from the store per run, ` +
        `${figures.failures} failures; requests ${JSON.stringify(figures.requestsPerReplica)}`,
    );
    say(`  statements per run: ${Object.entries(figures.store.statementsPerRun).map(([op, n]) => `${op} ${n}`).join(', ')}`);
  }
  const report = {
    bench: 'replicas',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, memGb: Math.round(totalmem() / 2 ** 30), node: process.version, postgres: cluster.version },
    workload: 'execute_code: read a workspace file, everything/echo with an e-mail address (vault + audit rows), write the file back',
    results,
  };
  mkdirSync(path.join(repoRoot, 'bench/results'), { recursive: true });
  writeFileSync(path.join(repoRoot, 'bench/results/replicas.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  say('written: bench/results/replicas.json');
} finally {
  await cluster.stop();
}
