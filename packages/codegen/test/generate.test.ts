import { existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { McpClient } from '@magsag/mcp-client';
import { isToolAllowed, resolveProjectPaths } from '@magsag/mcp-client/config';
import { parseDocument } from 'yaml';
import { formatSummary, generate, type GenerateResult } from '../src/index.ts';
import { repoRoot, tempProject, type TempProject } from './helpers.ts';
import { typecheck } from './typecheck.ts';

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort()) {
      const full = path.join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (!name.startsWith('.')) out[path.relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const byStatus = (result: GenerateResult, status: string): string[] => result.files.filter((f) => f.status === status).map((f) => f.path);

let project: TempProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

describe('the demo servers', () => {
  it('generate exactly the committed servers/ folder, byte for byte', async () => {
    project = tempProject({ copyDemoServers: true });
    const result = await generate({ serversDir: project.serversDir, outDir: project.outDir });
    expect(result.diagnostics).toEqual([]);
    // The counts come from the snapshots themselves, so adding a demo server changes no test.
    // Denied tools are not generated.
    const snapshots = readdirSync(project.serversDir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => parseDocument(readFileSync(path.join(project!.serversDir, f), 'utf8')).toJS() as { enabled?: boolean; tools?: { name: string }[]; allowTools?: string[]; denyTools?: string[] })
      .filter((doc) => doc.enabled !== false && doc.tools !== undefined);
    const generated = (doc: (typeof snapshots)[number]): number => doc.tools!.filter((tool) => isToolAllowed(doc, tool.name)).length;
    expect(result.summary).toMatchObject({ servers: snapshots.length, tools: snapshots.reduce((n, doc) => n + generated(doc), 0) });
    // Also the guard for `generatorVersion`: a template change without `pnpm mcp:codegen` fails here.
    expect(tree(project.outDir)).toEqual(tree(path.join(repoRoot, 'servers')));
  });

  it('match the stored snapshots', async () => {
    project = tempProject({ copyDemoServers: true });
    await generate({ serversDir: project.serversDir, outDir: project.outDir });
    for (const file of ['filesystem/readTextFile.ts', 'filesystem/listAllowedDirectories.ts', 'memory/createEntities.ts', 'everything/echo.ts', 'everything/getStructuredContent.ts', 'memory/index.ts', 'memory/README.md']) {
      expect(project.read(`servers/${file}`)).toMatchSnapshot(file);
    }
    const catalog = JSON.parse(project.read('servers/catalog.json')) as { tools: { server: string; tool: string }[] };
    expect(catalog.tools.find((t) => t.tool === 'read_text_file')).toMatchSnapshot('catalog entry read_text_file');
    // The stored list covers the three official demo servers; other servers may come and go.
    const official = new Set(['everything', 'filesystem', 'memory']);
    expect(catalog.tools.filter((t) => official.has(t.server)).map((t) => `${t.server}/${t.tool}`)).toMatchSnapshot('catalog tools');
  });

  it('type-check: the TypeScript compiler over all of servers/ under the strict tsconfig', () => {
    const files = Object.keys(tree(path.join(repoRoot, 'servers')))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(repoRoot, 'servers', f));
    expect(files.length).toBeGreaterThan(36);
    expect(typecheck(files)).toEqual([]);
  });

  it('are up to date in the repo (quick and thorough check, read-only)', async () => {
    for (const thorough of [false, true]) {
      const result = await generate({ cwd: repoRoot, check: true, thorough });
      expect(result.files.filter((f) => f.status !== 'unchanged')).toEqual([]);
      expect(result.exitCode).toBe(0);
    }
  });
});

describe('generate', () => {
  const tools = [
    { name: 'get_item', description: 'Get an item.', inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
    { name: 'list_items', description: 'List items.', inputSchema: { type: 'object', properties: {} } },
  ];

  it('is deterministic: a second run writes nothing', async () => {
    project = tempProject();
    project.writeServer('shop', tools);
    const first = await generate({ serversDir: project.serversDir, outDir: project.outDir });
    expect(first.summary).toMatchObject({ servers: 1, tools: 2, written: 5, unchanged: 0 });
    const before = tree(project.outDir);
    const second = await generate({ serversDir: project.serversDir, outDir: project.outDir });
    expect(second.summary).toMatchObject({ written: 0, unchanged: 5 });
    expect(tree(project.outDir)).toEqual(before);
    expect(formatSummary(second, project.root)).toBe('codegen: 1 server, 2 tools: 0 files written, 5 unchanged in servers/.\n');
  });

  it('--check fails after a snapshot change, names the fix, writes nothing, and passes after regenerating', async () => {
    project = tempProject();
    const yamlFile = project.writeServer('shop', tools);
    await generate({ serversDir: project.serversDir, outDir: project.outDir });
    const doc = parseDocument(readFileSync(yamlFile, 'utf8'));
    doc.setIn(['tools', 0, 'description'], 'Get one item by id.');
    writeFileSync(yamlFile, doc.toString());
    const before = tree(project.outDir);

    for (const thorough of [false, true]) {
      const check = await generate({ serversDir: project.serversDir, outDir: project.outDir, check: true, thorough });
      expect(check.exitCode).toBe(1);
      expect(check.fix).toBe('magsag codegen');
      expect(byStatus(check, 'stale')).toEqual(['servers/catalog.json', 'servers/shop/README.md', 'servers/shop/getItem.ts']);
      expect(check.diagnostics.at(-1)).toMatchObject({ level: 'error', code: 'CODEGEN_STALE' });
      expect(formatSummary(check, project.root)).toContain('0 missing, 3 stale, 0 extra, 2 up to date. Run `magsag codegen` to fix.');
      expect(tree(project.outDir)).toEqual(before);
    }

    const regenerated = await generate({ serversDir: project.serversDir, outDir: project.outDir });
    expect(regenerated.summary).toMatchObject({ written: 3, unchanged: 2 });
    expect(project.read('servers/shop/getItem.ts')).toContain('Get one item by id.');
    const after = await generate({ serversDir: project.serversDir, outDir: project.outDir, check: true });
    expect(after.exitCode).toBe(0);
    expect(after.ok).toBe(true);
  });

  it('--check reports missing, extra and hand-edited files; generate repairs them', async () => {
    project = tempProject();
    const yamlFile = project.writeServer('shop', tools);
    await generate({ serversDir: project.serversDir, outDir: project.outDir });
    unlinkSync(path.join(project.outDir, 'shop', 'listItems.ts'));
    const edited = path.join(project.outDir, 'shop', 'getItem.ts');
    writeFileSync(edited, readFileSync(edited, 'utf8').replace('Get an item.', 'Get an item!'));
    project.writeServer('shop', tools.slice(0, 1).concat([{ ...tools[1]!, name: 'list_items' }]));
    writeFileSync(path.join(project.outDir, 'shop', 'notes.txt'), 'mine\n');
    // A generated module of a tool that no longer exists:
    writeFileSync(path.join(project.outDir, 'shop', 'oldTool.ts'), readFileSync(edited, 'utf8'));

    const check = await generate({ serversDir: project.serversDir, outDir: project.outDir, check: true });
    expect(byStatus(check, 'missing')).toEqual(['servers/shop/listItems.ts']);
    expect(byStatus(check, 'extra')).toEqual(['servers/shop/oldTool.ts']);
    expect(check.files.find((f) => f.path === 'servers/shop/getItem.ts')).toEqual({ path: 'servers/shop/getItem.ts', status: 'stale', editedByHand: true });
    expect(check.diagnostics.find((d) => d.level === 'warning')?.message).toContain('servers/shop/notes.txt is not a generated file');
    expect(check.exitCode).toBe(1);

    const fixed = await generate({ serversDir: project.serversDir, outDir: project.outDir });
    expect(byStatus(fixed, 'deleted')).toEqual(['servers/shop/oldTool.ts']);
    expect(existsSync(path.join(project.outDir, 'shop', 'notes.txt'))).toBe(true);
    expect((await generate({ serversDir: project.serversDir, outDir: project.outDir, check: true })).exitCode).toBe(0);
    expect(yamlFile).toBeTruthy();
  });

  it('drops the folder of a server that was disabled or removed', async () => {
    project = tempProject();
    project.writeServer('shop', tools);
    await generate({ serversDir: project.serversDir, outDir: project.outDir });
    project.writeServer('shop', tools, { enabled: false });
    const result = await generate({ serversDir: project.serversDir, outDir: project.outDir });
    expect(result.summary).toMatchObject({ servers: 0, deleted: 4 });
    expect(readdirSync(project.outDir)).toEqual(['catalog.json']);
  });

  it('reports a bad schema with the YAML file and the tool, and still generates the other tools', async () => {
    project = tempProject();
    const file = project.writeServer('shop', [...tools, { name: 'broken', inputSchema: { type: 'object', properties: { x: { $ref: '#/$defs/Nope' } } } }]);
    const result = await generate({ serversDir: project.serversDir, outDir: project.outDir });
    expect(result.exitCode).toBe(2);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ level: 'error', code: 'CODEGEN_INVALID_SNAPSHOT', file, server: 'shop', tool: 'broken', message: expect.stringContaining(`${file}: tool "broken"`) }),
    ]);
    expect(readdirSync(path.join(project.outDir, 'shop')).sort()).toEqual(['README.md', 'getItem.ts', 'index.ts', 'listItems.ts']);
  });

  it('reports an invalid snapshot in YAML as CONFIG_INVALID naming the file, with exit code 2', async () => {
    project = tempProject();
    const file = project.writeServer('shop', [{ description: 'no name' }]);
    const result = await generate({ serversDir: project.serversDir, outDir: project.outDir, check: true });
    expect(result.exitCode).toBe(2);
    expect(result.diagnostics[0]).toMatchObject({ level: 'error', code: 'CONFIG_INVALID', file });
    expect(result.diagnostics[0]?.message).toContain('tools[0].name');
  });

  it('needs no credentials: an unset ${VAR} in an enabled server does not stop it', async () => {
    project = tempProject();
    project.writeServer('saas', tools, { transport: { type: 'http', url: '${SAAS_URL}', headers: { Authorization: 'Bearer ${SAAS_TOKEN}' } } });
    const result = await generate({ serversDir: project.serversDir, outDir: project.outDir, env: {} });
    expect(result.diagnostics).toEqual([]);
    expect(result.summary.tools).toBe(2);
  });

  it('warns about a server without a snapshot and names the refresh command', async () => {
    project = tempProject();
    project.writeServer('fresh', undefined);
    const result = await generate({ serversDir: project.serversDir, outDir: project.outDir });
    expect(result.exitCode).toBe(0);
    expect(result.diagnostics).toEqual([expect.objectContaining({ level: 'warning', server: 'fresh', message: expect.stringContaining('magsag codegen --refresh fresh') })]);
  });

  it('resolves colliding and reserved tool names and reports them', async () => {
    project = tempProject();
    const schema = { type: 'object' };
    project.writeServer('odd', [
      { name: 'get-issue', inputSchema: schema },
      { name: 'get_issue', inputSchema: schema },
      { name: 'delete', inputSchema: schema },
      { name: 'git.status', inputSchema: schema },
      { name: 'API-post-search', inputSchema: schema },
    ]);
    const result = await generate({ serversDir: project.serversDir, outDir: project.outDir });
    expect(readdirSync(path.join(project.outDir, 'odd')).sort()).toEqual(['README.md', 'apiPostSearch.ts', 'deleteTool.ts', 'getIssue.ts', 'getIssue2.ts', 'gitStatus.ts', 'index.ts']);
    expect(result.diagnostics).toEqual([expect.objectContaining({ level: 'warning', tool: 'get_issue', message: expect.stringContaining('getIssue2') })]);
    expect(project.read('servers/odd/deleteTool.ts')).toContain("export async function deleteTool(input: DeleteToolInput = {})");
    expect(project.read('servers/odd/deleteTool.ts')).toContain("callMCPToolData('odd', 'delete', { ...input })");
  });
});

describe('approval policies', () => {
  const tools = [
    { name: 'get_item', description: 'Get an item.', inputSchema: { type: 'object', properties: {} } },
    { name: 'delete_item', description: 'Delete an item.', inputSchema: { type: 'object', properties: {} }, annotations: { destructiveHint: true } },
    { name: 'archive_item', description: 'Archive an item.', inputSchema: { type: 'object', properties: {} } },
    { name: 'add_tag', description: 'Tag an item.', inputSchema: { type: 'object', properties: {} }, annotations: { readOnlyHint: false, destructiveHint: false } },
  ];
  type Catalog = { tools: { tool: string; policy?: string }[] };
  const policies = (p: TempProject): Record<string, string | undefined> =>
    Object.fromEntries((JSON.parse(p.read('servers/catalog.json')) as Catalog).tools.map((t) => [t.tool, t.policy]));

  it('each module states its effective policy and why; the catalog and README carry it', async () => {
    project = tempProject();
    project.writeServer('shop', tools, { approvals: { block: ['archive_*'] } });
    const result = await generate({ serversDir: project.serversDir, outDir: project.outDir });
    expect(result.diagnostics).toEqual([]);
    expect(project.read('servers/shop/deleteItem.ts')).toContain(' * Approval: approve — destructiveHint: true (may delete or overwrite).\n');
    expect(project.read('servers/shop/getItem.ts')).toContain(' * Approval: allow — no annotations, and the name does not read as a write.\n');
    expect(project.read('servers/shop/addTag.ts')).toContain(' * Approval: allow — destructiveHint: false (additive write).\n');
    expect(project.read('servers/shop/archiveItem.ts')).toContain(' * Approval: block — approvals.block "archive_*" in the server\'s YAML.\n');
    expect(policies(project)).toEqual({ get_item: 'allow', delete_item: 'approve', archive_item: 'block', add_tag: 'allow' });
    // The README marks only the exceptions.
    const readme = project.read('servers/shop/README.md');
    expect(readme).toContain('(`delete_item`, approve)');
    expect(readme).toContain('(`archive_item`, block)');
    expect(readme).toContain('(`get_item`):');
  });

  it('reads the project\'s magsag.config.yaml approvals; a changed rule makes --check fail until regenerated', async () => {
    project = tempProject();
    project.writeServer('shop', tools, { approvals: { allow: ['get_*'] } });
    const config = path.join(project.root, 'magsag.config.yaml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}approvals:\n  approve: ["shop/get_*", "shop/add_*"]\n  allow: ["*/delete_item"]\n`);
    await generate({ cwd: project.root });
    // The server YAML's get_* wins over the project's shop/get_*; the project's rules beat the annotations.
    expect(policies(project)).toEqual({ get_item: 'allow', delete_item: 'allow', archive_item: 'approve', add_tag: 'approve' });
    expect(project.read('servers/shop/addTag.ts')).toContain(' * Approval: approve — approvals.approve "shop/add_*" in magsag.config.yaml.\n');

    writeFileSync(config, readFileSync(config, 'utf8').replace('  allow: ["*/delete_item"]\n', ''));
    for (const thorough of [false, true]) {
      const check = await generate({ cwd: project.root, check: true, thorough });
      expect(check.exitCode).toBe(1);
      expect(byStatus(check, 'stale')).toEqual(['servers/catalog.json', 'servers/shop/README.md', 'servers/shop/deleteItem.ts']);
    }
    await generate({ cwd: project.root });
    expect(policies(project).delete_item).toBe('approve');
    expect((await generate({ cwd: project.root, check: true })).exitCode).toBe(0);
  });

  it('takes the rules of the project the CLI resolved (magsag --project) over the config found from cwd', async () => {
    project = tempProject();
    project.writeServer('shop', tools);
    const config = path.join(project.root, 'magsag.config.yaml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}approvals:\n  block: ["shop/*"]\n`);
    await generate({ cwd: project.root, approvals: { allow: ['shop/delete_*'] } });
    expect(policies(project)).toEqual({ get_item: 'allow', delete_item: 'allow', archive_item: 'approve', add_tag: 'allow' });
  });

  it('in the repo: every catalog policy is the one McpClient.toolPolicy decides at call time', async () => {
    const catalog = JSON.parse(readFileSync(path.join(repoRoot, 'servers/catalog.json'), 'utf8')) as { tools: { server: string; tool: string; policy?: string }[] };
    const paths = resolveProjectPaths({ cwd: repoRoot, env: {} });
    const client = new McpClient({ serversDir: paths.serversDir, cacheDir: path.join(paths.stateDir, 'cache'), env: {}, approvals: { rules: paths.approvals } });
    try {
      expect(catalog.tools.length).toBeGreaterThan(36);
      for (const entry of catalog.tools) {
        // Every demo tool has a snapshot, so this starts no server.
        expect((await client.toolPolicy(entry.server, entry.tool)).policy, `${entry.server}/${entry.tool}`).toBe(entry.policy);
      }
    } finally {
      await client.close();
    }
  });
});
