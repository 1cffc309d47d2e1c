import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMagsagError, type MagsagError } from '@magsag/core';
import { defaultToolPolicy, matchApprovalRule, McpClient, nameReadsAsWrite, parseServerConfig, resolveProjectPaths, resolveToolPolicy } from '@magsag/mcp-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stdioYaml, tempServersDir } from './helpers.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'magsag-approvals-'));
  process.env['XDG_CACHE_HOME'] = path.join(dir, 'cache');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(fn: () => unknown): MagsagError {
  try {
    fn();
  } catch (error) {
    if (isMagsagError(error)) return error;
    throw error;
  }
  throw new Error('expected a MagsagError');
}

describe('defaultToolPolicy: the defaults table', () => {
  const policy = (annotations: Record<string, unknown> | undefined, name = 'do_thing') => defaultToolPolicy({ name, annotations });

  it.each([
    [{ readOnlyHint: true }, 'allow'],
    // readOnlyHint wins: destructiveHint means nothing for a tool that only reads.
    [{ readOnlyHint: true, destructiveHint: true }, 'allow'],
    [{ readOnlyHint: false, destructiveHint: true }, 'approve'],
    [{ readOnlyHint: false }, 'approve'],
    [{ destructiveHint: true }, 'approve'],
    [{ readOnlyHint: false, destructiveHint: false }, 'allow'],
    [{ destructiveHint: false }, 'allow'],
    [{ readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true }, 'allow'],
  ] as const)('annotations %j → %s', (annotations, expected) => {
    const info = policy(annotations, 'get_thing');
    expect(info.policy).toBe(expected);
    expect(info.source).toBe('annotations');
  });

  it('annotations decide over the name: an annotated read-only delete_ tool is allowed, an annotated destructive get_ tool approved', () => {
    expect(policy({ readOnlyHint: true }, 'delete_cache_report').policy).toBe('allow');
    expect(policy({ readOnlyHint: false }, 'get_or_reset').policy).toBe('approve');
    expect(policy({ destructiveHint: true }, 'list_things').policy).toBe('approve');
  });

  it('says why, in words a person reads', () => {
    expect(policy({ destructiveHint: true }).reason).toBe('destructiveHint: true (may delete or overwrite)');
    expect(policy({ readOnlyHint: true }).reason).toBe('readOnlyHint: true (reads only)');
    expect(policy({ destructiveHint: false }).reason).toBe('destructiveHint: false (additive write)');
  });

  it.each([
    'create_issue', 'update_record', 'delete_entities', 'write_file', 'edit_file', 'move_file', 'send_email', 'post_message', 'remove_label', 'set_status',
    'createIssue', 'deleteEntities', 'sendMessage', 'setTitle', 'delete-entity', 'API-patch-page', 'issues.delete', 'UpdateRecord', 'DELETE_ALL', 'bulk_upsert',
  ])('no annotations: %s reads as a write → approve', (name) => {
    expect(nameReadsAsWrite(name)).toBe(true);
    expect(defaultToolPolicy({ name })).toMatchObject({ policy: 'approve', source: 'name' });
  });

  it.each([
    'get_settings', 'list_issues', 'read_file', 'search', 'searchNodes', 'getUpdates', 'get-env', 'describe_table', 'query', 'directory_tree', 'get_dataset', 'address_lookup',
    'list_deleted_items', 'readGraph', 'API-retrieve-a-page', 'offset_report',
  ])('no annotations: %s does not read as a write → allow', (name) => {
    expect(nameReadsAsWrite(name)).toBe(false);
    expect(defaultToolPolicy({ name })).toMatchObject({ policy: 'allow', source: 'name' });
  });

  it('annotations without readOnlyHint or destructiveHint (only a title) leave the decision to the name, and the reason says so', () => {
    const read = policy({ title: 'Get settings' }, 'get_settings');
    const write = policy({ title: 'Delete', openWorldHint: true }, 'delete_page');
    expect(read).toMatchObject({ policy: 'allow', source: 'name' });
    expect(write).toMatchObject({ policy: 'approve', source: 'name' });
    expect(write.reason).toMatch(/no readOnlyHint or destructiveHint/);
    expect(defaultToolPolicy({ name: 'delete_page' }).reason).toMatch(/^no annotations/);
  });

  it('a hint that is not a boolean is no hint', () => {
    expect(policy({ readOnlyHint: 'true' }, 'delete_page').policy).toBe('approve');
    expect(policy({ readOnlyHint: 'true' }, 'get_page').policy).toBe('allow');
  });
});

describe('matchApprovalRule: which pattern decides', () => {
  it('an exact name beats any glob, even a less restrictive one', () => {
    expect(matchApprovalRule({ approve: ['delete_*'], allow: ['delete_cache'] }, 'delete_cache')).toEqual({ policy: 'allow', pattern: 'delete_cache' });
    expect(matchApprovalRule({ allow: ['*'], block: ['drop_table'] }, 'drop_table')).toEqual({ policy: 'block', pattern: 'drop_table' });
  });

  it('a longer glob beats a shorter one', () => {
    const rules = { approve: ['*'], allow: ['read_*'], block: ['read_secret*'] };
    expect(matchApprovalRule(rules, 'read_file')).toEqual({ policy: 'allow', pattern: 'read_*' });
    expect(matchApprovalRule(rules, 'read_secrets')).toEqual({ policy: 'block', pattern: 'read_secret*' });
    expect(matchApprovalRule(rules, 'write_file')).toEqual({ policy: 'approve', pattern: '*' });
  });

  it('on a tie the most restrictive policy wins, whatever order the lists come in', () => {
    // "write" and "_file" are both five literal characters.
    expect(matchApprovalRule({ allow: ['write*'], approve: ['*_file'] }, 'write_file')?.policy).toBe('approve');
    expect(matchApprovalRule({ block: ['x*'], approve: ['x*'], allow: ['x*'] }, 'xy')?.policy).toBe('block');
  });

  it('brace and class globs match, and nothing matches outside the rules', () => {
    expect(matchApprovalRule({ approve: ['{create,update}_*'] }, 'update_issue')?.policy).toBe('approve');
    expect(matchApprovalRule({ approve: ['{create,update}_*'] }, 'get_issue')).toBeUndefined();
    expect(matchApprovalRule(undefined, 'x')).toBeUndefined();
    expect(matchApprovalRule({}, 'x')).toBeUndefined();
  });

  it('matches <server>/<tool> names: * stays within one segment', () => {
    expect(matchApprovalRule({ approve: ['github/*'] }, 'github/update_issue')?.policy).toBe('approve');
    expect(matchApprovalRule({ approve: ['github/*'] }, 'memory/delete_entities')).toBeUndefined();
    expect(matchApprovalRule({ block: ['*/delete_*'] }, 'memory/delete_entities')?.policy).toBe('block');
  });
});

describe('resolveToolPolicy: server YAML > magsag.config.yaml > annotations > name', () => {
  const tool = { name: 'delete_entities', annotations: { destructiveHint: true } };

  it('the server YAML wins over the project, the project over the annotations', () => {
    const both = resolveToolPolicy({ server: 'memory', tool, serverRules: { allow: ['delete_*'] }, projectRules: { block: ['memory/delete_entities'] } });
    expect(both).toEqual({ policy: 'allow', source: 'server', reason: 'approvals.allow "delete_*" in the server\'s YAML' });
    const project = resolveToolPolicy({ server: 'memory', tool, serverRules: { allow: ['read_*'] }, projectRules: { block: ['memory/*'] } });
    expect(project).toEqual({ policy: 'block', source: 'project', reason: 'approvals.block "memory/*" in magsag.config.yaml' });
    const annotations = resolveToolPolicy({ server: 'memory', tool, serverRules: { allow: ['read_*'] }, projectRules: { allow: ['github/*'] } });
    expect(annotations).toMatchObject({ policy: 'approve', source: 'annotations' });
  });

  it('a project rule names the server: the same tool of another server is not matched', () => {
    const other = resolveToolPolicy({ server: 'vault', tool: { name: 'write_file' }, projectRules: { allow: ['filesystem/write_file'] } });
    expect(other).toMatchObject({ policy: 'approve', source: 'name' });
  });

  it('a project rule can loosen the default of a tool the annotations call destructive', () => {
    expect(resolveToolPolicy({ server: 'memory', tool, projectRules: { allow: ['*/delete_entities'] } }).policy).toBe('allow');
  });
});

describe('bad approvals fail with CONFIG_INVALID, naming the file and the field', () => {
  const file = path.join(path.sep, 'project', 'mcp', 'demo.yaml');
  const server = (approvals: string) => () => parseServerConfig(`${stdioYaml('demo', ['server.js'])}approvals:\n${approvals}`, file, { env: {} });

  it('in a server YAML: an unknown policy key', () => {
    const error = thrown(server('  aprove: [delete_*]\n'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(file);
    expect(error.message).toContain('unknown field "approvals.aprove"');
  });

  it('in a server YAML: a string instead of a list, and a list instead of the rules', () => {
    const notList = thrown(server('  approve: delete_*\n'));
    expect(notList.code).toBe('CONFIG_INVALID');
    expect(notList.message).toContain('field "approvals.approve": expected array, got string');
    const list = thrown(() => parseServerConfig(`${stdioYaml('demo', ['server.js'])}approvals: [delete_*]\n`, file, { env: {} }));
    expect(list.message).toContain('field "approvals": expected object, got array');
  });

  it('in a server YAML: an empty pattern', () => {
    expect(thrown(server('  block: [""]\n')).message).toContain('field "approvals.block[0]"');
  });

  const project = (name: string, text: string): string => {
    const root = path.join(dir, name);
    mkdirSync(root, { recursive: true });
    writeFileSync(path.join(root, 'magsag.config.yaml'), text);
    return root;
  };
  const projectError = (name: string, text: string): MagsagError => {
    const root = project(name, text);
    const error = thrown(() => resolveProjectPaths({ cwd: root, env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(path.join(root, 'magsag.config.yaml'));
    return error;
  };

  it('in magsag.config.yaml: an unknown key, a non-list, a bad timeout', () => {
    expect(projectError('unknown', 'approvals:\n  aprove: ["*/delete_*"]\n').message).toContain('unknown field "approvals.aprove"');
    expect(projectError('not-list', 'approvals:\n  block: github/*\n').message).toContain('field "approvals.block": expected array, got string');
    expect(projectError('timeout', 'approvals:\n  approvalTimeoutMs: 0\n').message).toContain('field "approvals.approvalTimeoutMs"');
  });

  it('in magsag.config.yaml: a pattern without a server part, which would never match a <server>/<tool> name', () => {
    const error = projectError('no-server', 'approvals:\n  approve: ["delete_*"]\n');
    expect(error.message).toContain('field "approvals.approve[0]"');
    expect(error.message).toContain('<server>/<tool>');
  });

  it('a valid block loads into ProjectPaths.approvals', () => {
    const root = project('valid', 'approvals:\n  allow: ["memory/*"]\n  approve: ["*/delete_*"]\n  approvalTimeoutMs: 5000\n');
    expect(resolveProjectPaths({ cwd: root, env: {} }).approvals).toEqual({ allow: ['memory/*'], approve: ['*/delete_*'], approvalTimeoutMs: 5000 });
  });
});

describe('McpClient.toolPolicy', () => {
  it('reads the server YAML, the project rules and the snapshot annotations without starting the server', async () => {
    const snapshot = [
      'tools:',
      '  - name: delete_entities',
      '    inputSchema: {type: object}',
      '    annotations: {destructiveHint: true}',
      '  - name: create_entities',
      '    inputSchema: {type: object}',
      '    annotations: {destructiveHint: false}',
      '  - name: purge_all',
      '    inputSchema: {type: object}',
      '  - name: read_graph',
      '    inputSchema: {type: object}',
      'approvals:',
      '  approve: [create_*]',
      '',
    ].join('\n');
    // The command does not exist: a started server would fail the test.
    const { dir: serversDir, cacheDir, cleanup } = tempServersDir({ 'mem.yaml': stdioYaml('mem', ['/nonexistent/server.js'], snapshot) });
    const client = new McpClient({ serversDir, cacheDir, approvals: { rules: { block: ['mem/purge_*'], allow: ['mem/delete_entities', 'mem/create_entities'] } } });
    try {
      expect(await client.toolPolicy('mem', 'create_entities')).toMatchObject({ policy: 'approve', source: 'server' });
      expect(await client.toolPolicy('mem', 'delete_entities')).toMatchObject({ policy: 'allow', source: 'project' });
      expect(await client.toolPolicy('mem', 'purge_all')).toMatchObject({ policy: 'block', source: 'project' });
      expect(await client.toolPolicy('mem', 'read_graph')).toMatchObject({ policy: 'allow', source: 'name' });
    } finally {
      await client.close();
      cleanup();
    }
  });
});

describe('docs/guides/approvals.md', () => {
  it('its magsag.config.yaml example loads and decides as the guide says', () => {
    const guide = readFileSync(path.resolve(import.meta.dirname, '../../../docs/guides/approvals.md'), 'utf8');
    const example = /```yaml\n(# magsag\.config\.yaml\n[\s\S]*?)```/.exec(guide)?.[1];
    expect(example).toBeDefined();
    const root = path.join(dir, 'guide');
    mkdirSync(root, { recursive: true });
    writeFileSync(path.join(root, 'magsag.config.yaml'), example!);
    const { approvals } = resolveProjectPaths({ cwd: root, env: {} });
    expect(approvals.approvalTimeoutMs).toBe(120_000);
    const policy = (server: string, name: string) => resolveToolPolicy({ server, tool: { name }, projectRules: approvals }).policy;
    expect(policy('github', 'get_issue')).toBe('allow');
    expect(policy('github', 'update_issue')).toBe('approve');
    expect(policy('memory', 'delete_entities')).toBe('approve');
    expect(policy('crm', 'delete_record')).toBe('block');
    expect(policy('crm', 'get_record')).toBe('allow');
  });
});
