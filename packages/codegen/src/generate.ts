import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { silentLogger, toMagsagError, type Logger } from '@magsag/core';
import { isToolAllowed, loadServerConfigs, resolveProjectPaths, resolveToolPolicy, type ApprovalRules, type ServerConfig, type ToolSnapshot } from '@magsag/mcp-client/config';
import type * as JsonSchemaToTypeScript from 'json-schema-to-typescript';
import type TypeScript from 'typescript';
import type { Diagnostic } from './diagnostics.ts';
import { assignToolNames, compareCodeUnits, typeStem } from './naming.ts';
import {
  bannerMarker,
  legacyBannerMarker,
  codegenCommand,
  contentHash,
  contentIntact,
  createPrinters,
  generatorVersion,
  recordedHashes,
  renderCatalog,
  renderIndex,
  renderReadme,
  renderToolModule,
  type CatalogEntry,
  type CatalogServer,
  type OutputKind,
  type ToolPlan,
} from './render.ts';
import { compileToolTypes, isObjectSchema } from './schema.ts';

/** Options for {@link generate}. */
export interface GenerateOptions {
  /** Folder of server YAML files. @default MAGSAG_SERVERS_DIR, else the project's `folders.servers` */
  serversDir?: string;
  /** Folder the modules are written to. @default the project's `folders.modules` (`<root>/servers`) */
  outDir?: string;
  /** Write nothing; report missing, stale and extra files. @default false */
  check?: boolean;
  /**
   * With `check`, generate every file in memory and compare bytes, instead of comparing the source
   * hashes in the banners (which needs no compiling and is much faster). @default false
   */
  thorough?: boolean;
  /** Resolves relative paths and finds the project root. @default process.cwd() */
  cwd?: string;
  /**
   * The project's approval rules (`approvals:` of magsag.config.yaml), for each tool's policy: the
   * CLI passes those of the project it resolved (`--project`). @default the config found from `cwd`
   */
  approvals?: ApprovalRules;
  /** Environment for `${VAR}` in server YAML. Unset variables do not matter to codegen. @default process.env */
  env?: Record<string, string | undefined>;
  /** Structured logger; the generator never prints. @default silent */
  logger?: Logger;
  /** Called after each server is generated (the CLI shows progress on a terminal with it). */
  onServer?: (server: ServerResult) => void;
}

/** What happened to one file. `missing`, `stale` and `extra` are reported by `check` only. */
export type FileStatus = 'written' | 'unchanged' | 'deleted' | 'missing' | 'stale' | 'extra';

/** One generated (or formerly generated) file. */
export interface FileResult {
  /** Relative to the project root (the folder holding `outDir`), with `/` separators. */
  path: string;
  status: FileStatus;
  /** Set for `stale` files whose banner hash no longer matches their content: edited by hand. */
  editedByHand?: boolean;
}

/** One server's part of a run. */
export interface ServerResult {
  id: string;
  /** The server YAML, absolute. */
  file: string;
  tools: number;
  /** Files of this server written (or, with `check`, missing or stale). */
  changed: number;
  unchanged: number;
}

/** What {@link generate} did or, with `check`, found. */
export interface GenerateResult {
  /** True when nothing failed and, with `check`, everything was up to date. */
  ok: boolean;
  check: boolean;
  /** 0 ok; 1 stale files (check); 2 invalid configuration or snapshot. */
  exitCode: 0 | 1 | 2;
  serversDir: string;
  outDir: string;
  servers: ServerResult[];
  /** Every file considered, sorted by path. */
  files: FileResult[];
  diagnostics: Diagnostic[];
  summary: { servers: number; tools: number; written: number; unchanged: number; deleted: number; missing: number; stale: number; extra: number };
  /** The command that brings the files up to date, when `check` found a difference. */
  fix?: string;
}

const placeholder = 'https://codegen.invalid/';

/** Codegen reads ids and snapshots only: an unset `${VAR}` (a token CI lacks) must not stop it. */
function lenientEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return new Proxy(env, { get: (target, key) => (typeof key === 'string' ? (target[key] ?? placeholder) : undefined) });
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort(compareCodeUnits)) {
      const full = path.join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(full);
    }
  };
  walk(dir);
  return out;
}

function removeEmptyDirs(dir: string, keep: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return;
  for (const name of readdirSync(dir)) removeEmptyDirs(path.join(dir, name), keep);
  if (dir !== keep && readdirSync(dir).length === 0) rmdirSync(dir);
}

/** True when a generated file's content no longer matches its banner's content hash: edited by hand. */
function editedByHand(text: string): boolean {
  const recorded = recordedHashes(text);
  return recorded !== undefined && !contentIntact(text, recorded);
}

/**
 * Everything besides the input that decides the output: the generator version and the versions of
 * the libraries that shape the code. It goes into every source hash.
 */
function generatorFingerprint(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: string;
    dependencies?: Record<string, string>;
  };
  const deps = manifest.dependencies ?? {};
  return `${generatorVersion}/${manifest.version}/${deps['json-schema-to-typescript']}/${deps['typescript']}`;
}

interface ServerPlan {
  server: ServerConfig;
  source: string;
  plans: ToolPlan[];
  index: { file: string; sourceHash: string };
  readme: { file: string; sourceHash: string };
}

const toPosix = (p: string): string => p.split(path.sep).join('/');

/**
 * Generates `servers/<server>/<tool>.ts`, `index.ts` and `README.md` for every enabled server with
 * a tool snapshot, and `servers/catalog.json`, from the server YAML alone (no server is started).
 * Writes only files whose content changed and deletes generated files no longer wanted. With
 * `check` it writes nothing and reports each missing, stale or extra file instead. Problems come
 * back as diagnostics; it throws only for bugs.
 */
export async function generate(options: GenerateOptions = {}): Promise<GenerateResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const logger = (options.logger ?? silentLogger).child({ component: 'codegen' });
  const project = resolveProjectPaths({ cwd, ...(options.serversDir === undefined ? {} : { serversDir: options.serversDir }), env: options.env ?? process.env });
  const serversDir = project.serversDir;
  const outDir = options.outDir === undefined ? project.modulesDir : path.resolve(cwd, options.outDir);
  const baseDir = path.dirname(outDir);
  const check = options.check === true;
  const diagnostics: Diagnostic[] = [];
  const relative = (file: string): string => toPosix(path.relative(baseDir, file));

  const result: GenerateResult = {
    ok: false,
    check,
    exitCode: 2,
    serversDir,
    outDir,
    servers: [],
    files: [],
    diagnostics,
    summary: { servers: 0, tools: 0, written: 0, unchanged: 0, deleted: 0, missing: 0, stale: 0, extra: 0 },
  };

  let servers: ServerConfig[];
  try {
    const loaded = loadServerConfigs(serversDir, { env: lenientEnv(options.env ?? process.env) });
    servers = loaded.servers.filter((server) => server.enabled).sort((a, b) => compareCodeUnits(a.id, b.id));
    for (const error of loaded.errors) {
      const file = error.data?.['file'];
      diagnostics.push({ level: 'error', code: error.code, ...(typeof file === 'string' ? { file } : {}), message: error.message });
    }
  } catch (error) {
    const e = toMagsagError(error);
    diagnostics.push({ level: 'error', code: e.code, file: serversDir, message: e.message });
    return result;
  }

  // Plan every file: names, types and source hashes, all without compiling anything.
  const fingerprint = generatorFingerprint();
  const serverPlans: ServerPlan[] = [];
  for (const server of servers) {
    const source = relative(server.file);
    const at = { file: server.file, server: server.id };
    if (server.tools === undefined) {
      diagnostics.push({
        level: 'warning',
        ...at,
        message: `server "${server.id}" has no tool snapshot in ${server.file}, so nothing is generated for it. Run \`${codegenCommand} --refresh ${server.id}\` to take one from the live server.`,
      });
      continue;
    }
    const tools = new Map<string, ToolSnapshot>();
    for (const tool of server.tools) {
      if (tools.has(tool.name)) {
        diagnostics.push({ level: 'warning', ...at, tool: tool.name, message: `tool "${tool.name}" appears twice in the snapshot of ${server.file}; the first one is used.` });
      } else if (isToolAllowed(server, tool.name)) tools.set(tool.name, tool);
    }
    const { names, diagnostics: naming } = assignToolNames([...tools.keys()], at);
    diagnostics.push(...naming);
    const plans: ToolPlan[] = [];
    for (const [toolName, functionName] of names) {
      const snapshot = tools.get(toolName)!;
      const stem = typeStem(functionName);
      let outputKind: OutputKind = snapshot.outputSchema !== undefined ? 'declared' : snapshot.inferredOutputSchema !== undefined ? 'inferred' : 'unknown';
      if (snapshot.outputSchema !== undefined && !isObjectSchema(snapshot.outputSchema)) {
        diagnostics.push({
          level: 'warning',
          ...at,
          tool: toolName,
          message: `the outputSchema of tool "${toolName}" in ${server.file} is not an object schema (MCP requires type "object"); its function's result is typed from inferredOutputSchema or unknown instead.`,
        });
        outputKind = snapshot.inferredOutputSchema !== undefined ? 'inferred' : 'unknown';
      }
      // `sample` (the arguments --sample calls with) shapes no file: it stays out of the source hash.
      const { sample: _sample, ...tool } = snapshot;
      // The same decision McpClient.toolPolicy makes at call time: the server YAML's approvals, the
      // project's, then the snapshot's annotations, then the name. It goes into the source hash, so
      // a changed rule in either file makes --check report the module stale.
      const { policy, reason } = resolveToolPolicy({ server: server.id, tool, serverRules: server.approvals, projectRules: options.approvals ?? project.approvals });
      const plan = { server: server.id, source, tool, functionName, inputType: `${stem}Input`, outputType: `${stem}Output`, outputKind, approval: { policy, reason } };
      plans.push({ ...plan, sourceHash: contentHash(JSON.stringify([fingerprint, 'tool', plan])) });
    }
    const dir = path.join(outDir, server.id);
    serverPlans.push({
      server,
      source,
      plans,
      index: { file: path.join(dir, 'index.ts'), sourceHash: contentHash(JSON.stringify([fingerprint, 'index', source, plans.map((p) => [p.functionName, p.inputType, p.outputType, p.outputKind])])) },
      readme: { file: path.join(dir, 'README.md'), sourceHash: contentHash(JSON.stringify([fingerprint, 'readme', server.id, server.description, source, plans.map((p) => p.sourceHash)])) },
    });
  }
  const catalogSource = `${relative(serversDir)}/*.yaml`;
  const catalogPlan = {
    file: path.join(outDir, 'catalog.json'),
    sourceHash: contentHash(JSON.stringify([fingerprint, 'catalog', catalogSource, serverPlans.map((s) => [s.server.id, s.server.description, s.plans.map((p) => p.sourceHash)])])),
  };
  const toolFile = (plan: ToolPlan): string => path.join(outDir, plan.server, `${plan.functionName}.ts`);

  // What each file should hold. A quick check compares source hashes instead of generating: a file
  // whose banner records the expected source hash, and whose content still matches its own content
  // hash, is exactly what generating would produce.
  const expected = new Map<string, string | ((current: string | undefined) => boolean)>();
  const serverFiles = new Map<string, string[]>();
  if (check && !options.thorough) {
    const upToDate = (sourceHash: string) => (current: string | undefined): boolean => {
      if (current === undefined) return false;
      const recorded = recordedHashes(current);
      return recorded !== undefined && recorded.source === sourceHash && contentIntact(current, recorded);
    };
    for (const { server, plans, index, readme } of serverPlans) {
      for (const plan of plans) expected.set(toolFile(plan), upToDate(plan.sourceHash));
      expected.set(index.file, upToDate(index.sourceHash));
      expected.set(readme.file, upToDate(readme.sourceHash));
      serverFiles.set(server.id, [...plans.map(toolFile), index.file, readme.file]);
      result.servers.push({ id: server.id, file: server.file, tools: plans.length, changed: 0, unchanged: 0 });
      result.summary.tools += plans.length;
    }
    expected.set(catalogPlan.file, upToDate(catalogPlan.sourceHash));
  } else {
    // The heavy parts load only when generating. Both are CommonJS: require() skips the ESM
    // loader's scan of their (large) sources for export names.
    const require = createRequire(import.meta.url);
    const { compile } = require('json-schema-to-typescript') as typeof JsonSchemaToTypeScript;
    const printers = createPrinters(require('typescript') as typeof TypeScript);
    const catalog: CatalogEntry[] = [];
    const catalogServers: CatalogServer[] = [];
    for (const { server, source, plans, index, readme } of serverPlans) {
      const rendered: ToolPlan[] = [];
      const entries: CatalogEntry[] = [];
      for (const plan of plans) {
        let declarations: string;
        try {
          declarations = await compileToolTypes(compile, plan.tool, { input: plan.inputType, output: plan.outputType, outputKind: plan.outputKind });
        } catch (error) {
          const message = (error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)).replace(/\.+$/, '');
          diagnostics.push({
            level: 'error',
            code: 'CODEGEN_INVALID_SNAPSHOT',
            file: server.file,
            server: server.id,
            tool: plan.tool.name,
            message: `${server.file}: tool "${plan.tool.name}": its schema cannot be turned into TypeScript: ${message}. Fix the snapshot or run \`${codegenCommand} --refresh ${server.id}\`.`,
          });
          continue;
        }
        const module = renderToolModule(printers, plan, declarations);
        expected.set(toolFile(plan), module.text);
        rendered.push(plan);
        entries.push(module.entry);
      }
      expected.set(index.file, renderIndex(printers, source, index.sourceHash, rendered));
      expected.set(readme.file, renderReadme(server, source, readme.sourceHash, entries));
      serverFiles.set(server.id, [...rendered.map(toolFile), index.file, readme.file]);
      catalog.push(...entries);
      catalogServers.push({ server: server.id, description: server.description, tools: entries.length });
      result.servers.push({ id: server.id, file: server.file, tools: rendered.length, changed: 0, unchanged: 0 });
      result.summary.tools += rendered.length;
      logger.debug({ server: server.id, tools: rendered.length }, 'generated');
    }
    expected.set(catalogPlan.file, renderCatalog(catalogSource, catalogPlan.sourceHash, catalog, catalogServers));
  }
  result.summary.servers = result.servers.length;

  // Compare with what is on disk, then write (or, with check, only report).
  const files: FileResult[] = [];
  const statusOf = new Map<string, FileStatus>();
  for (const [file, text] of expected) {
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    let status: FileStatus;
    if (typeof text === 'function' ? text(current) : current === text) status = 'unchanged';
    else if (check) status = current === undefined ? 'missing' : 'stale';
    else if (typeof text === 'string') {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
      status = 'written';
    } else throw new Error('unreachable: a quick check never writes');
    statusOf.set(file, status);
    files.push({ path: relative(file), status, ...(status === 'stale' && current !== undefined && editedByHand(current) ? { editedByHand: true } : {}) });
  }
  for (const file of listFiles(outDir)) {
    if (expected.has(file) || path.basename(file).startsWith('.')) continue;
    const head = readFileSync(file, 'utf8').slice(0, 600);
    if (!head.includes(bannerMarker) && !head.includes(legacyBannerMarker)) {
      diagnostics.push({
        level: 'warning',
        file,
        message: `${relative(file)} is not a generated file, but ${relative(outDir)}/ holds generated files only. Move it elsewhere.`,
      });
      continue;
    }
    if (check) files.push({ path: relative(file), status: 'extra' });
    else {
      unlinkSync(file);
      files.push({ path: relative(file), status: 'deleted' });
    }
  }
  if (!check) removeEmptyDirs(outDir, outDir);
  files.sort((a, b) => compareCodeUnits(a.path, b.path));
  result.files = files;

  for (const server of result.servers) {
    for (const file of serverFiles.get(server.id) ?? []) {
      if (statusOf.get(file) === 'unchanged') server.unchanged++;
      else server.changed++;
    }
    options.onServer?.(server);
  }
  for (const file of files) {
    result.summary[file.status]++;
  }

  const outOfDate = result.summary.missing + result.summary.stale + result.summary.extra;
  if (check && outOfDate > 0) {
    result.fix = codegenCommand;
    diagnostics.push({
      level: 'error',
      code: 'CODEGEN_STALE',
      file: outDir,
      message: `${outOfDate} generated file${outOfDate === 1 ? ' is' : 's are'} missing, stale or extra under ${relative(outDir)}/. Run \`${codegenCommand}\` and commit the result.`,
    });
  }
  const errors = diagnostics.filter((d) => d.level === 'error');
  result.exitCode = errors.some((d) => d.code !== 'CODEGEN_STALE') ? 2 : errors.length > 0 ? 1 : 0;
  result.ok = result.exitCode === 0;
  return result;
}
