import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { McpClient } from '@magsag/mcp-client';
import { afterEach, describe, expect, it } from 'vitest';
import { generate, refreshSnapshots, writeSnapshot } from '../src/index.ts';
import { repoRoot, tempProject, type TempProject } from './helpers.ts';

const yaml = `# A comment at the top that must survive.
id: shop
description: A shop. # and a trailing one
transport:
  type: stdio
  command: node # the runtime
`;

describe('writeSnapshot', () => {
  it('adds a sorted tools list below a comment and keeps every other comment and key', () => {
    const text = writeSnapshot(yaml, [
      { name: 'b_tool', inputSchema: { type: 'object' } },
      { name: 'a_tool', description: 'First.\nSecond line.', inputSchema: { type: 'object', properties: { x: { type: 'string' } } } },
    ]);
    expect(text.startsWith(yaml)).toBe(true);
    expect(text).toContain('# Tool snapshot taken from the live server by `magsag codegen --refresh`');
    expect(text.indexOf('name: a_tool')).toBeLessThan(text.indexOf('name: b_tool'));
    expect(writeSnapshot(text, [{ name: 'c_tool', inputSchema: { type: 'object' } }])).toMatchSnapshot();
  });

  it('keeps each tool\'s sample and inferredOutputSchema: the server does not say them', () => {
    const tools = [{ name: 'x', inputSchema: { type: 'object' } }, { name: 'y', inputSchema: { type: 'object' } }];
    const first = writeSnapshot(yaml, tools).replace('  - name: x\n', '  - name: x\n    sample: { q: a }\n    inferredOutputSchema: { type: string }\n');
    const again = writeSnapshot(first, [{ name: 'x', description: 'Now described.', inputSchema: { type: 'object' } }, { name: 'y', inputSchema: { type: 'object' } }]);
    expect(again).toContain('description: Now described.');
    expect(again).toMatch(/- name: x\n(.*\n)*?\s+sample:\n\s+q: a\n\s+inferredOutputSchema:\n\s+type: string\n\s+- name: y/);
  });

  it('is stable: writing the same snapshot twice gives the same text', () => {
    const tools = [{ name: 'x', inputSchema: { type: 'object' } }];
    const once = writeSnapshot(yaml, tools);
    expect(writeSnapshot(once, tools)).toBe(once);
  });
});

let project: TempProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

describe('refreshSnapshots', () => {
  it('takes the snapshot from the live memory server into its YAML, then codegen uses it', async () => {
    project = tempProject();
    const file = path.join(project.serversDir, 'memory.yaml');
    const server = path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js');
    writeFileSync(
      file,
      `# The memory server, for the refresh test.\nid: memory\ntransport:\n  type: stdio\n  command: node\n  args: [${JSON.stringify(server)}]\n  env:\n    MEMORY_FILE_PATH: ${JSON.stringify(path.join(project.root, 'memory.jsonl'))}\n` +
        // As the repo's memory.yaml has it: the module's doc comment names the rule.
        'approvals:\n  allow: [read_graph]\n',
    );
    const client = new McpClient({ serversDir: project.serversDir, cacheDir: path.join(project.root, 'cache'), env: {} });
    const seen: string[] = [];
    try {
      const result = await refreshSnapshots({ client, servers: ['memory'], onServer: (s) => seen.push(s.id) });
      expect(result.diagnostics).toEqual([]);
      expect(result.servers).toEqual([{ id: 'memory', file, tools: 9, changed: true }]);
      expect(seen).toEqual(['memory']);
    } finally {
      await client.close();
    }
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('# The memory server, for the refresh test.\n')).toBe(true);
    expect(text).toContain('  - name: create_entities');

    const generated = await generate({ serversDir: project.serversDir, outDir: project.outDir });
    expect(generated.diagnostics).toEqual([]);
    // The same server, the same snapshot: the modules equal the committed ones except for the banner's source.
    const strip = (t: string): string => t.split('\n').slice(2).join('\n');
    expect(strip(project.read('servers/memory/readGraph.ts'))).toBe(strip(readFileSync(path.join(repoRoot, 'servers/memory/readGraph.ts'), 'utf8')));
  });

  it('reports a server that cannot start as an error diagnostic', async () => {
    project = tempProject();
    project.writeServer('broken', undefined, { transport: { type: 'stdio', command: 'node', args: ['-e', 'process.exit(3)'] }, timeouts: { connectMs: 5000 } });
    const client = new McpClient({ serversDir: project.serversDir, cacheDir: path.join(project.root, 'cache'), env: {} });
    try {
      const result = await refreshSnapshots({ client });
      expect(result.ok).toBe(false);
      expect(result.diagnostics).toEqual([expect.objectContaining({ level: 'error', server: 'broken' })]);
    } finally {
      await client.close();
    }
  });
});
