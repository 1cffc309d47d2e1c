import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMagsagError, type MagsagError } from '@magsag/core';
import { importMcpServers, loadServerConfigs, parseServerConfig } from '@magsag/mcp-client';
import { tempServersDir } from './helpers.ts';

const file = '/project/tools/adk/servers/demo.yaml';

function failure(text: string, env: Record<string, string> = {}): MagsagError {
  try {
    parseServerConfig(text, file, { env });
  } catch (error) {
    if (isMagsagError(error)) return error;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

describe('server YAML', () => {
  it('parses a stdio server, applying defaults', () => {
    const config = parseServerConfig('id: demo\ntransport:\n  type: stdio\n  command: node\n', file, { env: {} });
    expect(config).toMatchObject({ id: 'demo', enabled: true, description: '', fallback: [], file });
    expect(config.transport).toEqual({ type: 'stdio', command: 'node', args: [], env: {} });
  });

  it('resolves cwd and ./ or ../ args and env values against the YAML folder', () => {
    const config = parseServerConfig(
      'id: demo\ntransport:\n  type: stdio\n  command: node\n  cwd: ..\n  args: [./server.js, --flag, ../data]\n  env:\n    DATA: ./x.json\n    MODE: fast\n',
      file,
      { env: {} },
    );
    expect(config.transport).toEqual({
      type: 'stdio',
      command: 'node',
      cwd: '/project/tools/adk',
      args: ['/project/tools/adk/servers/server.js', '--flag', '/project/tools/adk/data'],
      env: { DATA: '/project/tools/adk/servers/x.json', MODE: 'fast' },
    });
  });

  it('expands ${VAR} and ${VAR:-default} but leaves tool snapshots alone', () => {
    const config = parseServerConfig(
      [
        'id: demo',
        'transport:',
        '  type: http',
        '  url: https://${HOST}/mcp',
        '  headers:',
        '    Authorization: Bearer ${TOKEN:-none}',
        'tools:',
        '  - name: t',
        '    description: uses ${NOT_EXPANDED}',
      ].join('\n'),
      file,
      { env: { HOST: 'example.com' } },
    );
    expect(config.transport).toEqual({ type: 'http', url: 'https://example.com/mcp', headers: { Authorization: 'Bearer none' } });
    expect(config.tools?.[0]?.description).toBe('uses ${NOT_EXPANDED}');
  });

  it('names the file, line, field and variable when a variable is missing', () => {
    const error = failure('id: demo\ntransport:\n  type: http\n  url: https://x.test/mcp\n  headers:\n    Authorization: Bearer ${API_TOKEN}\n');
    expect(error.code).toBe('CONFIG_ENV_MISSING');
    expect(error.message).toContain(`${file}:6`);
    expect(error.message).toContain('transport.headers.Authorization');
    expect(error.message).toContain('API_TOKEN');
  });

  it('accepts a disabled server whose variables are unset', () => {
    const config = parseServerConfig('id: demo\nenabled: false\ntransport:\n  type: http\n  url: https://x.test/${PATH_PART}\n', file, { env: {} });
    expect(config.enabled).toBe(false);
  });

  it('reports a YAML syntax error with its line', () => {
    const error = failure('id: demo\ntransport:\n  type: stdio\n  command: [node\n');
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/demo\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('reports unknown keys with their line and path', () => {
    const error = failure('id: demo\ntransport:\n  type: stdio\n  comand: node\n  command: node\n');
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(`${file}:4: unknown field "transport.comand"`);
  });

  it('reports a missing required field and a wrong type', () => {
    const missing = failure('id: demo\ndescription: no transport\n');
    expect(missing.message).toContain('field "transport": is required');
    const wrongType = failure('id: demo\nenabled: "yes"\ntransport:\n  type: stdio\n  command: node\n');
    expect(wrongType.message).toContain(`${file}:2: field "enabled": expected boolean, got string`);
  });

  it('reports an unknown transport type', () => {
    const error = failure('id: demo\ntransport:\n  type: carrier-pigeon\n  command: node\n');
    expect(error.message).toContain('field "transport.type"');
    expect(error.message).toMatch(/stdio.*http.*sse/);
  });

  it('rejects an id that does not match the file name, and a non-mapping document', () => {
    expect(failure('id: other\ntransport:\n  type: stdio\n  command: node\n').message).toContain('Rename the file to other.yaml');
    expect(failure('- a\n- b\n').message).toContain('found a list');
  });

  it('loads the other files when one is broken', () => {
    const env = tempServersDir({
      'good.yaml': 'id: good\ntransport:\n  type: stdio\n  command: node\n',
      'bad.yaml': 'id: bad\ntransport: 42\n',
      'notes.txt': 'ignored',
    });
    try {
      const result = loadServerConfigs(env.dir, { env: {} });
      expect(result.servers.map((s) => s.id)).toEqual(['good']);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]!.message).toContain(path.join(env.dir, 'bad.yaml'));
    } finally {
      env.cleanup();
    }
  });

  it('keeps parsed YAML in parseCacheDir: a hit gives the same config, an edit or a broken file is never served stale', () => {
    const env = tempServersDir({ 'demo.yaml': 'id: demo\ntransport:\n  type: stdio\n  command: ${CMD}\n' });
    const file = path.join(env.dir, 'demo.yaml');
    const options = { env: { CMD: 'node' }, parseCacheDir: env.cacheDir };
    try {
      const first = loadServerConfigs(env.dir, options);
      expect(readdirSync(env.cacheDir)).toEqual(['demo.yaml.json']);
      const second = loadServerConfigs(env.dir, options);
      expect(second).toEqual(first);
      // ${VAR} expansion runs after the cache: a new value shows at once.
      expect(loadServerConfigs(env.dir, { ...options, env: { CMD: 'deno' } }).servers[0]!.transport).toMatchObject({ command: 'deno' });
      writeFileSync(file, 'id: demo\ntransport:\n  type: stdio\n  command: python\n');
      expect(loadServerConfigs(env.dir, options).servers[0]!.transport).toMatchObject({ command: 'python' });
      // An invalid file still names its line, though its text parsed from the cache before.
      writeFileSync(file, 'id: demo\ntransport:\n  type: stdio\n  command: node\n  colour: blue\n');
      loadServerConfigs(env.dir, options);
      const broken = loadServerConfigs(env.dir, options).errors[0]!;
      expect(broken.message).toContain(`${file}:5: unknown field "transport.colour"`);
    } finally {
      env.cleanup();
    }
  });

  it('says how to fix a missing servers folder', () => {
    expect(() => loadServerConfigs('/nonexistent/servers')).toThrow(/MAGSAG_SERVERS_DIR/);
  });
});

describe('importMcpServers', () => {
  it('turns a Claude Desktop config into valid server YAML, keeping secrets out', () => {
    const { servers, errors } = importMcpServers({
      mcpServers: {
        'GitHub Server': { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_secret', LOG: 'debug' } },
        remote: { type: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer abc' } },
        broken: { args: ['x'] },
      },
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('mcpServers.broken');
    expect(servers.map((s) => s.id)).toEqual(['github-server', 'remote']);
    const github = parseServerConfig(servers[0]!.yaml, '/x/github-server.yaml', { env: { GITHUB_PERSONAL_ACCESS_TOKEN: 't' } });
    expect(github.transport).toMatchObject({ type: 'stdio', command: 'npx', env: { GITHUB_PERSONAL_ACCESS_TOKEN: 't', LOG: 'debug' } });
    expect(servers[0]!.yaml).not.toContain('ghp_secret');
    expect(servers[0]!.variables).toEqual(['GITHUB_PERSONAL_ACCESS_TOKEN']);
    expect(servers[1]!.yaml).toContain('${REMOTE_AUTHORIZATION}');
  });
});
