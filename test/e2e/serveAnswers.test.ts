// What a model learns from `serve`'s answers alone: the servers there are, every parameter of a
// tool, and every type error of a program with the line it points at.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs, repoRoot } from './helpers.ts';

const textOf = (result: unknown): string => ((result as { content: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');
let client: Client;

beforeAll(async () => {
  const [command, ...args] = cliArgs(['serve']);
  client = new Client({ name: 'answers-test', version: '1.0.0' });
  const env = Object.fromEntries(Object.entries({ ...process.env, MAGSAG_SERVE_TOKEN: '', MAGSAG_SERVE_TOKENS: '' }).filter((e): e is [string, string] => e[1] !== undefined));
  await client.connect(new StdioClientTransport({ command: command!, args, cwd: repoRoot, env, stderr: 'ignore' }));
}, 120_000);

afterAll(async () => {
  await client.close();
});

describe('serve answers a model can act on', { timeout: 120_000 }, () => {
  it('an empty search_tools query lists every server with its description and tool count', async () => {
    const answer = JSON.parse(textOf(await client.callTool({ name: 'search_tools', arguments: { query: '' } }))) as {
      servers: { server: string; description: string; tools: number }[];
      sandbox: { globals: string[]; absent: string[] };
    };
    expect(answer.sandbox.globals).toEqual(expect.arrayContaining(['URL', 'TextEncoder', 'crypto', 'workspace']));
    expect(answer.sandbox.absent).toContain('fetch');
    expect(answer.servers.map((s) => s.server)).toEqual(['crm', 'everything', 'filesystem', 'github', 'memory', 'notion', 'postgres', 'vault']);
    expect(answer.servers.find((s) => s.server === 'memory')).toEqual({ server: 'memory', description: expect.stringContaining('knowledge graph'), tools: 9 });
    const one = JSON.parse(textOf(await client.callTool({ name: 'search_tools', arguments: { query: ' ', server: 'crm' } }))) as { servers: { server: string }[] };
    expect(one.servers.map((s) => s.server)).toEqual(['crm']);
  });

  it('detail "full" describes every parameter of a hit', async () => {
    const hits = JSON.parse(textOf(await client.callTool({ name: 'search_tools', arguments: { query: 'get_record', server: 'crm', detail: 'full', limit: 1 } }))) as {
      tool: string;
      signature: string;
      parameters: { name: string; description?: string }[];
    }[];
    expect(hits[0]!.tool).toBe('get_record');
    expect(hits[0]!.parameters.map((p) => p.name)).toEqual(['object_name', 'record_id', 'format']);
    expect(hits[0]!.parameters.find((p) => p.name === 'record_id')).toEqual({ name: 'record_id', description: expect.stringContaining('record ID') });
    expect(hits[0]!.signature).toContain('record_id: string; format?:');
  });

  it('a failed type-check returns every error with its line of code, and suggests nothing a model cannot do', async () => {
    const code = [
      "import { readGraph } from './servers/memory/readGraph';",
      'const graph = await readGraph({});',
      'const count: string = graph.entities.length;',
      "const flag: boolean = 'yes';",
      'export default { count, flag, missing: notDefinedAnywhere };',
    ].join('\n');
    const answer = await client.callTool({ name: 'execute_code', arguments: { code } });
    expect(answer.isError).toBe(true);
    const body = textOf(answer);
    expect(body).toContain('3 type errors');
    expect(body).toMatch(/execute_code\.ts:3:7 Type 'number' is not assignable to type 'string'\.\n\s+const count: string = graph\.entities\.length;/);
    expect(body).toMatch(/execute_code\.ts:4:7 .*\n\s+const flag: boolean = 'yes';/);
    expect(body).toContain("Cannot find name 'notDefinedAnywhere'");
    expect(body).not.toMatch(/typecheck off|--no-typecheck|diagnostics`/);
  });

  it('a truncated answer names its run, and read_output returns the rest in pages', async () => {
    const code = "export default Array.from({ length: 400 }, (_, i) => ({ i, label: 'row ' + i }));";
    const answer = textOf(await client.callTool({ name: 'execute_code', arguments: { code } }));
    const notice = /\[truncated: (\d+) of (\d+) bytes shown; the whole output is kept: read_output\(\{ "workspace": "(\S+)", "runId": "(\S+)" \}\)/.exec(answer);
    expect(notice, answer.slice(-300)).not.toBeNull();
    const [, , , workspace, runId] = notice!;
    const pages: string[] = [];
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const page = JSON.parse(textOf(await client.callTool({ name: 'read_output', arguments: { workspace, runId, offset } }))) as { text: string; next?: number; total: number };
      pages.push(page.text);
      offset = page.next;
    }
    expect((JSON.parse(pages.join('')) as { ok: boolean; result: { i: number }[] }).result.map((r) => r.i)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    // A smaller page on request.
    const short = JSON.parse(textOf(await client.callTool({ name: 'read_output', arguments: { workspace, runId, offset: 10, length: 100 } }))) as { text: string; offset: number; next?: number };
    expect(short).toMatchObject({ offset: 10, next: 110 });
    expect(short.text).toBe(pages.join('').slice(10, 110));
    const missing = await client.callTool({ name: 'read_output', arguments: { workspace, runId: 'run-20200101T000000-00000000' } });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain('RUN_NOT_FOUND');
  });

  it('a misspelt argument is a type error, and at run time TOOL_INPUT_INVALID names the nearest known key', async () => {
    const typo = "import { readTextFile } from './servers/filesystem/readTextFile';\nexport default await readTextFile({ path: 'notes/welcome.md', haed: 2 });";
    const typed = textOf(await client.callTool({ name: 'execute_code', arguments: { code: typo } }));
    expect(typed).toContain("'haed' does not exist in type 'ReadTextFileInput'");
    const cast = typo.replace('haed: 2 })', 'haed: 2 } as never)');
    const refused = textOf(await client.callTool({ name: 'execute_code', arguments: { code: cast } }));
    expect(refused).toContain('TOOL_INPUT_INVALID');
    expect(refused).toContain('"haed" (did you mean "head"? known: path, tail, head)');
  });
});
