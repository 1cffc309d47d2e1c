import { assertWorkspaceId, isMagsagError, MagsagError, toMagsagError, version } from '@magsag/core';
import { addCodegenOptions, type CodegenCliOptions } from '@magsag/codegen/cli';
import { Command, CommanderError, Option } from 'commander';
// Only what defining the commands needs is imported here; each action imports what it runs, so
// `magsag --version` or `magsag servers list` never loads the sandbox, the PII layer or the SDK.
import type { CliContext, GlobalOptions } from './context.ts';
import type { ExecDocument, ExecFlags } from './commands/exec.ts';
import type { InitOptions } from './commands/init.ts';
import type { ServerTestResult } from './commands/servers.ts';
import { hostname } from 'node:os';
import path from 'node:path';
import type { ServeDeps } from './serve/server.ts';
import { serveDefaults } from './serve/defaults.ts';
import { printJson, processIo, reportError, table, withProgress, type Io } from './output.ts';
import { approveFlag, cliApprover, type ApprovalFlags } from './approve.ts';
import type { SearchDetail } from './tools/search.ts';

interface JsonFlag {
  json?: boolean;
}

/**
 * Builds the `magsag` command tree. Each action is a thin shell: it calls an exported function,
 * prints the result (human text, or one JSON document with `--json`) and sets the exit code.
 */
export function createProgram(io: Io = processIo, contexts: CliContext[] = [], options: { json?: boolean } = {}): Command {
  const program = new Command('magsag')
    .description('Use MCP servers by writing code: typed tool modules, a sandbox, PII masking.')
    .version(version)
    .addOption(new Option('--project <dir>', 'the project folder (default: the nearest folder above with a magsag.config.yaml)').env('MAGSAG_PROJECT'))
    .addOption(new Option('--servers-dir <dir>', 'folder of server YAML files (default: the config\'s folders.servers)').env('MAGSAG_SERVERS_DIR'))
    .addOption(new Option('--state-dir <dir>', 'state folder: caches, workspaces, the PII vault (default: the config\'s folders.state)').env('MAGSAG_STATE_DIR'))
    .addOption(new Option('--store <url>', 'keep workspaces, the PII vault, the audit, run records, approvals and saved skills in this PostgreSQL (`postgres://…`), shared by `serve` replicas (default: the config\'s store.url, else the state folder)').env('MAGSAG_STORE_URL'))
    .option('--verbose', 'debug logs on stderr and stack traces on errors')
    .addOption(new Option('--log-format <format>', 'logs on stderr as readable lines or JSON lines').choices(['human', 'json']).default('human').env('MAGSAG_LOG_FORMAT'))
    .showHelpAfterError()
    .exitOverride()
    // With --json, a parse error (unknown command, missing argument) is one JSON document on stdout
    // (printed by main), not commander's text and help on stderr.
    .configureOutput({ writeOut: io.stdout, writeErr: options.json ? () => {} : io.stderr });

  const run =
    <A extends unknown[]>(action: (ctx: CliContext, ...args: A) => Promise<number | void> | number | void) =>
    async (...args: A): Promise<void> => {
      const globals = program.opts<GlobalOptions>();
      const { CliContext } = await import('./context.ts');
      const ctx = new CliContext(globals);
      contexts.push(ctx);
      const local = (args.at(-2) ?? {}) as JsonFlag;
      try {
        const code = await action(ctx, ...args);
        process.exitCode = typeof code === 'number' ? code : 0;
      } catch (error) {
        process.exitCode = reportError(io, error, { json: local.json === true, verbose: globals.verbose === true });
      } finally {
        await ctx.close();
      }
    };

  const printExec = (doc: ExecDocument, json: boolean): void => {
    if (json) return printJson(io, doc);
    io.stdout(doc.modelView.endsWith('\n') ? doc.modelView : `${doc.modelView}\n`);
    const m = doc.metrics;
    io.stderr(
      `${doc.ok ? 'ok' : `failed: ${doc.error?.code ?? 'ERROR'}`} · ${Math.round(m.wallMs)} ms wall, ${Math.round(m.cpuMs)} ms cpu, ${m.toolCallCount} tool call${m.toolCallCount === 1 ? '' : 's'}` +
        `${doc.workspace ? ` · workspace ${doc.workspace.id}` : ''}\n`,
    );
  };

  const servers = program.command('servers').description('configured MCP servers');

  servers
    .command('list')
    .description('list every configured server, its transport and whether its tool cache is warm (starts nothing)')
    .option('--json', 'print JSON')
    .action(
      run(async (ctx, opts: JsonFlag) => {
        const { listServers } = await import('./commands/servers.ts');
        await ctx.loadClient();
        const rows = listServers(ctx.client);
        if (opts.json) printJson(io, rows);
        else if (rows.length === 0) io.stdout(`No servers in ${ctx.paths.serversDir}.\n`);
        else {
          io.stdout(
            table(
              ['ID', 'ENABLED', 'TRANSPORT', 'CACHE', 'DESCRIPTION'],
              rows.map((r) => [r.id, r.error ? 'invalid' : r.enabled ? 'yes' : 'no', r.transport, r.cache, r.error ? r.error.message.split('\n')[0]! : r.description]),
            ),
          );
          for (const r of rows.filter((row) => row.error)) io.stderr(`error ${r.error!.code}: ${r.error!.message}\n`);
        }
        return rows.some((r) => r.error) ? 2 : 0;
      }),
    );

  servers
    .command('test')
    .description('start or connect to servers, list their tools, report the count and round-trip time')
    .argument('[ids...]', 'server ids')
    .option('--all', 'every enabled server')
    .option('--json', 'print JSON: [{ server, ok, tools, ms, error }]')
    .action(
      run(async (ctx, ids: string[], opts: JsonFlag & { all?: boolean }) => {
        const { invalidServers, selectServers, testServers } = await import('./commands/servers.ts');
        await ctx.loadClient();
        const selected = selectServers(ctx.client, ids, opts.all === true);
        const progress = !opts.json;
        if (progress && io.interactive) io.stderr(`Testing ${selected.length} server${selected.length === 1 ? '' : 's'}...\n`);
        const report = (r: ServerTestResult): void => {
          if (progress) io.stdout(r.ok ? `ok    ${r.server}  ${r.tools} tools  ${r.ms} ms\n` : `FAIL  ${r.server}  ${r.ms} ms  ${r.error!.code}: ${r.error!.message}\n`);
        };
        const results = await testServers(ctx.client, selected, { onResult: report });
        // With --all, a server file that does not load is a server that fails, not one left out.
        if (opts.all) {
          for (const broken of invalidServers(ctx.client)) {
            report(broken);
            results.push(broken);
          }
        }
        if (opts.json) printJson(io, results);
        else io.stdout(`${results.filter((r) => r.ok).length}/${results.length} servers ok\n`);
        return results.every((r) => r.ok) ? 0 : 1;
      }),
    );

  servers
    .command('import')
    .description('turn a Claude Desktop / .mcp.json "mcpServers" file into server YAML files')
    .argument('<file>', 'claude_desktop_config.json or .mcp.json')
    .option('--force', 'overwrite servers that are already configured')
    .option('--rename <old=new>', 'import the entry <old> under the id <new> (repeatable)', collect, [])
    .option('--prefix <prefix>', 'put <prefix> before every imported id that --rename does not set')
    .option('--keep-secrets', 'write secret-looking env values and headers literally instead of ${VAR}')
    .option('--json', 'print JSON')
    .action(
      run(async (ctx, file: string, opts: JsonFlag & ImportFlags) => {
        const { importServersFile } = await import('./commands/servers.ts');
        const result = importServersFile(file, ctx.paths.serversDir, importOptions(opts));
        if (opts.json) printJson(io, result);
        else {
          for (const w of result.written) {
            io.stdout(`${result.replaced.includes(w.file) ? 'replaced' : 'wrote'} ${w.file}${w.variables.length ? ` (set ${w.variables.join(', ')} in the environment)` : ''}\n`);
          }
        }
        return 0;
      }),
    );

  program
    .command('init')
    .description('make a folder a MAGSAG project: magsag.config.yaml, .gitignore, tsconfig.json, codegen scripts; optionally import and snapshot servers')
    .argument('[dir]', 'the project folder (created if missing)', '.')
    .option('--from <file>', 'import the servers of a claude_desktop_config.json, .mcp.json, Cursor or VS Code mcp.json')
    .option('--refresh', 'start the servers once and snapshot their tools, so `magsag codegen` can generate modules')
    .option('--force', 'with --from: overwrite servers that are already configured')
    .option('--rename <old=new>', 'with --from: import the entry <old> under the id <new> (repeatable)', collect, [])
    .option('--prefix <prefix>', 'with --from: put <prefix> before every imported id that --rename does not set')
    .option('--keep-secrets', 'with --from: write secret-looking env values and headers literally instead of ${VAR}')
    .option('--json', 'print JSON: { project, configFile, created, updated, kept, imported?, refreshed?, next }')
    .action(
      run(async (_ctx, dir: string, opts: JsonFlag & ImportFlags & { from?: string; refresh?: boolean }) => {
        const globals = program.opts<GlobalOptions>();
        if (opts.from === undefined && (opts.force || opts.prefix !== undefined || opts.rename.length > 0 || opts.keepSecrets)) {
          throw new MagsagError('USAGE', '--force, --rename, --prefix and --keep-secrets apply to --from <file>; add --from or leave them out.');
        }
        if (globals.project && dir !== '.') throw new MagsagError('USAGE', `Give the folder once: magsag init ${dir}, or --project ${globals.project}, not both.`);
        const { initProject } = await import('./commands/init.ts');
        const { formatDiagnostic } = await import('@magsag/codegen');
        const progress = io.interactive && !opts.json && opts.refresh === true;
        const result = await (progress ? withProgress(io, 'starting the servers to snapshot their tools', initProject(globals.project || dir, initFlags(opts, globals))) : initProject(globals.project || dir, initFlags(opts, globals)));
        if (opts.json) printJson(io, result);
        else {
          io.stdout(`MAGSAG project in ${result.project}\n`);
          for (const file of result.created) io.stdout(`  created  ${file}\n`);
          for (const file of result.updated) io.stdout(`  updated  ${file}\n`);
          for (const k of result.kept) io.stdout(`  kept     ${k.file}: ${k.note}\n`);
          for (const w of result.imported?.written ?? []) {
            io.stdout(`  imported ${w.id}${w.variables.length ? ` (set ${w.variables.join(', ')} in the environment)` : ''}\n`);
          }
          for (const r of result.refreshed?.servers ?? []) io.stdout(`  snapshot ${r.id}: ${r.tools} tools\n`);
          for (const d of result.refreshed?.diagnostics ?? []) io.stderr(`${formatDiagnostic(d)}\n`);
          io.stdout(`Next:\n${result.next.map((n) => `  ${n}\n`).join('')}`);
        }
        return result.refreshed?.ok === false ? 1 : 0;
      }),
    );

  program
    .command('call')
    .description('call one tool of a server and print its result, masked (a quick way to poke a server)')
    .argument('<server>', 'server id (see `magsag servers list`)')
    .argument('<tool>', 'tool name (see `magsag tools ls <server>`)')
    .argument('[json-args]', 'the arguments as one JSON object', '{}')
    .option('--json', 'print the MCP result as JSON (masked like the text)')
    .action(
      run(async (ctx, server: string, tool: string, jsonArgs: string, opts: JsonFlag) => {
        let args: unknown;
        try {
          args = JSON.parse(jsonArgs);
        } catch (error) {
          throw new MagsagError('USAGE', `[json-args] is not JSON (${error instanceof Error ? error.message : String(error)}). Pass one object, quoted for the shell: '{"path": "notes.md"}'.`);
        }
        if (args === null || typeof args !== 'object' || Array.isArray(args)) {
          throw new MagsagError('USAGE', `[json-args] must be a JSON object, got ${Array.isArray(args) ? 'an array' : String(args === null ? 'null' : typeof args)}. Example: '{"path": "notes.md"}'.`);
        }
        await ctx.loadPii();
        const { callOnce } = await import('./commands/call.ts');
        const answer = await callOnce(ctx.client, (text) => ctx.pii.maskText(text).masked, server, tool, args as Record<string, unknown>);
        if (opts.json) printJson(io, answer.result);
        else io.stdout(answer.text.endsWith('\n') ? answer.text : `${answer.text}\n`);
        return answer.isError ? 1 : 0;
      }),
    );

  const tools = program.command('tools').description('discover tools from the generated modules, without starting servers');

  tools
    .command('search')
    .description('rank tools and skills for a query (BM25 over names, descriptions and parameters)')
    .argument('<query...>', 'words to search for')
    .option('--server <id>', 'only this server')
    .addOption(new Option('--detail <level>', 'name, summary or full (adds the typed signature)').choices(['name', 'summary', 'full']).default('summary'))
    .option('--limit <n>', 'most hits', (v) => positiveInt(v, '--limit'), 10)
    .option('--json', 'print JSON: [{ kind: "tool", server, tool, function, summary?, policy?, signature?, parameters?, score } | { kind: "skill", name, summary?, inputs?, score }]')
    .action(
      run(async (ctx, query: string[], opts: JsonFlag & { server?: string; detail: SearchDetail; limit: number }) => {
        const [{ readCatalog }, { searchTools }, { loadSkills }] = await Promise.all([import('./tools/catalog.ts'), import('./tools/search.ts'), import('@magsag/catalog')]);
        const skills = loadSkills(ctx.skillsDir).skills.map((sk) => ({ name: sk.name, description: sk.meta.description, inputs: sk.meta.inputs, servers: [...new Set(sk.meta.servers.map((x) => x.server))] }));
        const hits = searchTools(readCatalog(ctx.generatedDir), query.join(' '), {
          detail: opts.detail,
          limit: opts.limit,
          skills,
          ...(opts.server ? { server: opts.server } : {}),
        });
        if (opts.json) printJson(io, hits);
        else if (hits.length === 0) io.stdout(`No tools or skills match "${query.join(' ')}".\n`);
        else {
          for (const hit of hits) {
            if (hit.kind === 'skill') {
              io.stdout(`skill ${hit.name}${hit.summary ? ` - ${hit.summary}` : ''}\n`);
              if (hit.inputs) io.stdout(`  inputs: ${JSON.stringify(hit.inputs)}\n`);
              continue;
            }
            // Only the exceptions are marked: most tools are allowed.
            const policy = hit.policy && hit.policy !== 'allow' ? ` [${hit.policy}]` : '';
            io.stdout(`${hit.server}/${hit.tool}${hit.function === hit.tool ? '' : ` (${hit.function})`}${policy}${hit.summary ? ` - ${hit.summary}` : ''}\n`);
            if (hit.signature) io.stdout(`  ${hit.signature.split('\n').join('\n  ')}\n`);
          }
        }
      }),
    );

  tools
    .command('ls')
    .description('list servers with generated modules, or one server\'s tools')
    .argument('[path]', 'a server id (or servers/<id>)')
    .option('--json', 'print JSON')
    .action(
      run(async (ctx, target: string | undefined, opts: JsonFlag) => {
        const { listTools } = await import('./tools/catalog.ts');
        const listing = listTools(ctx.generatedDir, target);
        if (opts.json) printJson(io, listing.kind === 'servers' ? listing.servers : listing.tools);
        else if (listing.kind === 'servers') io.stdout(table(['SERVER', 'TOOLS'], listing.servers.map((s) => [s.server, String(s.tools)])));
        else io.stdout(table(['FILE', 'TOOL', 'SUMMARY'], listing.tools.map((t) => [t.file, t.tool, t.summary])));
      }),
    );

  tools
    .command('cat')
    .description('print one generated module: its types, docs and function')
    .argument('<tool>', '<server>/<tool>, e.g. filesystem/read_text_file or filesystem/readTextFile')
    .option('--json', 'print JSON: { server, tool, file, source }')
    .action(
      run(async (ctx, ref: string, opts: JsonFlag) => {
        const { readToolSource } = await import('./tools/catalog.ts');
        const found = readToolSource(ctx.generatedDir, ref);
        if (opts.json) printJson(io, found);
        else io.stdout(found.source);
      }),
    );

  addCodegenOptions(program.command('codegen').description('generate typed modules under servers/ from the server YAML snapshots (the project\'s mcp:codegen script)')).action(
    run(async (ctx, opts: CodegenCliOptions) =>
      (await import('@magsag/codegen/cli')).runCodegenCommand(
        { ...opts, ...(opts.serversDir === undefined ? { serversDir: ctx.paths.serversDir } : {}), ...(opts.out === undefined ? { out: ctx.generatedDir } : {}) },
        {
          out: io.stdout,
          err: io.stderr,
          interactive: io.interactive,
          // Sample results go through the PII middleware: shapes are taken from tokenized data only.
          sampleClient: () => ctx.isolatedMaskedClient(),
          stateDir: ctx.paths.stateDir,
          // Policies as the client decides them at call time: from the project ctx resolved (--project too).
          approvals: ctx.paths.approvals,
        },
      ),
    ),
  );

  const addRunFlags = (command: Command): Command =>
    command
      // Checked while the flags are parsed, before anything loads or touches the disk.
      .option('--workspace <id>', 'run in this workspace (created if missing): its files and PII placeholders carry over', (v) => assertWorkspaceId(v, '--workspace'))
      .option('--timeout <ms>', 'wall-clock limit of the run', (v) => positiveInt(v, '--timeout'))
      .option('--memory <mb>', 'memory limit of the sandbox heap', (v) => positiveInt(v, '--memory'))
      .option('--no-typecheck', 'skip type-checking the program against the generated modules')
      .option('--record-shapes', 'record the shapes of the results the run sees (after PII tokenization) in the state folder; `magsag codegen --sample` merges them')
      .option('--yes', 'approve every call whose policy is approve (scripted use; a terminal is asked otherwise)')
      .option('--approve <server/tool>', 'approve calls of this tool (repeatable; globs such as `crm/update_*` or `github/*`)', approveFlag, [])
      .option('--json', 'print JSON: { ok, result, logs, modelView, diagnostics, metrics, workspace, error }');

  addRunFlags(
    program
      .command('exec')
      .description('run a TypeScript program in the sandbox; it imports tools from ./servers/<server>/<tool>')
      .argument('<file>', 'the program, or - for stdin'),
  ).action(
    run(async (ctx, file: string, opts: CommandRunFlags & JsonFlag) => {
      const [{ readInput }, { runProgram }] = await Promise.all([import('./input.ts'), import('./commands/exec.ts')]);
      await ctx.loadPii();
      const code = await readInput(file);
      const filename = file === '-' ? 'stdin.ts' : path.basename(file);
      const doc = await withProgress(io, `running ${filename} in the sandbox`, runProgram(ctx, { code, filename }, withApprover(opts, prompting)), prompting);
      printExec(doc, opts.json === true);
      return runExitCode(doc);
    }),
  );

  addRunFlags(
    program
      .command('run')
      .description('run a skill in the sandbox (same JSON document as exec)')
      .argument('<skill>', 'skill name (see `magsag skills list`)')
      .option('--input <json>', 'the input as JSON, or @file to read it from a file')
      .option('--example <n>', 'run the skill\'s Nth example (from 0)', (v) => nonNegativeInt(v, '--example')),
  ).action(
    run(async (ctx, name: string, opts: CommandRunFlags & JsonFlag & { input?: string; example?: number }) => {
      if (opts.input !== undefined && opts.example !== undefined) throw new MagsagError('USAGE', 'Give --input or --example, not both.');
      const [{ exampleInput, findSkill }, { parseInputFlag }, { runSkill }] = await Promise.all([import('@magsag/catalog'), import('./input.ts'), import('./commands/exec.ts')]);
      await ctx.loadPii();
      const skill = findSkill(ctx.skillsDir, name);
      const input = opts.example !== undefined ? exampleInput(skill, opts.example) : opts.input !== undefined ? await parseInputFlag(opts.input) : {};
      const doc = await withProgress(io, `running skill ${skill.name}`, runSkill(ctx, skill, input, withApprover(opts, prompting)), prompting);
      printExec(doc, opts.json === true);
      return runExitCode(doc);
    }),
  );

  const skills = program.command('skills').description('reusable skills under skills/');
  skills
    .command('list')
    .description('list skills: name, description, version, servers')
    .option('--json', 'print JSON: [{ name, description, version, servers }]')
    .action(
      run(async (ctx, opts: JsonFlag) => {
        const { loadSkills } = await import('@magsag/catalog');
        const { skills: found, errors } = loadSkills(ctx.skillsDir);
        const rows = found.map((s) => ({ name: s.name, description: s.meta.description, version: s.meta.version, servers: s.meta.servers }));
        if (opts.json) printJson(io, rows);
        else io.stdout(table(['NAME', 'VERSION', 'SERVERS', 'DESCRIPTION'], rows.map((r) => [r.name, r.version, [...new Set(r.servers.map((x) => x.server))].join(','), r.description])));
        for (const e of errors) io.stderr(`error ${e.code}: ${e.message}\n`);
        return errors.length ? 2 : 0;
      }),
    );
  skills
    .command('new')
    .description('scaffold skills/<name>/ with a SKILL.md template and index.ts')
    .argument('<name>', 'kebab-case skill name')
    .option('--json', 'print JSON')
    .action(
      run(async (ctx, name: string, opts: JsonFlag) => {
        const { scaffoldSkill } = await import('@magsag/catalog');
        const created = scaffoldSkill(ctx.skillsDir, name);
        if (opts.json) printJson(io, created);
        else io.stdout(`created ${created.files.join(' and ')}\n`);
      }),
    );
  skills
    .command('save')
    .description('save a program as a skill: skills/<name>/ with a SKILL.md, checked like catalog:validate (the same function as serve\'s save_skill)')
    .argument('<file>', 'the program: a path, or <workspace-id>:<file> for a file in a workspace')
    .requiredOption('--name <name>', 'kebab-case skill name')
    .option('--description <text>', 'the skill description for SKILL.md')
    .option('--inputs <file>', 'a JSON Schema file (type: object) for the input')
    .option('--example <json>', 'an input the skill runs with, as JSON or @file (repeatable; each must pass --inputs)', collect, [])
    .option('--overwrite', 'replace a skill of the same name')
    .option('--json', 'print JSON')
    .action(
      run(async (ctx, file: string, opts: JsonFlag & { name: string; description?: string; inputs?: string; example: string[]; overwrite?: boolean }) => {
        const [{ saveSkill }, { parseInputFlag, readInput }] = await Promise.all([import('@magsag/catalog'), import('./input.ts')]);
        const ref = /^([A-Za-z0-9][A-Za-z0-9._-]*):(.+)$/.exec(file);
        const source = ref ? ref[2]! : path.resolve(file);
        let code: string;
        if (ref) {
          // A file of a workspace, wherever the store keeps it (the state folder or PostgreSQL).
          const { workspaces } = await ctx.store();
          const meta = await workspaces.open(ref[1]!, { create: false });
          code = await workspaces.read(meta.id, ref[2]!);
        } else {
          code = await readInput(source);
        }
        const inputSchema = opts.inputs === undefined ? undefined : await parseInputFlag(`@${opts.inputs}`, '--inputs');
        if (inputSchema !== undefined && (typeof inputSchema !== 'object' || inputSchema === null || Array.isArray(inputSchema))) {
          throw new MagsagError('USAGE', `--inputs ${opts.inputs}: expected a JSON Schema object with type: object.`);
        }
        const examples = await Promise.all(opts.example.map(async (e) => ({ input: await parseInputFlag(e, '--example') })));
        const saved = saveSkill({
          root: ctx.paths.root,
          skillsDir: ctx.skillsDir,
          serversDir: ctx.generatedDir,
          name: opts.name,
          description: opts.description ?? `Saved from ${path.basename(source)}: describe what it does and when to use it.`,
          code,
          ...(inputSchema === undefined ? {} : { inputSchema: inputSchema as Record<string, unknown> }),
          ...(examples.length ? { examples } : {}),
          overwrite: opts.overwrite === true,
        });
        if (opts.json) printJson(io, saved);
        else io.stdout(`saved ${saved.files.map((f) => path.relative(process.cwd(), f)).join(' and ')}; run it with \`magsag run ${saved.name}${saved.examples ? ' --example 0' : " --input '{...}'"}\`\n`);
      }),
    );

  const workspace = program.command('workspace').description('run workspaces under .magsag/workspaces');
  workspace
    .command('list')
    .description('list workspaces, most recently used first')
    .option('--json', 'print JSON')
    .action(
      run(async (ctx, opts: JsonFlag) => {
        const { listWorkspacesIn, markInterruptedRunsIn } = await import('@magsag/runner');
        const store = await ctx.store();
        await markInterruptedRunsIn(store);
        const rows = await listWorkspacesIn(store);
        if (opts.json) printJson(io, rows);
        else if (rows.length === 0) io.stdout('No workspaces yet: `magsag exec` creates one per run.\n');
        else io.stdout(table(['ID', 'RUNS', 'FILES', 'BYTES', 'LAST USED'], rows.map((w) => [w.id, String(w.runs), String(w.files), String(w.bytes), w.updatedAt])));
      }),
    );
  workspace
    .command('show')
    .description('one workspace: its files and runs')
    .argument('<id>', 'workspace id')
    .option('--json', 'print JSON')
    .action(
      run(async (ctx, id: string, opts: JsonFlag) => {
        const { markInterruptedRunsIn, showWorkspaceIn } = await import('@magsag/runner');
        const store = await ctx.store();
        await markInterruptedRunsIn(store);
        const shown = await showWorkspaceIn(store, id);
        if (opts.json) printJson(io, shown);
        else io.stdout(`${JSON.stringify(shown, null, 2)}\n`);
      }),
    );
  workspace
    .command('clean')
    .description('remove workspaces older than --max-age or beyond --max-count')
    .option('--max-age <days>', 'remove workspaces unused for longer than this', (v) => positiveInt(v, '--max-age'))
    .option('--max-count <n>', 'keep at most this many, most recent first', (v) => positiveInt(v, '--max-count'))
    .option('--dry-run', 'say what would be removed, remove nothing')
    .option('--json', 'print JSON')
    .action(
      run(async (ctx, opts: JsonFlag & { maxAge?: number; maxCount?: number; dryRun?: boolean }) => {
        const { cleanWorkspacesIn } = await import('@magsag/runner');
        const cleaned = await cleanWorkspacesIn(await ctx.store(), {
          ...(opts.maxAge === undefined ? {} : { maxAgeMs: opts.maxAge * 24 * 60 * 60 * 1000 }),
          ...(opts.maxCount === undefined ? {} : { maxCount: opts.maxCount }),
          dryRun: opts.dryRun === true,
        });
        if (opts.json) printJson(io, cleaned);
        else {
          for (const id of cleaned.removed) io.stdout(`${opts.dryRun ? 'would remove' : 'removed'} ${id}\n`);
          io.stdout(`${cleaned.removed.length} workspace(s) ${opts.dryRun ? 'would be removed' : 'removed'}, ${cleaned.kept.length} kept.\n`);
        }
      }),
    );

  program
    .command('pii')
    .description('personal data: see what the masker does')
    .command('mask')
    .description('mask personal data in a file or stdin and print it')
    .argument('[file]', 'a file, or - (default) for stdin')
    .option('--json', 'print JSON: { masked, findings: [{ kind, placeholder, start, end }] }')
    .action(
      run(async (ctx, file: string | undefined, opts: JsonFlag) => {
        const { readInput } = await import('./input.ts');
        await ctx.loadPii();
        const { masked, findings } = ctx.pii.maskText(await readInput(file));
        if (opts.json) printJson(io, { masked, findings });
        else io.stdout(masked.endsWith('\n') || masked === '' ? masked : `${masked}\n`);
      }),
    );

  program
    .command('audit')
    .description('the PII audit log: what was tokenized and untokenized in a run')
    .command('show')
    .description("print a run's audit: values that crossed the PII boundary (raw; needs the vault key, MAGSAG_VAULT_KEY or the key file) and every approval decision")
    .argument('<run>', 'run id (from exec --json: workspace.runId)')
    .option('--key-file <file>', 'the vault key file, when it is not <state>/vault.key')
    .option('--json', 'print JSON: the PII entries, then the approvals ({ direction: "approval", decidedBy, outcome, ... })')
    .action(
      run(async (ctx, runId: string, opts: JsonFlag & { keyFile?: string }) => {
        const { readApprovalAuditFrom, readAuditFrom, resolveVaultKey } = await import('@magsag/pii');
        let key;
        try {
          key = resolveVaultKey({ stateDir: ctx.paths.stateDir, ...(opts.keyFile ? { keyFile: path.resolve(opts.keyFile) } : {}), create: false });
        } catch (error) {
          if (isMagsagError(error)) throw error;
          key = undefined;
        }
        const { audit } = await ctx.store();
        const approvals = await readApprovalAuditFrom(audit, runId);
        // A run that only asked for approvals has nothing sealed: its decisions show without the key.
        const entries = approvals.length > 0 && key === undefined ? [] : await readAuditFrom(audit, { runId, key });
        if (opts.json) printJson(io, [...entries, ...approvals]);
        else {
          if (entries.length > 0 || approvals.length === 0) {
            io.stdout(table(['DIRECTION', 'SERVER', 'TOOL', 'KIND', 'PLACEHOLDER', 'VALUE'], entries.map((e) => [String(e.direction), String(e.server), String(e.tool ?? ''), String(e.kind), String(e.placeholder), e.value])));
          }
          if (approvals.length > 0) {
            if (entries.length > 0) io.stdout('\n');
            io.stdout(
              table(
                ['APPROVAL', 'SERVER', 'TOOL', 'OUTCOME', 'DECIDED BY', 'AT', 'WAITED', 'ARGS SHA-256'],
                approvals.map((a) => [a.approvalId, a.server, a.tool, a.scope === 'tools' ? `${a.outcome} (tool, for the run)` : a.outcome, a.decidedBy, a.ts, `${Math.round(a.waitedMs / 100) / 10} s`, a.argumentsHash.slice(0, 16)]),
              ),
            );
          }
          if (key === undefined && approvals.length > 0) io.stderr('note: the PII entries of this run, if any, need the vault key (MAGSAG_VAULT_KEY or --key-file).\n');
        }
      }),
    );

  const approvals = program.command('approvals').description('tool calls waiting for a person\'s approval: the queue of magsag serve clients that cannot show prompts');
  approvals
    .command('list')
    .description('list the pending approval requests, newest first: id, principal, calls (masked arguments), expiry')
    .option('--all', 'also list answered, expired and cancelled requests (kept for a day)')
    .option('--json', 'print JSON: [{ id, status, principal, runId, workspaceId, calls: [{ server, tool, arguments, argumentsHash, reason }], createdAt, expiresAt, decision? }]')
    .action(
      run(async (ctx, opts: JsonFlag & { all?: boolean }) => {
        const { callLines, listApprovals } = await import('./commands/approvals.ts');
        const rows = await listApprovals((await ctx.store()).approvals, { all: opts.all === true });
        if (opts.json) printJson(io, rows);
        else if (rows.length === 0) io.stdout(opts.all ? 'No approval requests.\n' : 'No approval requests are waiting.\n');
        else {
          for (const r of rows) {
            io.stdout(`${r.id}  ${r.status}  principal ${r.principal}  run ${r.runId}  ${r.status === 'pending' ? `expires ${r.expiresAt}` : r.decision ? `by ${r.decision.decidedBy}` : ''}\n`);
            for (const line of callLines(r)) io.stdout(`  ${line}\n`);
          }
          if (rows.some((r) => r.status === 'pending')) io.stdout('Answer with `magsag approvals approve <id>` (add --tool to approve these tools for the rest of the run) or `magsag approvals deny <id>`.\n');
        }
      }),
    );
  approvals
    .command('approve')
    .description('approve a pending request: its calls go to their servers')
    .argument('<id>', 'the request id (apr-…, from `magsag approvals list`)')
    .option('--tool', 'also approve these tools for the rest of the run (scope "tools")')
    .option('--note <text>', 'a word for the audit log')
    .option('--json', 'print JSON: the request with its decision')
    .action(
      run(async (ctx, id: string, opts: JsonFlag & { tool?: boolean; note?: string }) => {
        const [{ decideApproval }, { describeCalls }] = await Promise.all([import('./commands/approvals.ts'), import('./approvals/queue.ts')]);
        const entry = await decideApproval((await ctx.store()).approvals, id, { approved: true, tools: opts.tool === true, ...(opts.note ? { note: opts.note } : {}) });
        if (opts.json) printJson(io, entry);
        else io.stdout(`approved ${entry.id}: ${describeCalls(entry.calls)}${opts.tool ? ', and these tools for the rest of the run' : ''} (run ${entry.runId}, principal ${entry.principal})\n`);
      }),
    );
  approvals
    .command('deny')
    .description('deny a pending request: its calls fail with TOOL_APPROVAL_DENIED and nothing reaches the server')
    .argument('<id>', 'the request id (apr-…, from `magsag approvals list`)')
    .option('--note <text>', 'why: the program sees it in the error')
    .option('--json', 'print JSON: the request with its decision')
    .action(
      run(async (ctx, id: string, opts: JsonFlag & { note?: string }) => {
        const [{ decideApproval }, { describeCalls }] = await Promise.all([import('./commands/approvals.ts'), import('./approvals/queue.ts')]);
        const entry = await decideApproval((await ctx.store()).approvals, id, { approved: false, ...(opts.note ? { note: opts.note } : {}) });
        if (opts.json) printJson(io, entry);
        else io.stdout(`denied ${entry.id}: ${describeCalls(entry.calls)} (run ${entry.runId}, principal ${entry.principal})\n`);
      }),
    );

  program
    .command('serve')
    .description('run MAGSAG as an MCP server (stdio by default): search_tools, read_tool, execute_code, read_output, run_skill, list_skills, save_skill')
    .option('--http <port>', 'serve streamable HTTP on this port instead of stdio', (v) => portNumber(v))
    .option('--host <host>', 'address to bind with --http', '127.0.0.1')
    .addOption(new Option('--token <token>', 'bearer token clients must send, for the principal "default" (a token is required off loopback)').env('MAGSAG_SERVE_TOKEN'))
    .option('--tokens-file <file>', 'principals for --http: one name=token line each (also MAGSAG_SERVE_TOKENS="alice=<token>,bob=<token>")')
    .option('--allowed-host <name>', 'also accept this Host header with --http (repeatable; loopback names and the bound address always are)', collect, [])
    .option('--allowed-origin <origin>', 'let browser pages from this origin call --http, e.g. `http://localhost:6274` (repeatable)', collect, [])
    .option('--skill-writers <names>', 'principals (comma-separated) that may save skills (save_skill) besides the local user', (v) => v.split(',').map((n) => n.trim()).filter(Boolean), [])
    .option('--session-idle-ms <ms>', 'close an HTTP session unused for this long', (v) => positiveInt(v, '--session-idle-ms'), serveDefaults.sessionIdleMs)
    .option('--max-sessions <n>', 'HTTP sessions open at once; past it, 503 with Retry-After', (v) => positiveInt(v, '--max-sessions'), serveDefaults.maxSessions)
    .option('--shutdown-grace-ms <ms>', 'on SIGTERM, SIGINT or a closed stdin, time runs get to end as cancelled', (v) => positiveInt(v, '--shutdown-grace-ms'), serveDefaults.shutdownGraceMs)
    .option('--max-workers <n>', 'sandbox worker processes (default: the number of CPUs)', (v) => positiveInt(v, '--max-workers'))
    .option('--slots-per-worker <n>', 'runs (isolates) one sandbox worker holds at once (default: 16)', (v) => positiveInt(v, '--slots-per-worker'))
    .option('--memory-ceiling-mb <n>', 'memory all running isolates may reserve together, 3 x memoryMb each (default: half the RAM)', (v) => positiveInt(v, '--memory-ceiling-mb'))
    .option('--queue-length <n>', 'runs that may wait for a sandbox slot; past it, SANDBOX_BUSY (default: 256)', (v) => nonNegativeInt(v, '--queue-length'))
    .option('--queue-timeout-ms <ms>', 'how long a run may wait for a sandbox slot before SANDBOX_BUSY (default: 60000)', (v) => positiveInt(v, '--queue-timeout-ms'))
    .option('--mcp-config <file>', 'serve the servers of this claude_desktop_config.json, .mcp.json or mcp.json directly (tools snapshotted and modules generated into the state folder on first start); the project is the file\'s folder (the one above .vscode/ or .cursor/) unless --project says otherwise')
    .option('--refresh', 'with --mcp-config: snapshot the servers\' tools again instead of using the cache')
    .option('--record-shapes', 'record the shapes of the results runs see (after PII tokenization) in the state folder; `magsag codegen --sample` merges them')
    .option('--approval-timeout <ms>', 'how long a call that needs approval waits for the client\'s prompt or `magsag approvals approve` (default: approvals.approvalTimeoutMs of magsag.config.yaml, else 120000)', (v) => positiveInt(v, '--approval-timeout'))
    .addOption(new Option('--replica <name>', 'this replica\'s name (letters, digits, -): with --http, every session id starts with `<name>.` so a balancer can route a session to its replica (default: the host name)').env('MAGSAG_REPLICA').argParser((v) => replicaName(v, '--replica')))
    .action(
      run(
        async (
          ctx,
          opts: {
            http?: number;
            host: string;
            token?: string;
            tokensFile?: string;
            allowedHost: string[];
            allowedOrigin: string[];
            skillWriters: string[];
            sessionIdleMs: number;
            maxSessions: number;
            shutdownGraceMs: number;
            maxWorkers?: number;
            slotsPerWorker?: number;
            memoryCeilingMb?: number;
            queueLength?: number;
            queueTimeoutMs?: number;
            mcpConfig?: string;
            refresh?: boolean;
            recordShapes?: boolean;
            approvalTimeout?: number;
            replica?: string;
          },
        ) => {
          if (opts.refresh && opts.mcpConfig === undefined) throw new MagsagError('USAGE', '--refresh applies to --mcp-config <file>; without it, refresh snapshots with `magsag codegen --refresh`.');
          if (opts.mcpConfig !== undefined) {
            if (ctx.options.serversDir) throw new MagsagError('USAGE', '--mcp-config names the servers; leave out --servers-dir (or unset MAGSAG_SERVERS_DIR).');
            const [{ mcpConfigFolder, resolveProjectPaths }, { prepareMcpConfig }] = await Promise.all([import('@magsag/mcp-client/config'), import('./serve/mcpConfig.ts')]);
            const base = resolveProjectPaths({
              project: ctx.options.project || mcpConfigFolder(opts.mcpConfig),
              ...(ctx.options.stateDir ? { stateDir: ctx.options.stateDir } : {}),
            });
            const prepared = await prepareMcpConfig(opts.mcpConfig, base, { refresh: opts.refresh === true, log: io.stderr });
            ctx.usePaths(prepared.paths);
          }
          const [{ runProgram, runSkill }, { findSkill, loadSkills }, { saveSkillInProcess }, { RunTracker, serveHttp, serveStdio }, { configureSandboxPool, markInterruptedRunsIn, readRunOutputIn, sandboxGlobals, warmTranspiler, warmTypeChecker }] = await Promise.all([
            import('./commands/exec.ts'),
            import('@magsag/catalog'),
            import('./serve/saveSkill.ts'),
            import('./serve/server.ts'),
            import('@magsag/runner'),
          ]);
          const replica = opts.replica ?? replicaName(hostname(), 'the host name', true);
          const [{ ServeMetrics }, { SharedSkills }] = await Promise.all([import('./serve/metrics.ts'), import('./serve/sharedSkills.ts')]);
          let sessionCount = (): number => 0;
          // The gauges read the pool and the runs (made below) when scraped.
          const metrics = new ServeMetrics(replica, { runsInFlight: () => runs.size, sandboxQueue: () => pool.stats.queued, sessions: () => sessionCount() });
          ctx.observeStore((operation, seconds, ok) => metrics.observeStore(operation, seconds, ok));
          // The store first: a PostgreSQL that cannot be reached, or keys that do not match it, stop
          // the start here with STORE_UNAVAILABLE instead of failing the first client's call.
          await ctx.loadClient();
          const store = await ctx.store();
          await ctx.loadPii();
          // A shared store: the vault key must be the one the other replicas use (checked, not guessed).
          await ctx.pii.ready();
          // Records left `running` by a serve (or, sharing a store, a replica) that was killed are
          // marked before anything new starts, then every 30 s: a replica on another machine that
          // died is found by its heartbeat.
          await markInterruptedRunsIn(store);
          const sweep = setInterval(() => void markInterruptedRunsIn(store).catch((error: unknown) => ctx.logger.warn({ err: error }, 'could not look for interrupted runs')), 30_000);
          sweep.unref();
          ctx.onClose(async () => clearInterval(sweep));
          // The pool and the type-checker start now, not on the first client's call.
          const pool = configureSandboxPool({
            ...(opts.maxWorkers === undefined ? {} : { maxWorkers: opts.maxWorkers }),
            ...(opts.slotsPerWorker === undefined ? {} : { slotsPerWorker: opts.slotsPerWorker }),
            ...(opts.memoryCeilingMb === undefined ? {} : { memoryCeilingMb: opts.memoryCeilingMb }),
            ...(opts.queueLength === undefined ? {} : { queueLength: opts.queueLength }),
            ...(opts.queueTimeoutMs === undefined ? {} : { queueTimeoutMs: opts.queueTimeoutMs }),
          });
          pool.warm(pool.options.maxWorkers);
          warmTranspiler();
          warmTypeChecker({ serversDir: ctx.generatedDir, skillsDir: ctx.skillsDir });
          const runs = new RunTracker();
          ctx.onClose(() => runs.shutdown(opts.shutdownGraceMs));
          // Before the PII middleware (wired on the first run): its afterCall sees the server's answer.
          ctx.client.use(metrics.toolCallTimer());
          const timed = async <T extends { ok: boolean; error?: { code: string } | null }>(kind: 'execute_code' | 'run_skill', work: () => Promise<T>): Promise<T> => {
            const start = performance.now();
            try {
              const doc = await work();
              metrics.observeRun(kind, (performance.now() - start) / 1000, doc.ok ? 'ok' : doc.error?.code === 'SANDBOX_CANCELLED' ? 'cancelled' : 'error');
              return doc;
            } catch (error) {
              metrics.observeRun(kind, (performance.now() - start) / 1000, toMagsagError(error).code === 'SANDBOX_CANCELLED' ? 'cancelled' : 'error');
              throw error;
            }
          };
          // What every served run shares: the caller's workspaces only, its session's approver.
          const servedFlags = (owner: string, approve: ExecFlags['approve'], workspace: string | undefined): ExecFlags => ({
            owner,
            createWorkspace: false,
            recordShapes: opts.recordShapes === true,
            ...(approve ? { approve } : {}),
            ...(opts.approvalTimeout === undefined ? {} : { approvalTimeoutMs: opts.approvalTimeout }),
            ...(workspace === undefined ? {} : { workspace }),
          });
          // With a PostgreSQL store, skills agents save reach every replica's skills folder.
          const shared = store.skills ? new SharedSkills(store.skills, ctx.skillsDir) : undefined;
          await shared?.refresh(true);
          const deps: ServeDeps = {
            generatedDir: ctx.generatedDir,
            ...(shared ? { refreshSkills: () => shared.refresh() } : {}),
            // Each call runs in its own isolate, in a workspace of the caller's; the client's
            // cancellation, its disconnect and the server's shutdown abort it.
            executeCode: async ({ code, workspace, timeoutMs, signal, principal, approve }) => {
              const doc = await timed('execute_code', () => runProgram(ctx, { code, filename: 'execute_code.ts' }, { ...servedFlags(principal.name, approve, workspace), ...(timeoutMs ? { timeout: timeoutMs } : {}) }, signal));
              return { ok: doc.ok, modelView: doc.modelView, workspace: doc.workspace?.id };
            },
            listSkills: () =>
              loadSkills(ctx.skillsDir).skills.map((sk) => ({ name: sk.name, description: sk.meta.description, version: sk.meta.version, inputs: sk.meta.inputs, servers: [...new Set(sk.meta.servers.map((x) => x.server))] })),
            // The same function as `magsag skills save`, in a process of its own (its type-check takes
            // seconds); who may call it is checked by the server.
            saveSkill: async ({ principal, ...request }) => {
              // Another replica may have saved this name: its skill is here before the name is checked.
              await shared?.refresh(true);
              const saved = await saveSkillInProcess({ root: ctx.paths.root, skillsDir: ctx.skillsDir, serversDir: ctx.generatedDir, ...request });
              await shared?.publish(saved.name, principal, false);
              return { name: saved.name, files: saved.files.map((f) => path.relative(ctx.paths.root, f)), servers: saved.servers };
            },
            runSkill: async ({ name, input, workspace, signal, principal, approve }) => {
              const doc = await timed('run_skill', () => runSkill(ctx, findSkill(ctx.skillsDir, name), input, servedFlags(principal.name, approve, workspace), signal));
              return { ok: doc.ok, modelView: doc.modelView, workspace: doc.workspace?.id };
            },
            readOutput: ({ workspace, runId, offset, length, principal }) =>
              readRunOutputIn(store, workspace, runId, { owner: principal.name, ...(offset === undefined ? {} : { offset }), ...(length === undefined ? {} : { length }) }),
            sandboxGlobals,
            skillWriters: opts.skillWriters,
            // Clients without MCP elicitation: their approvals wait here for `magsag approvals`.
            approvalQueue: store.approvals,
            // Answers that are not run output: a stateless masker, so one answer never changes the next.
            mask: (text) => ctx.pii.staticMasker().mask(text),
          };
          if (opts.http === undefined) {
            await serveStdio(deps, { runs, shutdownGraceMs: opts.shutdownGraceMs });
            // Whatever handle is left (a server that ignores SIGTERM), the client is gone: exit.
            setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
            return 0;
          }
          const served = await serveHttp(deps, {
            port: opts.http,
            host: opts.host,
            runs,
            allowedHosts: opts.allowedHost,
            allowedOrigins: opts.allowedOrigin,
            sessionIdleMs: opts.sessionIdleMs,
            maxSessions: opts.maxSessions,
            ...(opts.token ? { token: opts.token } : {}),
            ...(opts.tokensFile ? { tokensFile: opts.tokensFile } : {}),
            ...(process.env['MAGSAG_SERVE_TOKENS'] ? { tokensEnv: process.env['MAGSAG_SERVE_TOKENS'] } : {}),
            replica,
            ready: () => store.ping(),
            metrics: () => metrics.scrape(),
          });
          sessionCount = served.sessions;
          ctx.onClose(() => served.close(opts.shutdownGraceMs));
          io.stderr(`magsag serve: listening on ${served.url} as replica ${replica}${store.kind === 'postgres' ? ` on the store ${store.where}` : ''}${served.principals.length ? ` (principals: ${served.principals.join(', ')})` : ' (local user only)'}\n`);
          await new Promise<void>((resolve) => served.server.once('close', resolve));
          return 0;
        },
      ),
    );

  program
    .command('ui')
    .description('serve a local web app on 127.0.0.1: servers and tools, a code editor with type errors, runs, approvals, skills, benchmarks; prints a one-time link and opens the browser')
    .option('--port <n>', 'port to listen on (default: a free one)', (v) => portNumber(v))
    .option('--no-open', 'do not open the browser (the link is printed either way)')
    .action(
      run(async (ctx, opts: { port?: number; open: boolean }) => {
        const [{ uiDeps }, { startUi }, { warmTypeChecker }, { openBrowser }] = await Promise.all([import('./commands/ui.ts'), import('@magsag/ui'), import('@magsag/runner'), import('./open.ts')]);
        const deps = await uiDeps(ctx);
        warmTypeChecker({ serversDir: ctx.generatedDir, skillsDir: ctx.skillsDir });
        const ui = await startUi(deps, opts.port === undefined ? {} : { port: opts.port });
        ctx.onClose(() => ui.close());
        // The link carries the one-time token: it is printed for the user, never logged.
        io.stdout(`magsag ui: ${ui.url}\n`);
        io.stderr('The link works once (it logs this browser in); stop with Ctrl-C.\n');
        if (opts.open) openBrowser(ui.url, (why) => io.stderr(`magsag ui: could not open a browser (${why}); open the link above.\n`));
        await new Promise<void>((resolve) => {
          const stop = (): void => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        return 0;
      }),
    );

  program
    .command('doctor')
    .description('check Node, isolated-vm, server config and commands, caches and generated modules; say what to fix')
    .option('--json', 'print JSON: [{ check, status, message, fix? }]')
    .action(
      run(async (ctx, opts: JsonFlag) => {
        const { runDoctor } = await import('./commands/doctor.ts');
        await ctx.loadClient();
        const checks = await runDoctor(ctx.client, ctx.paths, ctx.generatedDir);
        if (opts.json) printJson(io, checks);
        else {
          for (const c of checks) {
            io.stdout(`${c.status.padEnd(4)}  ${c.check}: ${c.message}\n`);
            if (c.fix) io.stdout(`      fix: ${c.fix}\n`);
          }
        }
        return checks.some((c) => c.status === 'fail') ? 1 : 0;
      }),
    );

  program
    .command('demo')
    .description('demo data')
    .command('reset')
    .description('recreate .magsag/demo from the committed seed in tools/adk/demo-data')
    .option('--json', 'print JSON')
    .action(
      run(async (ctx, opts: JsonFlag) => {
        const { resetDemo } = await import('./commands/demo.ts');
        const result = resetDemo(ctx.paths);
        if (opts.json) printJson(io, result);
        else io.stdout(`Demo data reset in ${result.demoDir} (${result.entries.join(', ')}).\n`);
      }),
    );

  return program;
}

/** The flags `servers import` and `init --from` share. */
interface ImportFlags {
  force?: boolean;
  keepSecrets?: boolean;
  rename: string[];
  prefix?: string;
}

function importOptions(opts: ImportFlags): { force: boolean; keepSecrets: boolean; rename: Record<string, string>; prefix?: string } {
  const rename: Record<string, string> = {};
  for (const pair of opts.rename) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) throw new MagsagError('USAGE', `--rename takes <old>=<new>, got "${pair}". Example: --rename memory=my-memory.`);
    rename[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { force: opts.force === true, keepSecrets: opts.keepSecrets === true, rename, ...(opts.prefix === undefined ? {} : { prefix: opts.prefix }) };
}

function initFlags(opts: ImportFlags & { from?: string; refresh?: boolean }, globals: GlobalOptions): InitOptions {
  return {
    ...(opts.from === undefined ? {} : { from: opts.from, import: importOptions(opts) }),
    refresh: opts.refresh === true,
    ...(globals.serversDir ? { serversDir: globals.serversDir } : {}),
    ...(globals.stateDir ? { stateDir: globals.stateDir } : {}),
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new MagsagError('USAGE', `--http must be a port number (0-65535), got "${value}".`);
  return n;
}

function nonNegativeInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new MagsagError('USAGE', `${flag} must be a whole number from 0, got "${value}".`);
  return n;
}

/**
 * A replica name: letters, digits and `-`, 1 to 63 characters (a DNS label, so a pod name fits).
 * `lenient` turns anything else into one (a host name with dots) instead of refusing it.
 */
export function replicaName(value: string, flag: string, lenient = false): string {
  const cleaned = lenient ? value.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'replica' : value;
  if (!/^[A-Za-z0-9-]{1,63}$/.test(cleaned)) {
    throw new MagsagError('USAGE', `${flag} must be 1 to 63 letters, digits or "-" (it starts every session id), got "${value.slice(0, 80)}". Example: --replica magsag-0.`, { data: { flag } });
  }
  return cleaned;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new MagsagError('USAGE', `${flag} must be a positive integer, got "${value}".`);
  return n;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const contexts: CliContext[] = [];
  const json = argv.includes('--json');
  const program = createProgram(io, contexts, { json });
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const code = signal === 'SIGINT' ? 130 : 143;
    // A second Ctrl-C does not wait any longer.
    if (stopping) process.exit(code);
    stopping = true;
    // Ctrl-C: end every server process we started before exiting, so none is orphaned.
    void Promise.all(contexts.map((c) => c.close())).finally(() => process.exit(code));
  };
  // `on`, not `once`: the listener must stay registered while it works. signal-exit (loaded later by
  // proper-lockfile) re-raises a signal it sees no other listener for, which would kill the process
  // before running runs are recorded as cancelled.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage error.
      if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (json) {
        const message = error.message.replace(/^error: /, '').replace(/\s*\(Did you mean ([^)]*)\)/, ' (did you mean $1)');
        printJson(io, { error: { code: 'USAGE', message: `${message}. Run \`magsag --help\` for the commands and their arguments.` } });
      }
      return 2;
    }
    // An option parser refused a value before the action ran: still one JSON document with --json.
    return reportError(io, error, { json, verbose: argv.includes('--verbose') });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Whether a prompt is on the terminal: progress lines wait meanwhile. */
const prompting = { active: false };

/** The run flags, with the approver that --yes / --approve (commander's `approve` list) or the terminal make. */
function withApprover(flags: CommandRunFlags, state: { active: boolean }): ExecFlags {
  const { yes, approve: patterns, ...rest } = flags;
  const approve = cliApprover({ ...(yes ? { yes } : {}), ...(patterns ? { approve: patterns } : {}) }, { onPrompt: (active) => (state.active = active) });
  return { ...rest, ...(approve ? { approve } : {}) };
}

/** The flags of `exec` and `run` as commander gives them. */
type CommandRunFlags = Omit<ExecFlags, 'approve'> & ApprovalFlags;

/**
 * A run that failed because of how it was asked (a limit over its maximum, a bad id) exits 2; one
 * that ended on a call nobody approved (or a person denied) 3; any other failure 1.
 */
function runExitCode(doc: ExecDocument): 0 | 1 | 2 | 3 {
  if (doc.ok) return 0;
  const code = doc.error?.code;
  if (code === 'TOOL_APPROVAL_REQUIRED' || code === 'TOOL_APPROVAL_DENIED') return 3;
  return code === 'USAGE' ? 2 : 1;
}
