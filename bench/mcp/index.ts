// pnpm bench:mcp: the legacy pattern (every tool definition in context, every result through the
// model) against code execution with MAGSAG, on the same servers and data, counted with real
// tokenizers. Prints a table and writes bench/results/latest.{json,md} and mcp-tokens.svg.
//   --json             print the JSON document (bench/results/latest.json) instead of the table
//   --check            a fast run compared with bench/results/baseline.json; exits 1 on a regression
//   --update-baseline  also write this run's document to bench/results/baseline.json
import { McpClient, resolveProjectPaths } from '@magsag/mcp-client';
import { closeSandboxes, execute } from '@magsag/runner';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compareWithBaseline } from './check.ts';
import { brokenRow, buildDocument, toRow, type BenchDocument, type ScenarioRow } from './document.ts';
import { enabledDefinitions, measure, measureReuse, serializeDefinitions, servedDefinitions, type MeasureContext, type ScenarioSpec } from './measure.ts';
import { createBenchProject } from './project.ts';
import { chartSvg, latestMarkdown, markdownFigures, terminalTable } from './report.ts';
import { catalogScenarios, dataScenarios, filesystemRoot, skillScenarios, smallTask, transcriptScenarios, type BrokenScenario } from './scenarios.ts';
import { startServe } from './serve.ts';

const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!['--json', '--check', '--update-baseline'].includes(a)) {
    console.error(`pnpm bench:mcp: unknown option ${a} (use --json, --check or --update-baseline)`);
    process.exit(2);
  }
}
const json = args.has('--json');
const check = args.has('--check');
const log = (line: string): void => {
  if (!json) process.stderr.write(`${line}\n`);
};

const repoRoot = resolveProjectPaths({ cwd: import.meta.dirname }).root;
const resultsDir = path.join(repoRoot, 'bench', 'results');
const docsPage = path.join(repoRoot, 'docs', 'performance', 'mcp-tokens.md');
// The check run leaves out what is slow and adds nothing a regression would not show elsewhere:
// the 50,000-row scenario (the 10,000-row one runs) and the second tokenizer.
const checkSkips = new Set(['50000-rows']);

const project = createBenchProject(repoRoot);
const catalogDir = mkdtempSync(path.join(tmpdir(), 'magsag-bench-catalog-'));
const client = new McpClient({ serversDir: project.serversDir, cacheDir: path.join(project.stateDir, 'cache') });
let serve: Awaited<ReturnType<typeof startServe>> | undefined;
const started = performance.now();

async function main(): Promise<number> {
  log(`bench:mcp: project copy in ${project.root}`);
  serve = await startServe(project.root);
  const catalogFile = path.join(project.root, 'servers', 'catalog.json');
  const defaultCatalog = existsSync(catalogFile) ? readFileSync(catalogFile, 'utf8') : '{"tools":[]}';
  const enabled = await enabledDefinitions(client);
  const ctx: MeasureContext = {
    client,
    serve,
    setCatalog: (text) => writeFileSync(catalogFile, text),
    defaultCatalog,
    enabledDefinitions: { text: serializeDefinitions(enabled.tools), servers: enabled.servers.length },
    servedDefinitions: serializeDefinitions(servedDefinitions(serve.tools)),
    runner: { root: repoRoot, serversDir: path.join(repoRoot, 'servers'), skillsDir: path.join(repoRoot, 'skills'), stateDir: project.stateDir },
    secondary: !check,
    benchPid: process.pid,
  };
  log(`legacy definitions: ${enabled.tools.length} tools of ${enabled.servers.length} enabled servers (${enabled.servers.join(', ')}); magsag serve: ${serve.tools.map((t) => t.name).join(', ')}`);

  // Warm-up, not measured: every enabled server is started and the sandbox pool and type-checker are
  // warm, so neither side's wall time includes a server's or the runner's start-up.
  await Promise.all(client.servers().filter((s) => s.enabled).map((s) => client.listTools(s.id, { refresh: true }).catch(() => undefined)));
  await execute({ code: "import { echo } from './servers/everything/echo';\nexport default typeof echo;", ...ctx.runner, callTool: (server, tool, a, o) => client.callTool(server, tool, a, o) });

  let filesRoot: string | undefined;
  let filesError = '';
  try {
    filesRoot = await filesystemRoot(client);
  } catch (error) {
    filesError = error instanceof Error ? error.message : String(error);
  }
  // A scenario may come with fallbacks (transcript-to-crm: crm, else memory): the first that runs counts.
  const specs: (ScenarioSpec | BrokenScenario | ScenarioSpec[])[] = [...skillScenarios(path.join(repoRoot, 'skills'))];
  const others: [string, ScenarioSpec['kind']][] = [
    ['catalog-5-servers', 'catalog'],
    ['catalog-20-servers', 'catalog'],
    ['catalog-50-servers', 'catalog'],
    ['10000-rows', 'data'],
    ['50000-rows', 'data'],
    ['small-task', 'small-task'],
    ['transcript-to-crm', 'multi-step'],
  ];
  if (filesRoot) {
    specs.push(...(await catalogScenarios(client, filesRoot, catalogDir, [5, 20, 50])));
    specs.push(...dataScenarios(filesRoot, check ? [10_000] : [10_000, 50_000]));
    specs.push(smallTask());
    specs.push(transcriptScenarios(client, filesRoot));
  } else {
    specs.push(smallTask());
    for (const [name, kind] of others.filter(([n]) => n !== 'small-task')) specs.push({ name, kind, error: `the filesystem server did not start: ${filesError}` });
  }

  const rows: ScenarioRow[] = [];
  for (const entry of specs) {
    const spec: ScenarioSpec | BrokenScenario | undefined = Array.isArray(entry) ? entry[0] : entry;
    const fallbacks: ScenarioSpec[] = Array.isArray(entry) ? entry.slice(1) : [];
    if (!spec) continue;
    if ('error' in spec) {
      rows.push(brokenRow(spec));
      log(`${spec.name}: FAILED before it ran: ${spec.error}`);
      continue;
    }
    try {
      let measured = await measure(ctx, spec);
      for (const fallback of fallbacks) {
        if (measured.ok) break;
        log(`${spec.name}: ${measured.error}; trying the fallback`);
        const failure = measured.error ?? 'failed';
        measured = await measure(ctx, fallback);
        measured.spec.notes = [...(measured.spec.notes ?? []), `the first variant (${spec.notes?.join('; ') ?? spec.name}) failed: ${failure}`];
      }
      rows.push(toRow(measured, ctx.secondary));
      log(`${spec.name}: legacy ${measured.legacy.tokens} tok, code ${measured.code.tokens} tok${measured.ok ? '' : ` (FAILED: ${measured.error})`}`);
      if (spec.skill) {
        const reuse = await measureReuse(ctx, { ...spec, skill: spec.skill });
        rows.push(toRow(reuse, ctx.secondary));
        log(`${reuse.spec.name}: legacy ${reuse.legacy.tokens} tok, code ${reuse.code.tokens} tok${reuse.ok ? '' : ` (FAILED: ${reuse.error})`}`);
      }
    } catch (error) {
      rows.push(brokenRow({ name: spec.name, kind: spec.kind, error: error instanceof Error ? error.message : String(error) }));
      log(`${spec.name}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const doc = buildDocument(rows, check ? 'check' : 'full');
  if (json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  else console.log(terminalTable(doc));

  if (check) {
    const baselineFile = path.join(resultsDir, 'baseline.json');
    if (!existsSync(baselineFile)) {
      log(`No baseline at ${baselineFile}: run pnpm bench:mcp --update-baseline and commit it.`);
      return 1;
    }
    const baseline = JSON.parse(readFileSync(baselineFile, 'utf8')) as BenchDocument;
    const outcome = compareWithBaseline(doc, baseline, checkSkips);
    for (const line of outcome.lines) log(line);
    log(`bench:mcp --check: ${outcome.ok ? 'no regression' : 'REGRESSION'} against the baseline of ${baseline.generatedAt} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    return outcome.ok ? 0 : 1;
  }

  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'latest.json'), `${JSON.stringify(doc, null, 2)}\n`);
  writeFileSync(path.join(resultsDir, 'latest.md'), latestMarkdown(doc));
  writeFileSync(path.join(resultsDir, 'mcp-tokens.svg'), chartSvg(doc));
  if (args.has('--update-baseline')) writeFileSync(path.join(resultsDir, 'baseline.json'), `${JSON.stringify(doc, null, 2)}\n`);
  updateDocsPage(doc);
  log(`wrote bench/results/latest.json, latest.md, mcp-tokens.svg${args.has('--update-baseline') ? ', baseline.json' : ''} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return 0;
}

/** Replaces the figures between the markers of docs/performance/mcp-tokens.md, and its last_updated. */
function updateDocsPage(doc: BenchDocument): void {
  if (!existsSync(docsPage)) return;
  const start = '<!-- bench:mcp figures start -->';
  const end = '<!-- bench:mcp figures end -->';
  const text = readFileSync(docsPage, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return;
  const figures = markdownFigures(doc, '../../bench/results/mcp-tokens.svg');
  const next = `${text.slice(0, from + start.length)}\n\n${figures}\n\n${text.slice(to)}`.replace(/^last_updated: .*$/m, `last_updated: ${doc.generatedAt.slice(0, 10)}`);
  writeFileSync(docsPage, next);
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error(`bench:mcp failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await serve?.close().catch(() => undefined);
  await client.close().catch(() => undefined);
  closeSandboxes();
  project.dispose();
  rmSync(catalogDir, { recursive: true, force: true });
}
process.exit(exitCode);
