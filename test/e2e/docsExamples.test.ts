// Every fenced code block of the Markdown files (README, docs/, package READMEs, SKILL.md, ...), run
// as written: programs through `magsag exec`, library examples with tsx, shell blocks line by line,
// server YAML through the real loader, JSON parsed and checked. A block that cannot run here says so
// with `<!-- example: not run: <reason> -->` right before its fence (or `run by .ci/run` /
// `run by pnpm verify`, checked against those, or `same as <file>`, compared with it); a block that
// is neither run nor marked fails the first test. An example that stops working fails here, not for
// a reader.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { parseServerConfig } from '@magsag/mcp-client/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs, rawPost, repoRoot } from './helpers.ts';

interface Block {
  file: string;
  line: number;
  lang: string;
  body: string;
  /** The text of an `<!-- example: ... -->` comment right before the fence. */
  marker: string | undefined;
}

/** The fenced blocks of one Markdown file; a block indented under a list item is dedented. */
function blocksOf(file: string): Block[] {
  const lines = readFileSync(path.join(repoRoot, file), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent = '', fence = '', lang = ''] = open;
    let end = i + 1;
    while (end < lines.length && lines[end]!.trim() !== fence) end++;
    const body = lines
      .slice(i + 1, end)
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart()))
      .join('\n');
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const marker = /^\s*<!--\s*example:\s*(.*?)\s*-->\s*$/.exec(lines[before] ?? '')?.[1];
    out.push({ file, line: i + 1, lang, body, marker });
    i = end;
  }
  return out;
}

const markdownFiles = spawnSync('git', ['ls-files', '*.md'], { cwd: repoRoot, encoding: 'utf8' })
  .stdout.split('\n')
  .filter((file) => file !== '' && file !== 'CHANGELOG.md' && existsSync(path.join(repoRoot, file)));
const blocks = markdownFiles.flatMap(blocksOf);
const where = (block: Block): string => `${block.file}:${block.line}`;

type Plan =
  | { kind: 'notRun'; reason: string }
  | { kind: 'runBy'; by: '.ci/run' | 'pnpm verify' | 'pnpm test:packages' }
  | { kind: 'sameAs'; file: string }
  | { kind: 'program'; approve?: string[] }
  | { kind: 'library' }
  | { kind: 'serverYaml' }
  | { kind: 'mcpServersJson' }
  | { kind: 'tarballDependencies' }
  | { kind: 'shell' };

/** How a block is checked, or undefined when it is neither runnable nor marked. */
function planOf(block: Block): Plan | undefined {
  const marker = block.marker;
  if (marker !== undefined) {
    const notRun = /^not run: (.+)$/.exec(marker);
    if (notRun) return { kind: 'notRun', reason: notRun[1]! };
    if (marker === 'run by .ci/run' || marker === 'run by pnpm verify' || marker === 'run by pnpm test:packages') {
      return { kind: 'runBy', by: marker.slice('run by '.length) as '.ci/run' | 'pnpm verify' | 'pnpm test:packages' };
    }
    const sameAs = /^same as (\S+)$/.exec(marker);
    if (sameAs) return { kind: 'sameAs', file: sameAs[1]! };
    // A program whose writes a person approves (a client's elicitation, a terminal): `approve crm/update_record ...`.
    const approve = /^approve ((?:\S+\/\S+\s*)+)$/.exec(marker);
    if (approve && (block.lang === 'ts' || block.lang === 'js')) return { kind: 'program', approve: approve[1]!.trim().split(/\s+/) };
    return undefined;
  }
  if (block.lang === 'ts' || block.lang === 'js') {
    if (/from '@magsag\//.test(block.body)) return { kind: 'library' };
    if (/from '\.\/servers\//.test(block.body)) return { kind: 'program' };
    return undefined;
  }
  if (block.lang === 'yaml') return { kind: 'serverYaml' };
  if (block.lang === 'json') {
    if (block.body.includes('"mcpServers"')) return { kind: 'mcpServersJson' };
    if (block.body.includes('"file:dist-packages/')) return { kind: 'tarballDependencies' };
    return undefined;
  }
  if (block.lang === 'sh') return { kind: 'shell' };
  return undefined;
}

/** The command lines of a shell block: comments after two spaces dropped, blank lines skipped. */
function commandLines(body: string): string[] {
  return body
    .split('\n')
    .map((line) => line.replace(/\s{2,}#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

// ---------------------------------------------------------------------------------------------
// Where blocks run. Read-only examples run in this repository, like every other e2e test; a file
// whose examples write (import servers, refresh snapshots, create skills, label issues, update CRM
// records, clean workspaces, stop a database) runs in a scratch copy of the project, its blocks in
// order, so that it cannot disturb the tests running beside it. Files listed under one project
// share it, in this order (a later file may rely on an earlier one).
const projects: Record<string, string[]> = {
  servers: ['docs/development/workflows/importMcpServers.md', 'packages/codegen/README.md'],
  skills: ['docs/development/workflows/writeSkill.md', 'docs/skills/github-issue-triage.md', 'skills/github-issue-triage/SKILL.md'],
  data: [
    'packages/mcp-client/README.md',
    'packages/pii/README.md',
    'docs/operations/audit.md',
    'docs/operations/workspaces.md',
    'docs/operations/serve.md',
    'tools/demo-servers/postgres/README.md',
  ],
};

const tsx = path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs');
const magsagBin = path.join(repoRoot, 'packages/cli/src/bin.ts');
// `pnpm magsag` runs the package.json script's command line without pnpm's own start-up (about a
// quarter of a second per command); a test below keeps the two the same. Other pnpm scripts run
// through pnpm itself.
const magsagScript = 'node --no-node-snapshot --conditions=magsag-source --import tsx packages/cli/src/bin.ts';
const prelude = `pnpm() { if [ "$1" = magsag ]; then shift; '${process.execPath}' --no-node-snapshot --conditions=magsag-source --import '${tsx}' '${magsagBin}' "$@"; else command pnpm "$@"; fi; }\n`;

/** A scratch project: copies of what the examples write, links to what they only read. */
function createProject(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `magsag-docs-${name}-`));
  for (const link of ['node_modules', 'packages', 'examples', 'tools/demo-servers']) {
    mkdirSync(path.dirname(path.join(dir, link)), { recursive: true });
    symlinkSync(path.join(repoRoot, link), path.join(dir, link));
  }
  for (const copy of ['package.json', 'tsconfig.json', 'tsconfig.base.json', 'tools/adk/servers', 'tools/adk/demo-data', 'servers', 'skills', 'magsag.config.yaml']) {
    if (existsSync(path.join(repoRoot, copy))) cpSync(path.join(repoRoot, copy), path.join(dir, copy), { recursive: true });
  }
  const reset = spawnSync(cliArgs(['demo', 'reset'])[0]!, cliArgs(['demo', 'reset']).slice(1), { cwd: dir, encoding: 'utf8' });
  if (reset.status !== 0) throw new Error(`demo reset in ${dir} failed: ${reset.stderr}`);
  return dir;
}

interface Step {
  command: string;
  status: number | null;
  stdout: string;
  stderr: string;
  /** Further checks of a step, as failure messages (empty when all hold). */
  problems: string[];
}

interface Context {
  cwd: string;
  env: Record<string, string>;
  /** Placeholders in the docs (`<runId>`, `<id>`, ...) and what they stand for here. */
  fill: Record<string, string>;
  /** Command lines that already succeeded here. */
  ran: Map<string, Step>;
}

function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string>; input?: string }): Promise<Omit<Step, 'problems'>> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ command: [command, ...args].join(' '), status, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

function fillIn(line: string, ctx: Context): string {
  let out = line;
  for (const [from, to] of Object.entries(ctx.fill)) out = out.split(from).join(to);
  return out;
}

/** `magsag serve --http`: start it (on a free port rather than the doc's), probe it, stop it. */
async function serveHttp(line: string, ctx: Context): Promise<Step> {
  const command = line.replace(/--http \d+/, '--http 0');
  const child = spawn('sh', ['-c', prelude + command], { cwd: ctx.cwd, env: { ...process.env, ...ctx.env, MAGSAG_SERVE_TOKEN: '', MAGSAG_SERVE_TOKENS: '' }, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const problems: string[] = [];
  try {
    const url = await new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no "listening on" within 60 s')), 60_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /listening on (http:\S+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(new URL(match[1]!));
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const host = /--allowed-host (\S+)/.exec(command)?.[1];
    const tokensFile = /--tokens-file (\S+)/.exec(command)?.[1];
    const headers: Record<string, string> = host === undefined ? {} : { host };
    const anonymous = await rawPost(url, headers);
    if (tokensFile !== undefined) {
      const token = /^[^=\s]+=(\S+)$/m.exec(readFileSync(path.resolve(ctx.cwd, tokensFile), 'utf8'))?.[1];
      if (anonymous.status !== 401) problems.push(`without a token: HTTP ${anonymous.status}, expected 401`);
      const signed = await rawPost(url, { ...headers, authorization: `Bearer ${token}` });
      if (signed.status !== 200) problems.push(`with a token from ${tokensFile}: HTTP ${signed.status}, expected 200: ${signed.body.slice(0, 300)}`);
    } else if (anonymous.status !== 200) problems.push(`initialize: HTTP ${anonymous.status}`);
    return { command, status: 0, stdout: '', stderr, problems };
  } catch (error) {
    return { command, status: -1, stdout: '', stderr: `${(error as Error).message}\n${stderr}`, problems };
  } finally {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** A command the doc says speaks MCP on stdio: connect with the SDK and list its tools. */
async function stdioServer(line: string, ctx: Context): Promise<Step> {
  const client = new Client({ name: 'docs-examples', version: '1.0.0' });
  try {
    await client.connect(new StdioClientTransport({ command: 'sh', args: ['-c', `exec ${line}`], cwd: ctx.cwd, env: { ...(process.env as Record<string, string>), ...ctx.env }, stderr: 'ignore' }));
    const { tools } = await client.listTools();
    return { command: line, status: 0, stdout: tools.map((t) => t.name).join('\n'), stderr: '', problems: tools.length > 0 ? [] : ['no tools listed'] };
  } catch (error) {
    return { command: line, status: -1, stdout: '', stderr: String(error), problems: [] };
  } finally {
    await client.close();
  }
}

// The commands a shell block may hold. Anything else (`pnpm verify`, `pnpm test`, installs,
// benchmarks) is refused unrun, so an unmarked block can never start the test suite inside itself.
const runnableCommand = /^(pnpm (magsag|mcp:codegen|catalog:validate)\b|node tools\/|echo |printf )/;

const timings: string[] = [];
async function shellStep(raw: string, ctx: Context): Promise<Step> {
  const start = performance.now();
  const step = await shellStep1(raw, ctx);
  timings.push(`${Math.round(performance.now() - start)} ms ${raw}`);
  return step;
}
async function shellStep1(raw: string, ctx: Context): Promise<Step> {
  const line = fillIn(raw, ctx);
  const left = /<[a-zA-Z]+>/.exec(line);
  if (left) return { command: line, status: -1, stdout: '', stderr: `placeholder ${left[0]} has no value in this test`, problems: [] };
  if (!runnableCommand.test(line)) return { command: line, status: -1, stdout: '', stderr: 'not a command this test runs: run it another way, or mark the block "not run" with the reason', problems: [] };
  if (/\bmagsag serve\b.*--http/.test(line)) return serveHttp(line, ctx);
  if (/speaks MCP on stdio/.test(raw)) return stdioServer(line.replace(/\s{2,}#.*$/, ''), ctx);
  const result = await run('sh', ['-c', prelude + line], { cwd: ctx.cwd, env: ctx.env });
  return { ...result, command: line, problems: [] };
}

/** Writes a library example next to the package it documents (so its imports resolve) and runs it. */
async function libraryStep(block: Block, ctx: Context): Promise<Step> {
  const pkg = /^packages\/[^/]+\//.exec(block.file)?.[0] ?? '';
  const dir = path.join(repoRoot, pkg, '.cache/docs-examples');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `example${process.pid}Line${block.line}.${block.lang === 'js' ? 'mjs' : 'ts'}`);
  writeFileSync(file, block.body);
  try {
    const result = await run(process.execPath, ['--no-node-snapshot', '--conditions=magsag-source', '--import', tsx, file], { cwd: ctx.cwd, env: ctx.env });
    return { ...result, command: `${path.relative(repoRoot, file)} (${block.file}:${block.line})`, problems: [] };
  } finally {
    rmSync(file, { force: true });
  }
}

async function programStep(block: Block, ctx: Context, approve: string[] = []): Promise<Step> {
  const [command, ...args] = cliArgs(['exec', '-', '--json', ...approve.flatMap((tool) => ['--approve', tool])]);
  const result = await run(command!, args, { cwd: ctx.cwd, env: ctx.env, input: block.body });
  const problems: string[] = [];
  try {
    const doc = JSON.parse(result.stdout) as { ok: boolean; error: unknown };
    if (!doc.ok) problems.push(`not ok: ${JSON.stringify(doc.error)}`);
  } catch {
    problems.push('stdout is not one JSON document');
  }
  return { ...result, command: 'magsag exec - --json', problems };
}

/** Runs the runnable blocks of one file, in order. */
async function runFile(blocksOfFile: Block[], ctx: Context): Promise<Map<Block, Step[]>> {
  const out = new Map<Block, Step[]>();
  for (const block of blocksOfFile) {
    const plan = planOf(block);
    if (plan?.kind === 'shell') {
      const steps: Step[] = [];
      for (const line of commandLines(block.body)) {
        // A skill's SKILL.md and its docs page show the same command: it runs once per project.
        const step = ctx.ran.get(line) ?? (await shellStep(line, ctx));
        if (step.status === 0) ctx.ran.set(line, step);
        steps.push(step);
        if (step.status !== 0) break;
      }
      out.set(block, steps);
    } else if (plan?.kind === 'library') out.set(block, [await libraryStep(block, ctx)]);
    else if (plan?.kind === 'program') out.set(block, [await programStep(block, ctx, plan.approve)]);
  }
  return out;
}

/** At most `limit` of the functions at once. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const index = next++;
        // A task reports its own failure through the promise its test awaits; the pool goes on.
        results[index] = await tasks[index]!().catch(() => undefined as T);
      }
    }),
  );
  return results;
}

// ---------------------------------------------------------------------------------------------
// Setup of the scratch projects: what the docs assume a reader has.

/** A run in `dir` that tokenizes personal data, so that its audit and workspace exist. */
async function seedRun(dir: string): Promise<{ runId: string; workspaceId: string }> {
  const program = "import { readGraph } from './servers/memory/readGraph';\nexport default await readGraph({});\n";
  const [command, ...args] = cliArgs(['exec', '-', '--json']);
  const result = await run(command!, args, { cwd: dir, input: program });
  const doc = JSON.parse(result.stdout) as { ok: boolean; workspace: { id: string; runId: string } };
  if (!doc.ok) throw new Error(`seed run failed: ${result.stdout}`);
  return { runId: doc.workspace.runId, workspaceId: doc.workspace.id };
}

async function projectContext(name: string, dir: string): Promise<Context> {
  const ctx: Context = { cwd: dir, env: { HOME: dir, MAGSAG_SERVERS_DIR: '', MAGSAG_STATE_DIR: '' }, fill: {}, ran: new Map() };
  if (name === 'servers') {
    // A Claude Desktop config and a .mcp.json with servers of their own (the demo's GitHub and
    // Notion stand-ins under new ids), so that importing, testing and refreshing them must work.
    const demo = (server: string, data: string): { command: string; args: string[] } => ({
      command: 'node',
      args: [path.join(repoRoot, `tools/demo-servers/${server}/server.mjs`), '--data', path.join(dir, `.magsag/demo/${server}/${data}`)],
    });
    mkdirSync(path.join(dir, '.config/Claude'), { recursive: true });
    writeFileSync(path.join(dir, '.config/Claude/claude_desktop_config.json'), JSON.stringify({ mcpServers: { 'desktop-issues': demo('github', 'issues.json') } }));
    writeFileSync(path.join(dir, '.mcp.json'), JSON.stringify({ mcpServers: { 'project-pages': demo('notion', 'pages.json') } }));
    // `--servers-dir my/servers --out generated`: a folder of its own with one server snapshot.
    mkdirSync(path.join(dir, 'my/servers'), { recursive: true });
    cpSync(path.join(dir, 'tools/adk/servers/memory.yaml'), path.join(dir, 'my/servers/memory.yaml'));
  }
  if (name === 'data') {
    const seed = await seedRun(dir);
    ctx.fill = { '<runId>': seed.runId, '<id>': seed.workspaceId, '/secure/vault.key': path.join(dir, '.magsag/vault.key') };
  }
  return ctx;
}

// ---------------------------------------------------------------------------------------------

const results = new Map<Block, Promise<Step[]>>();
const projectDirs = new Map<string, string>();
const scratch: string[] = [];

beforeAll(async () => {
  const inProjects = new Set(Object.values(projects).flat());
  const byFile = new Map<string, Block[]>();
  for (const block of blocks) byFile.set(block.file, [...(byFile.get(block.file) ?? []), block]);
  const tasks: (() => Promise<void>)[] = [];
  const record = (file: string, done: Promise<Map<Block, Step[]>>): void => {
    for (const block of byFile.get(file) ?? []) results.set(block, done.then((map) => map.get(block) ?? []));
  };
  for (const [name, files] of Object.entries(projects)) {
    let resolveAll!: (value: Map<Block, Step[]>) => void;
    const all = new Promise<Map<Block, Step[]>>((resolve) => (resolveAll = resolve));
    for (const file of files) record(file, all);
    tasks.push(async () => {
      const merged = new Map<Block, Step[]>();
      try {
        const dir = createProject(name);
        scratch.push(dir);
        projectDirs.set(name, dir);
        const ctx = await projectContext(name, dir);
        for (const file of files) for (const [block, steps] of await runFile(byFile.get(file) ?? [], ctx)) merged.set(block, steps);
      } catch (error) {
        for (const file of files) for (const block of byFile.get(file) ?? []) if (!merged.has(block)) merged.set(block, [{ command: `project ${name}`, status: -1, stdout: '', stderr: String(error), problems: [] }]);
      }
      resolveAll(merged);
    });
  }
  // Files that only read run here, each command line on its own (their order does not matter), and
  // the same line in two files (a skill's SKILL.md and its docs page) once.
  const seen = new Map<string, Promise<Step>>();
  const repoCtx: Context = { cwd: repoRoot, env: {}, fill: {}, ran: new Map() };
  const later = <T,>(work: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      tasks.push(() => work().then(resolve, reject));
    });
  for (const [file, list] of byFile) {
    if (inProjects.has(file)) continue;
    for (const block of list) {
      const kind = planOf(block)?.kind;
      if (kind === 'library' || kind === 'program') results.set(block, later(async () => [...(await runFile([block], repoCtx)).values()].flat()));
      if (kind !== 'shell') continue;
      const steps = commandLines(block.body).map((line) => {
        if (!seen.has(line)) seen.set(line, later(() => shellStep(line, repoCtx)));
        return seen.get(line)!;
      });
      results.set(block, Promise.all(steps));
    }
  }
  void pool(tasks, 3);
}, 30_000);

afterAll(() => {
  // MAGSAG_DOCS_TIMES=1: each command's wall time, slowest first, to see where this file's time goes.
  if (process.env['MAGSAG_DOCS_TIMES']) process.stderr.write(`${timings.sort((a, b) => Number.parseInt(b) - Number.parseInt(a)).join('\n')}\n`);
  for (const dir of scratch) {
    // A database the examples started in the scratch project (postgres wrapper) is stopped first.
    spawnSync(process.execPath, [path.join(repoRoot, 'tools/demo-servers/postgres/wrapper.mjs'), 'stop', '--dir', path.join(dir, '.magsag/demo/postgres')], { cwd: dir, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
});

const label = (block: Block): string => `${where(block)} (${block.lang || 'no language'})`;

// A guard against a hung test, not a speed target: a test waits for its block, which may queue
// behind the scratch projects' chains on a loaded machine (each command has its own 90 s limit).
describe('documentation examples', { timeout: 600_000 }, () => {
  it('every fenced block is run, or marked with why not', () => {
    expect(blocks.length).toBeGreaterThan(40);
    const unplanned = blocks.filter((block) => planOf(block) === undefined).map(label);
    expect(unplanned, 'add a runnable example, or <!-- example: not run: <reason> --> before the fence').toEqual([]);
    const inProjects = Object.values(projects).flat();
    expect(inProjects.filter((file) => !markdownFiles.includes(file))).toEqual([]);
  });

  it('pnpm magsag here is the package.json script', () => {
    const scripts = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['magsag']).toBe(magsagScript);
  });

  const notRun = blocks.filter((block) => planOf(block)?.kind === 'notRun' || planOf(block)?.kind === 'runBy');
  it.each(notRun.map((block) => [label(block), block] as const))('%s: the pnpm scripts it names exist', (_label, block) => {
    const scripts = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const plan = planOf(block)!;
    for (const line of commandLines(block.body)) {
      const script = /^pnpm (?!magsag\b|vitest\b)([\w:-]+)/.exec(line)?.[1];
      if (script !== undefined) expect(Object.keys(scripts), line).toContain(script);
      if (plan.kind === 'runBy' && plan.by === '.ci/run') expect(readFileSync(path.join(repoRoot, '.ci/run'), 'utf8').split('\n'), line).toContain(line);
      if (plan.kind === 'runBy' && plan.by === 'pnpm verify') expect(`${scripts['verify']} &&`, line).toContain(`${line} &&`);
    }
    if (plan.kind === 'runBy' && plan.by === 'pnpm test:packages') {
      // The packed packages' test reads this very block from the README and runs its npx lines outside the repository.
      expect(scripts['verify']).toContain('pnpm test:packages');
      expect(block.file).toBe('README.md');
      expect(readFileSync(path.join(repoRoot, 'test/e2e/packages/installed.test.ts'), 'utf8')).toContain('## Your own project');
      expect(block.body).toMatch(/^npx --no-install magsag init /m);
    }
  });

  const sameAs = blocks.filter((block) => planOf(block)?.kind === 'sameAs');
  it.each(sameAs.map((block) => [label(block), block] as const))('%s shows a file as it is', (_label, block) => {
    const plan = planOf(block) as { kind: 'sameAs'; file: string };
    expect(readFileSync(path.join(repoRoot, plan.file), 'utf8')).toContain(block.body);
  });

  const yamls = blocks.filter((block) => planOf(block)?.kind === 'serverYaml');
  it.each(yamls.map((block) => [label(block), block] as const))('%s is a valid server YAML (or section of one)', (_label, block) => {
    // A section (`pii:`, `flows:`, `denyTools:`) is checked inside a minimal server file.
    const whole = /^id:/m.test(block.body) ? block.body : `id: docs-example\ntransport:\n  type: stdio\n  command: node\n${block.body}`;
    const env = Object.fromEntries([...block.body.matchAll(/\$\{(\w+)\}/g)].map((m) => [m[1]!, 'set-by-the-test']));
    const id = /^id: (\S+)/m.exec(whole)![1]!;
    const config = parseServerConfig(whole, path.join(repoRoot, path.dirname(block.file), `${id}.yaml`), { env });
    expect(config.id).toMatch(/^[a-z]/);
    for (const key of ['pii', 'flows', 'denyTools', 'allowTools', 'timeouts']) {
      if (new RegExp(`^${key}:`, 'm').test(block.body)) expect(config, key).toHaveProperty(key);
    }
  });

  const tarballs = blocks.filter((block) => planOf(block)?.kind === 'tarballDependencies');
  it.each(tarballs.map((block) => [label(block), block] as const))('%s names the tarballs pnpm release:pack writes', (_label, block) => {
    const doc = JSON.parse(block.body) as Record<string, Record<string, string>>;
    const manifests = spawnSync('git', ['ls-files', 'packages/*/package.json', 'packages/isolated-vm/*/package.json'], { cwd: repoRoot, encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .map((file) => JSON.parse(readFileSync(path.join(repoRoot, file), 'utf8')) as { name: string; version: string });
    const entries = Object.values(doc).flatMap((section) => Object.entries(section));
    expect(entries.length).toBeGreaterThan(0);
    for (const [name, spec] of entries) {
      const manifest = manifests.find((m) => m.name === name);
      expect(manifest, name).toBeDefined();
      expect(spec).toBe(`file:dist-packages/${name.replace(/^@/, '').replace('/', '-')}-${manifest!.version}.tgz`);
    }
  });

  const mcpConfigs = blocks.filter((block) => planOf(block)?.kind === 'mcpServersJson');
  it.each(mcpConfigs.map((block) => [label(block), block] as const))('%s starts magsag serve, which answers over MCP and runs code', async (_label, block) => {
    const doc = JSON.parse(block.body.split('/path/to/magsag').join(repoRoot)) as { mcpServers: Record<string, { command: string; args: string[] }> };
    for (const server of Object.values(doc.mcpServers)) {
      const client = new Client({ name: 'docs-examples', version: '1.0.0' });
      const transport = new StdioClientTransport({ command: server.command, args: server.args, cwd: tmpdir(), stderr: 'pipe' });
      let stderr = '';
      transport.stderr?.on('data', (chunk: Buffer) => (stderr = `${stderr}${chunk.toString()}`.slice(-4000)));
      try {
        // A serve that exits names why in its stderr: the failure carries it.
        const withStderr = (error: unknown): never => {
          throw new Error(`${String(error)}\nserve stderr:\n${stderr}`);
        };
        await client.connect(transport).catch(withStderr);
        const { tools } = await client.listTools().catch(withStderr);
        expect(tools.map((t) => t.name)).toContain('execute_code');
        // A run too, from a folder that is not the checkout (as a desktop client starts it): the
        // transpiler's threads once inherited `--import tsx`, could not resolve it there, and took serve down.
        const run = await client.callTool({ name: 'execute_code', arguments: { code: 'export default 40 + 2;' } }).catch(withStderr);
        expect((run.content as { text: string }[])[0]?.text, stderr).toMatch(/succeeded[\s\S]*42/);
      } finally {
        await client.close();
      }
    }
  });

  // What the workflows in the scratch projects left behind, beyond their exit codes.
  const lastBlockOf = (file: string): Block => blocks.filter((block) => block.file === file).at(-1)!;
  it('the import workflow leaves the imported servers configured and generated', async () => {
    await results.get(lastBlockOf('packages/codegen/README.md'));
    const dir = projectDirs.get('servers')!;
    for (const id of ['desktop-issues', 'project-pages']) {
      expect(existsSync(path.join(dir, `tools/adk/servers/${id}.yaml`)), id).toBe(true);
      expect(readFileSync(path.join(dir, `tools/adk/servers/${id}.yaml`), 'utf8'), id).toMatch(/^tools:/m);
      expect(existsSync(path.join(dir, `servers/${id}/index.ts`)), id).toBe(true);
    }
    expect(existsSync(path.join(dir, 'generated/memory/index.ts'))).toBe(true);
  });

  it('the skill workflow leaves two valid skills', async () => {
    await results.get(lastBlockOf('docs/development/workflows/writeSkill.md'));
    const dir = projectDirs.get('skills')!;
    for (const skill of ['weekly-report', 'list-notes']) expect(existsSync(path.join(dir, `skills/${skill}/SKILL.md`)), skill).toBe(true);
  });

  const runnable = blocks.filter((block) => ['shell', 'library', 'program'].includes(planOf(block)?.kind ?? ''));
  it.each(runnable.map((block) => [label(block), block] as const))('%s runs', async (_label, block) => {
    const steps = await results.get(block)!;
    expect(steps.length, 'no command was run').toBeGreaterThan(0);
    for (const step of steps) {
      expect(step.status, `${step.command}\n${step.stdout.slice(-1500)}\n${step.stderr.slice(-2500)}`).toBe(0);
      expect(step.problems, step.command).toEqual([]);
    }
  });
});
