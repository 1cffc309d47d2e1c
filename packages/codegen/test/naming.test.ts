import { describe, expect, it } from 'vitest';
import { assignToolNames, reservedNames, toolFunctionName } from '../src/index.ts';

describe('toolFunctionName', () => {
  it.each([
    ['read_text_file', 'readTextFile'],
    ['list_allowed_directories', 'listAllowedDirectories'],
    ['get-issue', 'getIssue'],
    ['API-post-search', 'apiPostSearch'],
    ['git.status', 'gitStatus'],
    ['getTinyImage', 'getTinyImage'],
    ['GetIssue', 'getIssue'],
    ['APIKey_rotate', 'apiKeyRotate'],
    ['get_URL', 'getURL'],
    ['3d-render', 'tool3dRender'],
    ['__proto__', 'proto'],
    ['ツール', 'tool'],
    ['notion:pages/search', 'notionPagesSearch'],
  ])('%s → %s', (tool, expected) => {
    expect(toolFunctionName(tool)).toBe(expected);
  });

  it('never yields a reserved word or a name a module already uses', () => {
    for (const word of ['delete', 'new', 'default', 'import', 'class', 'await', 'yield', 'let', 'arguments', 'eval', 'undefined', 'index', 'callMCPTool']) {
      const name = toolFunctionName(word);
      expect(reservedNames.has(name)).toBe(false);
      expect(name).toBe(`${word}Tool`);
    }
  });

  it('always yields a valid identifier made of ASCII letters and digits', () => {
    for (const tool of ['a', '-', '..', 'x-1', '1', 'Ω-omega', 'snake_case_name', 'kebab-case-name', 'dot.separated.name']) {
      expect(toolFunctionName(tool)).toMatch(/^[a-z][A-Za-z0-9]*$/);
    }
  });
});

describe('assignToolNames', () => {
  it('resolves collisions, ignoring case, the same way whatever the input order', () => {
    const tools = ['get_item', 'getItem', 'get-item', 'GET_ITEM', 'getitem', 'list'];
    const first = assignToolNames(tools, { server: 's' });
    const second = assignToolNames([...tools].reverse(), { server: 's' });
    expect([...first.names]).toEqual([...second.names]);
    expect(Object.fromEntries(first.names)).toEqual({
      GET_ITEM: 'getITEM2',
      'get-item': 'getItem3',
      getItem: 'getItem',
      get_item: 'getItem4',
      getitem: 'getitem5',
      list: 'list',
    });
    const lower = [...first.names.values()].map((name) => name.toLowerCase());
    expect(new Set(lower).size).toBe(lower.length);
    expect(first.diagnostics).toHaveLength(4);
    expect(first.diagnostics[0]).toMatchObject({ level: 'warning', server: 's' });
    expect(first.diagnostics.map((d) => d.message).join('\n')).toContain('tool "get-item" would be named getItem, which tool "getItem" already uses');
    expect(first.diagnostics.map((d) => d.message).join('\n')).toContain('it is generated as getItem3');
  });

  it('does not let a suffix steal another tool’s name', () => {
    const { names } = assignToolNames(['foo', 'Foo', 'foo2']);
    expect(Object.fromEntries(names)).toEqual({ Foo: 'foo3', foo: 'foo', foo2: 'foo2' });
  });

  it('reports nothing when there is no collision', () => {
    expect(assignToolNames(['read_file', 'write_file']).diagnostics).toEqual([]);
  });
});
