// A project of the user's own, outside this repository: `magsag init --from`, codegen, exec from a
// subfolder, `codegen --check`, tsc with the files init wrote, `serve` over the project's servers,
// and `serve --mcp-config` with no codegen at all. Nothing of the demo's may show up.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs, magsag, repoRoot } from './helpers.ts';

const memoryServer = path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js');
const textOf = (result: unknown): string => ((result as { content: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');
// The repository's own settings must not leak in through the environment.
const env = { MAGSAG_SERVERS_DIR: '', MAGSAG_STATE_DIR: '', MAGSAG_PROJECT: '', MAGSAG_SERVE_TOKEN: '', MAGSAG_SERVE_TOKENS: '' };

let home: string;
let project: string;

async function withServe<T>(cwd: string, args: string[], use: (client: Client, stderr: () => string) => Promise<T>): Promise<T> {
  const [command, ...rest] = cliArgs(['serve', ...args]);
  const transport = new StdioClientTransport({
    command: command!,
    args: rest,
    cwd,
    env: Object.fromEntries(Object.entries({ ...process.env, ...env }).filter((e): e is [string, string] => e[1] !== undefined)),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'project-test', version: '1.0.0' });
  await client.connect(transport);
  try {
    return await use(client, () => stderr);
  } finally {
    await client.close();
  }
}

beforeAll(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'magsag-project-'));
  project = path.join(home, 'my-agent');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'my-agent', private: true, scripts: { test: 'echo ok' } }, null, 2)}\n`);
  writeFileSync(
    path.join(project, 'claude_desktop_config.json'),
    JSON.stringify({ mcpServers: { 'Knowledge Graph': { command: 'node', args: [memoryServer], env: { MEMORY_FILE_PATH: path.join(home, 'memory.jsonl') } } } }),
  );
});

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('magsag init in a folder of the user\'s own', { timeout: 300_000 }, () => {
  it('writes the project files, imports the servers and snapshots their tools', () => {
    const run = magsag(['init', '--from', 'claude_desktop_config.json', '--refresh', '--json'], { cwd: project, env });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { created: string[]; updated: string[]; imported: { written: { id: string }[] }; refreshed: { ok: boolean; servers: { id: string; tools: number }[] } };
    expect(result.created).toEqual(expect.arrayContaining(['magsag.config.yaml', 'mcp/', '.gitignore', 'magsag-env.d.ts', 'tsconfig.json']));
    expect(result.updated).toEqual(['package.json']);
    expect(result.imported.written.map((w) => w.id)).toEqual(['knowledge-graph']);
    expect(result.refreshed).toMatchObject({ ok: true, servers: [{ id: 'knowledge-graph', tools: 9 }] });
    expect(readFileSync(path.join(project, '.gitignore'), 'utf8')).toContain('/.magsag/');
    const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts).toEqual({ test: 'echo ok', 'mcp:codegen': 'magsag codegen', 'mcp:codegen:check': 'magsag codegen --check' });
    expect(readFileSync(path.join(project, 'mcp/knowledge-graph.yaml'), 'utf8')).toContain('name: create_entities');
  });

  it('keeps what is there when run again, and an import that would overwrite is refused whole', () => {
    const again = magsag(['init', '--json'], { cwd: project, env });
    expect(again.status, again.stderr).toBe(0);
    const result = JSON.parse(again.stdout) as { created: string[]; updated: string[]; kept: { file: string }[] };
    expect(result.created).toEqual([]);
    expect(result.updated).toEqual([]);
    expect(result.kept.map((k) => k.file)).toEqual(expect.arrayContaining(['magsag.config.yaml', '.gitignore', 'tsconfig.json', 'magsag-env.d.ts']));
    const conflict = magsag(['init', '--from', 'claude_desktop_config.json', '--json'], { cwd: project, env });
    expect(conflict.status).toBe(2);
    expect(JSON.parse(conflict.stdout)).toMatchObject({ error: { code: 'CONFIG_CONFLICT', message: expect.stringContaining('knowledge-graph') } });
  });

  it('lists and generates only the project\'s servers, from any subfolder', () => {
    mkdirSync(path.join(project, 'programs'), { recursive: true });
    const listed = magsag(['servers', 'list', '--json'], { cwd: path.join(project, 'programs'), env });
    expect(listed.status, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((s) => s.id)).toEqual(['knowledge-graph']);
    const generated = magsag(['codegen'], { cwd: path.join(project, 'programs'), env });
    expect(generated.status, generated.stderr).toBe(0);
    expect(readdirSync(path.join(project, 'servers')).sort()).toEqual(['catalog.json', 'knowledge-graph']);
    expect(readFileSync(path.join(project, 'servers/knowledge-graph/createEntities.ts'), 'utf8')).toMatch(/^\/\/ Generated by `magsag codegen` from mcp\/knowledge-graph\.yaml/);
    const search = magsag(['tools', 'search', 'read', 'file', 'entities', '--json'], { cwd: project, env });
    const servers = new Set((JSON.parse(search.stdout) as { server: string }[]).map((h) => h.server));
    expect([...servers]).toEqual(['knowledge-graph']);
  });

  it('runs a program that lives in a subfolder against the project\'s modules', () => {
    writeFileSync(
      path.join(project, 'programs/plan.ts'),
      "import { createEntities } from './servers/knowledge-graph/createEntities';\nimport { readGraph } from './servers/knowledge-graph/readGraph';\n" +
        "await createEntities({ entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote the first program'] }] });\nconst graph = await readGraph({});\nexport default graph.entities.map((e) => e.entityType);\n",
    );
    const run = magsag(['exec', 'plan.ts', '--json'], { cwd: path.join(project, 'programs'), env });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, result: ['person'] });
    // Its state went to the project's state folder, not to the repository's.
    expect(existsSync(path.join(project, '.magsag/workspaces'))).toBe(true);
  });

  it('codegen --check passes, then fails on a hand edit and names the command that fixes it', () => {
    expect(magsag(['codegen', '--check'], { cwd: project, env }).status).toBe(0);
    const file = path.join(project, 'servers/knowledge-graph/readGraph.ts');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, `${original}// edited\n`);
    const stale = magsag(['codegen', '--check'], { cwd: project, env });
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('magsag codegen');
    expect(stale.stderr).not.toContain('pnpm mcp:codegen');
    writeFileSync(file, original);
  });

  it('type-checks programs with tsc the way the sandbox does, from the files init wrote', () => {
    const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
    writeFileSync(path.join(project, 'plan.ts'), "import { readGraph } from './servers/knowledge-graph/readGraph';\nconst graph = await readGraph({});\nawait workspace.write('n.json', { n: graph.entities.length });\nconsole.log(graph.relations.length);\n");
    const ok = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
    expect(ok.status, ok.stdout).toBe(0);
    writeFileSync(path.join(project, 'bad.ts'), "import { createEntities } from './servers/knowledge-graph/createEntities';\nawait createEntities({ entities: 'Ada' });\n");
    const bad = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
    rmSync(path.join(project, 'bad.ts'));
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toContain('bad.ts');
  });

  it('serves the project\'s tools, and nothing of the demo\'s, to an MCP client', async () => {
    await withServe(path.join(project, 'programs'), [], async (client) => {
      const hits = JSON.parse(textOf(await client.callTool({ name: 'search_tools', arguments: { query: 'create entities read file echo', limit: 10 } }))) as { server: string; tool: string }[];
      expect(hits.length).toBeGreaterThan(0);
      expect(new Set(hits.map((h) => h.server))).toEqual(new Set(['knowledge-graph']));
      const code = "import { searchNodes } from './servers/knowledge-graph/searchNodes';\nconst found = await searchNodes({ query: 'person' });\nexport default found.entities.length;\n";
      const ran = await client.callTool({ name: 'execute_code', arguments: { code } });
      expect(ran.isError, textOf(ran)).toBeFalsy();
      expect(textOf(ran)).toMatch(/\n1\s*$/);
    });
  });
});

describe('serve --mcp-config with no codegen', { timeout: 300_000 }, () => {
  it('snapshots the servers of a VS Code mcp.json into the state folder and serves them', async () => {
    const folder = path.join(home, 'editor-only');
    mkdirSync(path.join(folder, '.vscode'), { recursive: true });
    const config = path.join(folder, '.vscode/mcp.json');
    writeFileSync(
      config,
      JSON.stringify({
        servers: {
          memory: { type: 'stdio', command: 'node', args: [memoryServer], env: { MEMORY_FILE_PATH: '${workspaceFolder}/graph.jsonl' } },
          // The editor's config lists MAGSAG itself too: it must not serve itself.
          magsag: { type: 'stdio', command: 'npx', args: ['--no-install', 'magsag', 'serve', '--mcp-config', '.vscode/mcp.json'] },
        },
      }),
    );
    const code = "import { createEntities } from './servers/memory/createEntities';\nawait createEntities({ entities: [{ name: 'Grace', entityType: 'admiral', observations: [] }] });\nexport default 'stored';\n";
    await withServe(home, ['--mcp-config', config], async (client, stderr) => {
      const hits = JSON.parse(textOf(await client.callTool({ name: 'search_tools', arguments: { query: 'create entities', limit: 3 } }))) as { server: string; tool: string }[];
      expect(hits[0]).toMatchObject({ server: 'memory', tool: 'create_entities' });
      const ran = await client.callTool({ name: 'execute_code', arguments: { code } });
      expect(ran.isError, textOf(ran)).toBeFalsy();
      expect(stderr()).toContain('snapshotting the tools of memory\n'.replace('\n', ' from'));
      expect(stderr()).toContain('skipping "magsag"');
    });
    // ${workspaceFolder}, and the project with its state folder, are the folder above .vscode.
    expect(readFileSync(path.join(folder, 'graph.jsonl'), 'utf8')).toContain('admiral');
    const caches = readdirSync(path.join(folder, '.magsag/mcp-config'));
    expect(caches).toHaveLength(1);
    expect(existsSync(path.join(folder, '.magsag/mcp-config', caches[0]!, 'modules/memory/createEntities.ts'))).toBe(true);
    expect(existsSync(path.join(folder, 'servers'))).toBe(false);
    // The second start uses the cache; --refresh snapshots again.
    await withServe(home, ['--mcp-config', config], async (client, stderr) => {
      const read = await client.callTool({ name: 'read_tool', arguments: { tool: 'memory/read_graph' } });
      expect(textOf(read)).toContain("callMCPToolData('memory', 'read_graph'");
      expect(stderr()).not.toContain('snapshotting');
    });
    await withServe(home, ['--mcp-config', config, '--refresh'], async (_client, stderr) => {
      expect(stderr()).toContain('snapshotting the tools of memory');
    });
  });

  it('refuses a file that is not an MCP config, naming it', () => {
    const bad = path.join(home, 'not-mcp.json');
    writeFileSync(bad, JSON.stringify({ hello: 'world' }));
    const run = magsag(['serve', '--mcp-config', bad], { cwd: home, env });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('CONFIG_INVALID');
    expect(run.stderr).toContain('"mcpServers"');
  });
});
