import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from '@magsag/codegen';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpClient, type ServerConfig } from '@magsag/mcp-client';
import { createPii } from '@magsag/pii';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { cliArgs, magsag, repoRoot } from './helpers.ts';

interface ExecDoc {
  ok: boolean;
  result: unknown;
  logs: { level: string; message: string }[];
  error: { code: string; message: string } | null;
}

const exec = (file: string, extra: string[] = []): ExecDoc => {
  const out = magsag(['exec', file, '--json', ...extra]);
  try {
    return JSON.parse(out.stdout) as ExecDoc;
  } catch {
    throw new Error(`magsag exec printed no JSON (status ${out.status}): ${out.stderr}`);
  }
};

const temps: string[] = [];
const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('typed results of the generated modules', () => {
  it('every sampled tool of the demo servers still returns what its inferredOutputSchema says (through the PII layer)', async () => {
    const clients: McpClient[] = [];
    try {
      const servers = new McpClient().servers().filter((s: ServerConfig) => s.enabled && s.tools?.some((t) => t.inferredOutputSchema && t.sample));
      expect(servers.map((s) => s.id).sort()).toEqual(['crm', 'everything', 'github', 'notion', 'postgres']);
      for (const server of servers) {
        // One client and vault per server, as `magsag codegen --sample` samples.
        const client = new McpClient();
        clients.push(client);
        const pii = createPii({ stateDir: tempDir('magsag-typed-state-'), servers: client.servers().map((s) => ({ id: s.id, file: s.file, ...(s.pii ? { pii: s.pii } : {}) })), audit: false });
        client.use(pii.middleware);
        for (const tool of server.tools ?? []) {
          if (!tool.sample || !tool.inferredOutputSchema) continue;
          for (const args of Array.isArray(tool.sample) ? tool.sample : [tool.sample]) {
            const warnings: string[] = [];
            const data = await client.callToolData(server.id, tool.name, args, { onWarning: (w) => warnings.push(w) });
            expect(data, `${server.id}/${tool.name}`).toBeDefined();
            expect(warnings, `${server.id}/${tool.name} ${JSON.stringify(args)}`).toEqual([]);
          }
        }
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('a program uses declared and inferred results without parsing or printing them first, and type-checks against them', () => {
    const dir = tempDir('magsag-typed-program-');
    const program = path.join(dir, 'typed.ts');
    writeFileSync(
      program,
      [
        "import { listIssues } from './servers/github/listIssues';",
        "import { getIssue } from './servers/github/getIssue';",
        "import { apiPostSearch } from './servers/notion/apiPostSearch';",
        "import { echo } from './servers/everything/echo';",
        "import { listAllowedDirectories } from './servers/filesystem/listAllowedDirectories';",
        "import { query } from './servers/postgres/query';",
        "import { readGraph } from './servers/memory/readGraph';",
        "import { getRecord } from './servers/crm/getRecord';",
        '',
        "const page = await listIssues({ owner: 'magsag-demo', repo: 'storefront', perPage: 5 });",
        "const first = await getIssue({ owner: 'magsag-demo', repo: 'storefront', issue_number: page.issues[0]!.number });",
        "const found = await apiPostSearch({ query: 'runbook', page_size: 2 });",
        "const said: string = await echo({ message: 'typed' });",
        'const allowed = await listAllowedDirectories();',
        "const bands = await query({ sql: 'SELECT role, max_salary - min_salary AS spread FROM salary_bands ORDER BY id LIMIT 2' });",
        'const graph = await readGraph();',
        "const contact = await getRecord({ object_name: 'Contact', record_id: '0035g0000000001AAA', format: 'json' });",
        'export default {',
        '  count: page.issues.length,',
        '  hasNext: page.pageInfo.hasNextPage,',
        '  title: first.title,',
        '  login: first.user.login,',
        '  pages: found.results.length,',
        '  said: said.toUpperCase(),',
        "  root: allowed.content.includes('/'),",
        '  bands: bands.length,',
        "  spread: typeof bands[0]?.['spread'],",
        '  entities: Array.isArray(graph.entities),',
        "  contactId: typeof contact['Id'],",
        '};',
        '',
      ].join('\n'),
    );
    const doc = exec(program);
    expect(doc.error).toBeNull();
    expect(doc.ok).toBe(true);
    const result = doc.result as Record<string, unknown>;
    expect(result).toMatchObject({ count: 5, said: 'ECHO: TYPED', root: true, bands: 2, spread: 'number', entities: true, contactId: 'string' });
    expect(typeof result['title']).toBe('string');
    expect(typeof result['login']).toBe('string');
    expect(result['pages']).toBeGreaterThan(0);
    expect(doc.logs.filter((l) => l.level === 'warn')).toEqual([]);

    // The inferred types are closed: a misspelt field is a type error before anything runs.
    writeFileSync(program, "import { getIssue } from './servers/github/getIssue';\nconst issue = await getIssue({ owner: 'o', repo: 'r', issue_number: 1 });\nexport default issue.titel;\n");
    const typo = exec(program);
    expect(typo.error?.code).toBe('SANDBOX_TYPECHECK');
    expect(typo.error?.message).toContain("'titel'");
  });

  it('--record-shapes records the shapes a run sees (tokenized, no values), and codegen --sample merges them', async () => {
    // A project of its own with the GitHub stand-in over the demo data; get_issue has no sample.
    const root = tempDir('magsag-typed-record-');
    const serversDir = path.join(root, 'tools', 'adk', 'servers');
    mkdirSync(serversDir, { recursive: true });
    writeFileSync(path.join(root, 'magsag.config.yaml'), 'version: 1\nfolders:\n  servers: tools/adk/servers\n');
    const getIssue = new McpClient().server('github').tools!.find((t) => t.name === 'get_issue')!;
    const { sample: _sample, inferredOutputSchema: _inferred, ...snapshot } = getIssue;
    const yamlFile = path.join(serversDir, 'github.yaml');
    writeFileSync(
      yamlFile,
      stringify({
        id: 'github',
        transport: {
          type: 'stdio',
          command: 'node',
          args: [path.join(repoRoot, 'tools', 'demo-servers', 'github', 'server.mjs'), '--data', path.join(repoRoot, '.magsag', 'demo', 'github', 'issues.json')],
        },
        tools: [snapshot],
      }),
    );
    expect((await generate({ serversDir, outDir: path.join(root, 'servers') })).exitCode).toBe(0);
    expect(readFileSync(path.join(root, 'servers', 'github', 'getIssue.ts'), 'utf8')).toContain('export type GetIssueOutput = unknown;');
    const program = path.join(root, 'record.ts');
    writeFileSync(
      program,
      "import { getIssue } from './servers/github/getIssue';\nconst a = await getIssue({ owner: 'magsag-demo', repo: 'storefront', issue_number: 1 });\nconst b = await getIssue({ owner: 'magsag-demo', repo: 'storefront', issue_number: 2 });\nexport default [a, b].length;\n",
    );
    const doc = exec(program, ['--project', root, '--record-shapes']);
    expect(doc.error).toBeNull();
    const shapeFile = path.join(root, '.magsag', 'shapes', 'github', 'get_issue.json');
    const shape = readFileSync(shapeFile, 'utf8');
    expect(shape).toContain('"login"');
    // Shapes only: no title, login, URL or date of the issues.
    for (const value of ['Safari', 'amara-okafor', 'https://', '2026-']) expect(shape).not.toContain(value);

    const sampled = magsag(['codegen', '--sample', '--project', root]);
    expect(sampled.status, sampled.stderr).toBe(0);
    expect(readFileSync(yamlFile, 'utf8')).toContain('inferredOutputSchema:');
    const module = readFileSync(path.join(root, 'servers', 'github', 'getIssue.ts'), 'utf8');
    expect(module).toContain('GetIssueOutput is inferred from sample results');
    expect(module).toMatch(/user: \{\s+avatar_url: string;/);
  });

  it('a result that does not match its inferred type is returned as it came, with a warning in the run\'s logs', async () => {
    // A project of its own: the everything server, whose echo is said (wrongly) to return a number.
    const root = tempDir('magsag-typed-mismatch-');
    const serversDir = path.join(root, 'tools', 'adk', 'servers');
    mkdirSync(serversDir, { recursive: true });
    writeFileSync(path.join(root, 'magsag.config.yaml'), 'version: 1\nfolders:\n  servers: tools/adk/servers\n');
    const echoTool = { name: 'echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] }, inferredOutputSchema: { type: 'number' } };
    const everything = path.join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
    writeFileSync(
      path.join(serversDir, 'everything.yaml'),
      stringify({ id: 'everything', transport: { type: 'stdio', command: 'node', args: [everything, 'stdio'] }, pii: { source: false }, tools: [echoTool] }),
    );
    const generated = await generate({ serversDir, outDir: path.join(root, 'servers') });
    expect(generated.exitCode).toBe(0);
    expect(readFileSync(path.join(root, 'servers', 'everything', 'echo.ts'), 'utf8')).toContain('export type EchoOutput = number;');
    const program = path.join(root, 'mismatch.ts');
    writeFileSync(program, "import { echo } from './servers/everything/echo';\nconst said = await echo({ message: 'not a number' });\nexport default { said, type: typeof said };\n");

    const doc = exec(program, ['--project', root]);
    expect(doc.error).toBeNull();
    expect(doc.ok).toBe(true);
    expect(doc.result).toEqual({ said: 'Echo: not a number', type: 'string' });
    expect(doc.logs).toEqual([
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/^everything\/echo returned a result that does not match its inferred type \(\(result\): must be number\)/) }),
    ]);

    // On the host the same call returns the same data; the warning goes to the caller and the logger.
    const client = new McpClient({ serversDir, cacheDir: path.join(root, '.magsag', 'cache') });
    try {
      const warnings: string[] = [];
      expect(await client.callToolData('everything', 'echo', { message: 'host' }, { onWarning: (w) => warnings.push(w) })).toBe('Echo: host');
      expect(warnings).toEqual([expect.stringContaining('does not match its inferred type')]);
    } finally {
      await client.close();
    }

    // Through `serve --record-shapes`: the model sees the warning in its answer, and the shape is recorded.
    const [command, ...args] = cliArgs(['serve', '--project', root, '--record-shapes']);
    const mcp = new Client({ name: 'typed-test', version: '1.0.0' });
    const env = Object.fromEntries(Object.entries({ ...process.env, MAGSAG_SERVE_TOKEN: '', MAGSAG_SERVE_TOKENS: '' }).filter((e): e is [string, string] => e[1] !== undefined));
    await mcp.connect(new StdioClientTransport({ command: command!, args, cwd: root, env, stderr: 'ignore' }));
    try {
      const answer = (await mcp.callTool({ name: 'execute_code', arguments: { code: "import { echo } from './servers/everything/echo';\nexport default await echo({ message: 'served' });\n" } })) as {
        content: { text?: string }[];
      };
      const text = answer.content.map((c) => c.text ?? '').join('');
      expect(text).toContain('Echo: served');
      expect(text).toContain('does not match its inferred type');
    } finally {
      await mcp.close();
    }
    expect(JSON.parse(readFileSync(path.join(root, '.magsag', 'shapes', 'everything', 'echo.json'), 'utf8'))).toEqual({ type: 'string' });
  });
});
