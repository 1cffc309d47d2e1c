import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpClient, resolveProjectPaths } from '@magsag/mcp-client';
import { getEventListeners } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rejection, repoRoot } from './helpers.ts';

const paths = resolveProjectPaths({ cwd: repoRoot });


const textOf = (result: { content: { type: string; text?: string }[] }): string =>
  result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n');

describe('demo servers over stdio', () => {
  let cacheDir: string;
  let client: McpClient;

  beforeAll(() => {
    cacheDir = mkdtempSync(path.join(tmpdir(), 'magsag-cache-'));
    client = new McpClient({ serversDir: paths.serversDir, cacheDir });
  });
  afterAll(async () => {
    await client.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('starts nothing when constructed or when listing configured servers', () => {
    expect(client.servers().map((s) => s.id)).toEqual(expect.arrayContaining(['everything', 'filesystem', 'memory']));
    expect(client.isConnected('everything')).toBe(false);
    expect(client.isCacheWarm('everything')).toBe(false);
  });

  it('everything: lists tools and echoes', async () => {
    const tools = await client.listTools('everything');
    expect(tools.map((t) => t.name)).toContain('echo');
    const result = await client.callTool('everything', 'echo', { message: 'hello magsag' });
    expect(textOf(result)).toContain('hello magsag');
  });

  it('leaves no abort listener on the caller\'s signal after 200 sequential calls', async () => {
    const controller = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const before = getEventListeners(controller.signal, 'abort').length;
      for (let i = 0; i < 200; i++) await client.callTool('everything', 'echo', { message: `call ${i}` }, { signal: controller.signal });
      await client.listTools('everything', { refresh: true, signal: controller.signal });
      expect(getEventListeners(controller.signal, 'abort').length).toBe(before);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('everything: the URL-fetching gzip-file-as-resource is denied, neither listed nor called', async () => {
    const requests: string[] = [];
    const target = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end('internal only');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/admin`;
      const error = await rejection(client.callTool('everything', 'gzip-file-as-resource', { data: url, outputType: 'resource' }));
      expect(error.code).toBe('TOOL_DENIED');
      expect(error.message).toContain('everything/gzip-file-as-resource');
      expect((await client.listTools('everything')).map((t) => t.name)).not.toContain('gzip-file-as-resource');
      expect(requests).toEqual([]);
    } finally {
      await new Promise((resolve) => target.close(resolve));
    }
  });

  it('memory: creates an entity and reads it back', async () => {
    await client.callTool('memory', 'create_entities', {
      entities: [{ name: 'Ada Lovelace', entityType: 'person', observations: ['wrote the first program'] }],
    });
    const found = await client.callTool('memory', 'search_nodes', { query: 'Lovelace' });
    expect(JSON.stringify(found)).toContain('wrote the first program');
  });

  it('filesystem: lists the seeded demo folder', async () => {
    const result = await client.callTool('filesystem', 'list_directory', { path: path.join(paths.stateDir, 'demo', 'files', 'notes') });
    const names = textOf(result).split('\n').filter((line) => line.includes('.md'));
    expect(names).toHaveLength(24);
    expect(textOf(result)).toContain('[FILE] design-01.md');
  });

  it('validates arguments against the input schema before sending', async () => {
    const error = await rejection(client.callTool('everything', 'echo', { message: 5 }));
    expect(error.code).toBe('TOOL_INPUT_INVALID');
    expect(error.message).toContain('everything/echo');
    expect(error.message).toContain('/message: must be string');
  });

  it('names the tool it cannot find and suggests close names', async () => {
    const error = await rejection(client.callTool('filesystem', 'list_directorys', {}));
    expect(error.code).toBe('TOOL_NOT_FOUND');
    expect(error.message).toContain('"list_directory"');
  });

  it('fails clearly for unknown and disabled servers', async () => {
    expect((await rejection(client.callTool('nope', 'echo', {}))).code).toBe('SERVER_NOT_FOUND');
  });

  it('serves a warm cache from disk without starting the server', async () => {
    const fresh = new McpClient({ serversDir: paths.serversDir, cacheDir });
    try {
      expect(fresh.isCacheWarm('everything')).toBe(true);
      const listed = await fresh.listToolsWithSource('everything');
      expect(listed.source).toBe('cache');
      expect(listed.tools.map((t) => t.name)).toContain('echo');
      expect(fresh.isConnected('everything')).toBe(false);
    } finally {
      await fresh.close();
    }
  });
});
