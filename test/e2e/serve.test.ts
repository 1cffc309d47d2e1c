import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs, repoRoot } from './helpers.ts';

const textOf = (result: unknown): string =>
  ((result as { content: { type: string; text: string }[] }).content ?? []).map((c) => c.text).join('');

/** The workspace id an `execute_code` or `run_skill` answer names on its first line. */
export function workspaceOf(result: unknown): string {
  const match = /^workspace (\S+)\n/.exec(textOf(result));
  if (!match) throw new Error(`no workspace line in: ${textOf(result).slice(0, 200)}`);
  return match[1]!;
}

async function cancelLongRun(client: Client): Promise<void> {
  const ws = workspaceOf(await client.callTool({ name: 'execute_code', arguments: { code: 'export default 1;' } }));
  const controller = new AbortController();
  const code = "import { triggerLongRunningOperation } from './servers/everything/triggerLongRunningOperation';\nexport default await triggerLongRunningOperation({ duration: 20, steps: 20 });";
  const pending = client.callTool({ name: 'execute_code', arguments: { code, workspace: ws } }, undefined, { signal: controller.signal });
  const runs = path.join(repoRoot, '.magsag/workspaces', ws, 'runs');
  const records = (): { status: string; errorCode: string | null }[] =>
    existsSync(runs) ? readdirSync(runs).flatMap((r) => (existsSync(path.join(runs, r, 'run.json')) ? [JSON.parse(readFileSync(path.join(runs, r, 'run.json'), 'utf8')) as { status: string; errorCode: string | null }] : [])) : [];
  for (let i = 0; i < 100 && records().length < 2; i++) await new Promise((r) => setTimeout(r, 100));
  controller.abort();
  await expect(pending).rejects.toThrow();
  // The server ends the run (well before the tool's 20 s) and records it as cancelled.
  const long = (): { status: string; errorCode: string | null } | undefined => records().find((r) => r.status !== 'ok');
  for (let i = 0; i < 100 && long()?.status === 'running'; i++) await new Promise((r) => setTimeout(r, 100));
  expect(long()).toMatchObject({ status: 'cancelled', errorCode: 'SANDBOX_CANCELLED' });
}

async function exercise(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['search_tools', 'read_tool', 'execute_code', 'run_skill', 'list_skills']));
  const hits = JSON.parse(textOf(await client.callTool({ name: 'search_tools', arguments: { query: 'echo', detail: 'full', limit: 3 } }))) as { server: string; tool: string; signature: string }[];
  expect(hits[0]).toMatchObject({ server: 'everything', tool: 'echo', signature: expect.stringContaining('echo(') });
  const source = textOf(await client.callTool({ name: 'read_tool', arguments: { tool: 'everything/echo' } }));
  expect(source).toContain("callMCPToolData('everything', 'echo'");
  const code = "import { echo } from './servers/everything/echo';\nimport { readGraph } from './servers/memory/readGraph';\nconst graph = await readGraph();\nconst said = await echo({ message: 'hi' });\nexport default { entities: graph.entities.length, said };\n";
  const executed = await client.callTool({ name: 'execute_code', arguments: { code } });
  expect(executed.isError).toBeFalsy();
  expect(textOf(executed)).toContain('"entities": ');
  expect(textOf(executed)).toContain('Echo: hi');
  const failed = await client.callTool({ name: 'execute_code', arguments: { code: 'while (true) {}', timeoutMs: 1000 } });
  expect(failed.isError).toBe(true);
  expect(textOf(failed)).toMatch(/SANDBOX_(TIMEOUT|CPU_LIMIT)/);
  const skills = JSON.parse(textOf(await client.callTool({ name: 'list_skills', arguments: {} }))) as { name: string }[];
  expect(skills.map((sk) => sk.name)).toContain('obsidian-note-append');
  const note = `Serve/${randomUUID().slice(0, 8)}.md`;
  const ran = await client.callTool({ name: 'run_skill', arguments: { name: 'obsidian-note-append', input: { path: note, content: '- from serve' } } });
  expect(ran.isError).toBeFalsy();
  expect(textOf(ran)).toContain('"created": true');
  expect(readFileSync(path.join(repoRoot, '.magsag/demo/vault', note), 'utf8')).toBe('- from serve\n');
  const badSkill = await client.callTool({ name: 'run_skill', arguments: { name: 'obsidian-note-append', input: { path: 'x.txt' } } });
  expect(badSkill.isError).toBe(true);
  expect(textOf(badSkill)).toContain('SKILL_INVALID');

  // A workspace carries files from one call to the next.
  const saved = await client.callTool({ name: 'execute_code', arguments: { code: "await workspace.write('state.json', JSON.stringify({ n: 41 }));\nexport default 'saved';" } });
  const ws = workspaceOf(saved);
  expect(ws).toMatch(/^ws-\d{8}T\d{6}-[0-9a-f]{32}$/);
  const resumed = await client.callTool({ name: 'execute_code', arguments: { workspace: ws, code: "const state = JSON.parse(await workspace.read('state.json'));\nexport default state.n + 1;" } });
  expect(textOf(resumed)).toContain('42');
  expect(workspaceOf(resumed)).toBe(ws);
  // Over serve an unknown id is never created.
  const invented = `ws-${randomUUID().replace(/-/g, '')}`;
  const refused = await client.callTool({ name: 'execute_code', arguments: { workspace: invented, code: 'export default 1;' } });
  expect(refused.isError).toBe(true);
  expect(textOf(refused)).toContain('WORKSPACE_NOT_FOUND');
  expect(existsSync(path.join(repoRoot, '.magsag/workspaces', invented))).toBe(false);

  const missing = await client.callTool({ name: 'read_tool', arguments: { tool: 'everything/nope' } });
  expect(missing.isError).toBe(true);
  expect(textOf(missing)).toContain('TOOL_NOT_FOUND');
}

/**
 * A client whose person approves every prompt: the skill it runs writes a vault note (write_file
 * needs approval), and serve asks such clients through MCP elicitation.
 */
function approvingClient(): Client {
  const client = new Client({ name: 'e2e', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: {} }));
  return client;
}

describe('magsag serve', () => {
  it('answers an MCP client over stdio', async () => {
    const client = approvingClient();
    const [command, ...args] = cliArgs(['serve']);
    await client.connect(new StdioClientTransport({ command: command!, args, cwd: repoRoot, stderr: 'ignore' }));
    try {
      await exercise(client);
      await cancelLongRun(client);
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
      const client = approvingClient();
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

