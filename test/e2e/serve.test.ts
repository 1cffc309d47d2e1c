import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs, repoRoot } from './helpers.ts';

const textOf = (result: unknown): string =>
  ((result as { content: { type: string; text: string }[] }).content ?? []).map((c) => c.text).join('');

async function exercise(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['search_tools', 'read_tool', 'execute_code']));
  const hits = JSON.parse(textOf(await client.callTool({ name: 'search_tools', arguments: { query: 'echo', detail: 'full', limit: 3 } }))) as { server: string; tool: string; signature: string }[];
  expect(hits[0]).toMatchObject({ server: 'everything', tool: 'echo', signature: expect.stringContaining('echo(') });
  const source = textOf(await client.callTool({ name: 'read_tool', arguments: { tool: 'everything/echo' } }));
  expect(source).toContain("callMCPTool('everything', 'echo'");
  const code = "import { echo } from './servers/everything/echo';\nimport { readGraph } from './servers/memory/readGraph';\nconst graph = await readGraph();\nconst said = await echo({ message: 'hi' });\nexport default { entities: graph.entities.length, said };\n";
  const executed = await client.callTool({ name: 'execute_code', arguments: { code } });
  expect(executed.isError).toBeFalsy();
  expect(textOf(executed)).toContain('"entities": ');
  expect(textOf(executed)).toContain('Echo: hi');
  const failed = await client.callTool({ name: 'execute_code', arguments: { code: 'while (true) {}', timeoutMs: 1000 } });
  expect(failed.isError).toBe(true);
  expect(textOf(failed)).toMatch(/SANDBOX_(TIMEOUT|CPU_LIMIT)/);
  const missing = await client.callTool({ name: 'read_tool', arguments: { tool: 'everything/nope' } });
  expect(missing.isError).toBe(true);
  expect(textOf(missing)).toContain('TOOL_NOT_FOUND');
}

describe('magsag serve', () => {
  it('answers an MCP client over stdio', async () => {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    const [command, ...args] = cliArgs(['serve']);
    await client.connect(new StdioClientTransport({ command: command!, args, cwd: repoRoot, stderr: 'ignore' }));
    try {
      await exercise(client);
    } finally {
      await client.close();
    }
  });

  describe('over streamable HTTP', () => {
    let server: ChildProcess;
    let url: string;
    beforeAll(async () => {
      const [command, ...args] = cliArgs(['serve', '--http', '0']);
      server = spawn(command!, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
      url = await new Promise<string>((resolve, reject) => {
        let seen = '';
        server.stderr!.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          const match = /listening on (http:\S+)/.exec(seen);
          if (match) resolve(match[1]!);
        });
        server.once('exit', (code) => reject(new Error(`serve exited ${code}: ${seen}`)));
      });
    });
    afterAll(() => {
      server?.kill();
    });

    it('answers an MCP client on loopback', async () => {
      const client = new Client({ name: 'e2e', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      try {
        await exercise(client);
      } finally {
        await client.close();
      }
    });
  });

  it('refuses to bind off loopback without a token', () => {
    const [command, ...args] = cliArgs(['serve', '--http', '0', '--host', '0.0.0.0']);
    return new Promise<void>((resolve) => {
      const child = spawn(command!, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MAGSAG_SERVE_TOKEN: '' } });
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('exit', (code) => {
        expect(code).toBe(2);
        expect(stderr).toContain('bearer token');
        resolve();
      });
    });
  });
});

