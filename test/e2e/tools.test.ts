import { describe, expect, it } from 'vitest';
import { magsag } from './helpers.ts';

interface Hit {
  server: string;
  tool: string;
  function: string;
  summary?: string;
  signature?: string;
  score: number;
}

describe('magsag tools', () => {
  it('search ranks an exact name first and honours --detail, --server and --limit', () => {
    const full = magsag(['tools', 'search', 'read_text_file', '--detail', 'full', '--json']);
    expect(full.status).toBe(0);
    const hits = JSON.parse(full.stdout) as Hit[];
    expect(hits[0]).toMatchObject({ server: 'filesystem', tool: 'read_text_file', function: 'readTextFile', summary: expect.any(String), signature: expect.stringContaining('readTextFile(') });
    const names = JSON.parse(magsag(['tools', 'search', 'entities', '--detail', 'name', '--server', 'memory', '--limit', '2', '--json']).stdout) as Hit[];
    expect(names).toHaveLength(2);
    for (const hit of names) {
      expect(Object.keys(hit).sort()).toEqual(['function', 'kind', 'score', 'server', 'tool']);
      expect(hit.server).toBe('memory');
      expect(hit.tool).toMatch(/entities/);
    }
  });

  it('search finds tools by words of their description and parameters, not only by substring of the name', () => {
    const hits = JSON.parse(magsag(['tools', 'search', 'knowledge', 'graph', '--json']).stdout) as Hit[];
    expect(hits.length).toBeGreaterThan(3);
    expect(hits.every((h) => h.server === 'memory')).toBe(true);
    const echo = JSON.parse(magsag(['tools', 'search', 'echoes', 'back', '--json', '--limit', '1']).stdout) as Hit[];
    expect(echo[0]).toMatchObject({ server: 'everything', tool: 'echo' });
  });

  it('ls lists servers, then one server\'s modules; cat prints one module', () => {
    const servers = JSON.parse(magsag(['tools', 'ls', '--json']).stdout) as { server: string; tools: number }[];
    expect(servers.map((s) => s.server)).toEqual(expect.arrayContaining(['everything', 'filesystem', 'memory']));
    const memory = JSON.parse(magsag(['tools', 'ls', 'servers/memory', '--json']).stdout) as { file: string; tool: string }[];
    expect(memory.map((t) => t.file)).toContain('memory/createEntities.ts');
    const cat = magsag(['tools', 'cat', 'memory/create_entities']);
    expect(cat.status).toBe(0);
    expect(cat.stdout).toContain("callMCPToolData('memory', 'create_entities'");
    expect(magsag(['tools', 'cat', 'memory/createEntities.ts']).stdout).toBe(cat.stdout);
  });

  it('bad references exit 2 with what to do', () => {
    const missing = magsag(['tools', 'cat', 'memory/no_such_tool']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('magsag tools ls memory');
    expect(magsag(['tools', 'ls', 'nope']).status).toBe(2);
    expect(magsag(['tools', 'cat', 'just-a-name']).status).toBe(2);
    expect(magsag(['tools', 'search', 'x', '--limit', '0']).status).toBe(2);
    expect(magsag(['tools', 'search', 'x', '--detail', 'everything']).status).toBe(2);
  });
});
