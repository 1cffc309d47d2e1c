import { describe, expect, it } from 'vitest';
import { type CatalogTool } from '../src/tools/catalog.ts';
import { searchTools } from '../src/tools/search.ts';

const tool = (server: string, name: string, description: string): CatalogTool => ({
  server,
  tool: name,
  function: name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()),
  file: `${server}/${name}.ts`,
  summary: description,
  description,
  parameters: [{ name: 'path', type: 'string', required: true }],
  signature: `${name}(input: { path: string }): Promise<unknown>`,
});

// A server repeated under other names (as several MCP configs often hold the same server).
const catalog: CatalogTool[] = ['files', 'files-2', 'files-3'].flatMap((server) => [
  tool(server, 'list_directory', 'Get a detailed listing of all files and directories in a path.'),
  tool(server, 'read_text_file', 'Read the complete contents of a file as text.'),
]);

describe('searchTools', () => {
  it('breaks ties between equal tools by server name, then tool name, so the original server comes first', () => {
    const hits = searchTools(catalog, 'list directory files', { detail: 'name', limit: 3 });
    expect(hits.map((h) => (h.kind === 'tool' ? `${h.server}/${h.tool}` : h.name))).toEqual(['files/list_directory', 'files-2/list_directory', 'files-3/list_directory']);
  });

  it('ranks skills and tools on one scale: a skill about something else does not outrank the tools that match', () => {
    const skills = [{ name: 'weekly-report', description: 'Write the weekly sales report from the CRM.', inputs: { properties: { week: {} } }, servers: ['crm'] }];
    const hits = searchTools(catalog, 'read file text', { skills, limit: 4 });
    expect(hits[0]).toMatchObject({ kind: 'tool', tool: 'read_text_file' });
    expect(hits.some((h) => h.kind === 'skill')).toBe(false);
    const report = searchTools(catalog, 'weekly sales report', { skills });
    expect(report[0]).toMatchObject({ kind: 'skill', name: 'weekly-report', summary: 'Write the weekly sales report from the CRM.' });
  });
});

describe('searchTools: approval policies', () => {
  const withPolicies: CatalogTool[] = [
    { ...tool('memory', 'delete_entities', 'Delete entities from the knowledge graph.'), policy: 'approve' },
    { ...tool('memory', 'read_graph', 'Read the whole knowledge graph.'), policy: 'allow' },
    { ...tool('everything', 'get_env', 'Print the server environment.'), policy: 'block' },
  ];
  const skills = [{ name: 'graph-cleanup', description: 'Delete stale entities from the knowledge graph.', inputs: {}, servers: ['memory'] }];

  it('shows each tool\'s policy at detail full; at summary only approve and block; none at name, and none for skills', () => {
    const full = searchTools(withPolicies, 'delete entities knowledge graph', { detail: 'full', skills });
    expect(full.find((h) => h.kind === 'tool' && h.tool === 'delete_entities')).toMatchObject({ policy: 'approve' });
    expect(full.find((h) => h.kind === 'tool' && h.tool === 'read_graph')).toMatchObject({ policy: 'allow' });
    expect(full.find((h) => h.kind === 'skill')).not.toHaveProperty('policy');
    const summary = searchTools(withPolicies, 'delete entities knowledge graph', { detail: 'summary', skills });
    expect(summary.find((h) => h.kind === 'tool' && h.tool === 'delete_entities')).toMatchObject({ policy: 'approve' });
    // Most tools are allowed: at summary, ten hits of "policy":"allow" would cost tokens and say nothing.
    expect(summary.find((h) => h.kind === 'tool' && h.tool === 'read_graph')).not.toHaveProperty('policy');
    expect(summary.find((h) => h.kind === 'skill')).not.toHaveProperty('policy');
    expect(searchTools(withPolicies, 'environment', { detail: 'summary' })[0]).toMatchObject({ tool: 'get_env', policy: 'block' });
    for (const hit of searchTools(withPolicies, 'delete entities knowledge graph', { detail: 'name', skills })) expect(hit).not.toHaveProperty('policy');
  });

  it('claims nothing for a catalog generated before approvals', () => {
    expect(searchTools(catalog, 'read file', { detail: 'full' })[0]).not.toHaveProperty('policy');
  });

  it('puts the policy right after the summary, where it costs a few tokens', () => {
    const [hit] = searchTools(withPolicies, 'delete entities', { detail: 'summary', limit: 1 });
    expect(JSON.stringify(hit)).toContain('"summary":"Delete entities from the knowledge graph.","policy":"approve"');
  });
});
