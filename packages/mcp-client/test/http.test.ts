import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMagsagError } from '@magsag/core';
import { McpClient } from '@magsag/mcp-client';
import { freePort } from '../../../test/support/ports.ts';
import { repoRoot, tempServersDir } from './helpers.ts';

const everything = path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

describe('server-everything over streamable HTTP on loopback', () => {
  let child: ChildProcess;
  let port: number;
  let env: ReturnType<typeof tempServersDir>;
  let client: McpClient;

  beforeAll(async () => {
    port = await freePort();
    child = spawn(process.execPath, [everything, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes(`port ${port}`)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`server-everything exited (${code}): ${seen}`)));
    });
    env = tempServersDir({
      'remote.yaml': `id: remote\ntransport:\n  type: http\n  url: http://127.0.0.1:${port}/mcp\n  headers:\n    X-Demo: \${DEMO_HEADER:-yes}\n`,
      'down.yaml': `id: down\ntransport:\n  type: http\n  url: http://127.0.0.1:${await freePort()}/mcp\ntimeouts:\n  connectMs: 2000\n`,
    });
    client = new McpClient({ serversDir: env.dir, cacheDir: env.cacheDir, env: {} });
  });

  afterAll(async () => {
    await client?.close();
    child?.kill();
    env?.cleanup();
  });

  it('lists tools and calls echo', async () => {
    const tools = await client.listTools('remote');
    expect(tools.length).toBeGreaterThanOrEqual(10);
    const result = await client.callTool('remote', 'echo', { message: 'over http' });
    expect(result.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('over http') });
  });

  it('returns structuredContent when the tool declares it', async () => {
    const tools = await client.listTools('remote');
    const structured = tools.find((t) => t.outputSchema && t.name === 'get-structured-content');
    expect(structured).toBeDefined();
    const result = await client.callTool('remote', 'get-structured-content', { location: 'New York' });
    expect(result.structuredContent).toMatchObject({ temperature: expect.any(Number) });
  });

  it('reports a server that is not listening as SERVER_START_FAILED', async () => {
    const error = await client.listTools('down').catch((e: unknown) => e);
    expect(isMagsagError(error, 'SERVER_START_FAILED')).toBe(true);
    expect((error as Error).message).toContain('http http://127.0.0.1');
  });
});
