import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { magsag, repoRoot } from './helpers.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'magsag-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('magsag servers', () => {
  it('list --json reports every demo server without starting any', () => {
    const { status, stdout } = magsag(['servers', 'list', '--json']);
    expect(status).toBe(0);
    const rows = JSON.parse(stdout) as { id: string; enabled: boolean; transport: string; cache: string; error: unknown }[];
    expect(rows.map((r) => r.id)).toEqual(expect.arrayContaining(['everything', 'filesystem', 'memory']));
    for (const row of rows.filter((r) => ['everything', 'filesystem', 'memory'].includes(r.id))) {
      expect(row).toMatchObject({ enabled: true, transport: 'stdio "node"', error: null });
    }
    for (const row of rows) expect(['warm', 'cold']).toContain(row.cache);
  });

  it('test --all --json connects to each server and warms its cache', () => {
    const { status, stdout } = magsag(['servers', 'test', '--all', '--json']);
    expect(status).toBe(0);
    const results = JSON.parse(stdout) as { server: string; ok: boolean; tools: number; ms: number; error: unknown }[];
    const byId = Object.fromEntries(results.map((r) => [r.server, r]));
    expect(byId['everything']).toMatchObject({ ok: true, error: null });
    expect(byId['everything']!.tools).toBeGreaterThanOrEqual(10);
    expect(byId['filesystem']!.tools).toBeGreaterThanOrEqual(10);
    expect(byId['memory']!.tools).toBeGreaterThanOrEqual(5);
    for (const r of results) expect(Object.keys(r).sort()).toEqual(['error', 'ms', 'ok', 'server', 'tools']);
    const list = JSON.parse(magsag(['servers', 'list', '--json']).stdout) as { enabled: boolean; cache: string }[];
    expect(list.filter((r) => r.enabled).every((r) => r.cache === 'warm')).toBe(true);
  });

  it('exits 2 with a clear message for an unknown server, a usage error and an unknown command', () => {
    const unknown = magsag(['servers', 'test', 'nope']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('error SERVER_NOT_FOUND: No server "nope" is configured');
    const json = magsag(['servers', 'test', 'nope', '--json']);
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'SERVER_NOT_FOUND', message: expect.stringContaining('Known servers: ') } });
    expect(magsag(['servers', 'test']).status).toBe(2);
    const bogus = magsag(['frobnicate']);
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toContain("unknown command 'frobnicate'");
  });

  it('exits 1 when a server fails its test', () => {
    const dir = path.join(scratch, 'failing');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'dead.yaml'), 'id: dead\ntransport:\n  type: stdio\n  command: magsag-no-such-binary\n');
    const { status, stdout } = magsag(['servers', 'test', '--all', '--json', '--servers-dir', dir]);
    expect(status).toBe(1);
    expect(JSON.parse(stdout)).toEqual([{ server: 'dead', ok: false, tools: 0, ms: expect.any(Number), error: { code: 'SERVER_START_FAILED', message: expect.stringContaining('magsag-no-such-binary') } }]);
  });

  it('resolves a relative --servers-dir against the working directory and reports broken files (exit 2)', () => {
    const dir = path.join(scratch, 'project', 'my-servers');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'ok.yaml'), 'id: ok\ntransport:\n  type: stdio\n  command: node\n');
    writeFileSync(path.join(dir, 'broken.yaml'), 'id: broken\ntransport:\n  type: stdio\n  command: node\n  colour: blue\n');
    const { status, stdout, stderr } = magsag(['servers', 'list', '--servers-dir', 'my-servers'], { cwd: path.join(scratch, 'project') });
    expect(status).toBe(2);
    expect(stdout).toMatch(/ok\s+yes\s+stdio "node"\s+cold/);
    expect(stderr).toContain(`${path.join(dir, 'broken.yaml')}:5: unknown field "transport.colour"`);
  });

  it('MAGSAG_SERVERS_DIR points the CLI at another folder', () => {
    const dir = path.join(scratch, 'env-servers');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'solo.yaml'), 'id: solo\ndescription: only one\ntransport:\n  type: stdio\n  command: node\n');
    const rows = JSON.parse(magsag(['servers', 'list', '--json'], { env: { MAGSAG_SERVERS_DIR: dir } }).stdout) as { id: string }[];
    expect(rows.map((r) => r.id)).toEqual(['solo']);
  });

  it('import writes YAML from an mcpServers file, referencing secrets by variable', () => {
    const dir = path.join(scratch, 'imported');
    const source = path.join(scratch, 'claude_desktop_config.json');
    writeFileSync(
      source,
      JSON.stringify({ mcpServers: { memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] }, api: { url: 'https://api.example.com/mcp', headers: { Authorization: 'Bearer s3cret' } } } }),
    );
    const { status, stdout } = magsag(['servers', 'import', source, '--json', '--servers-dir', dir]);
    expect(status).toBe(0);
    const result = JSON.parse(stdout) as { written: { id: string; file: string }[] };
    expect(result.written.map((w) => w.id).sort()).toEqual(['api', 'memory']);
    expect(readFileSync(path.join(dir, 'api.yaml'), 'utf8')).not.toContain('s3cret');
    const list = JSON.parse(magsag(['servers', 'list', '--json', '--servers-dir', dir], { env: { API_AUTHORIZATION: 'Bearer x' } }).stdout) as { id: string; error: unknown }[];
    expect(list.map((r) => [r.id, r.error])).toEqual([
      ['api', null],
      ['memory', null],
    ]);
  });

  it('import is all or nothing: ids that exist are a CONFIG_CONFLICT until renamed, prefixed or forced', () => {
    const dir = path.join(scratch, 'conflicts');
    mkdirSync(dir, { recursive: true });
    const mine = 'id: memory\ndescription: mine, not to be overwritten\ntransport:\n  type: stdio\n  command: node\n';
    writeFileSync(path.join(dir, 'memory.yaml'), mine);
    const source = path.join(scratch, 'conflict_config.json');
    writeFileSync(source, JSON.stringify({ mcpServers: { memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] }, notes: { command: 'node', args: ['notes.js'] } } }));
    const before = readdirSync(dir).sort();

    const refused = magsag(['servers', 'import', source, '--json', '--servers-dir', dir]);
    expect(refused.status).toBe(2);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'CONFIG_CONFLICT', message: expect.stringContaining(': memory.') } });
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(magsag(['servers', 'import', source, '--servers-dir', dir]).stderr).toContain('--rename memory=my-memory');

    const renamed = magsag(['servers', 'import', source, '--json', '--servers-dir', dir, '--rename', 'memory=my-memory']);
    expect(renamed.status).toBe(0);
    expect((JSON.parse(renamed.stdout) as { written: { id: string }[] }).written.map((w) => w.id).sort()).toEqual(['my-memory', 'notes']);
    expect(readFileSync(path.join(dir, 'memory.yaml'), 'utf8')).toBe(mine);
    expect(readFileSync(path.join(dir, 'my-memory.yaml'), 'utf8')).toContain('id: my-memory');

    const prefixed = magsag(['servers', 'import', source, '--json', '--servers-dir', dir, '--prefix', 'work-']);
    expect((JSON.parse(prefixed.stdout) as { written: { id: string }[] }).written.map((w) => w.id).sort()).toEqual(['work-memory', 'work-notes']);

    expect(magsag(['servers', 'import', source, '--servers-dir', dir, '--rename', 'nope=x']).status).toBe(2);
    expect(magsag(['servers', 'import', source, '--servers-dir', dir, '--rename', 'memory']).stderr).toContain('<old>=<new>');

    const forced = magsag(['servers', 'import', source, '--json', '--servers-dir', dir, '--force']);
    expect(forced.status).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ replaced: expect.arrayContaining([path.join(dir, 'memory.yaml'), path.join(dir, 'notes.yaml')]) });
    expect(readFileSync(path.join(dir, 'memory.yaml'), 'utf8')).toContain('server-memory');
  });

  it('call runs one tool and prints its result masked, as text or as the MCP result', () => {
    const raw = 'write to alice.w@example.com or +1 415 555 0100';
    const text = magsag(['call', 'everything', 'echo', JSON.stringify({ message: raw })]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('Echo: write to [EMAIL_');
    expect(text.stdout).not.toContain('alice.w@example.com');
    expect(text.stdout).not.toContain('555 0100');
    const json = magsag(['call', 'everything', 'echo', JSON.stringify({ message: raw }), '--json']);
    const result = JSON.parse(json.stdout) as { content: { type: string; text: string }[] };
    expect(result.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('[EMAIL_') });
    expect(json.stdout).not.toContain('alice.w@example.com');
    const notObject = magsag(['call', 'everything', 'echo', '[1]', '--json']);
    expect(notObject.status).toBe(2);
    expect(JSON.parse(notObject.stdout)).toMatchObject({ error: { code: 'USAGE', message: expect.stringContaining('[json-args]') } });
    expect(magsag(['call', 'everything', 'no_such_tool']).status).toBe(2);
  });

  it('answers parse errors with one JSON document under --json: unknown commands, missing arguments', () => {
    for (const [args, says] of [
      [['nosuchcmd', '--json'], "unknown command 'nosuchcmd'"],
      [['servers', 'tset', '--json'], 'did you mean test'],
      [['exec', '--json'], "missing required argument 'file'"],
    ] as const) {
      const { status, stdout, stderr } = magsag([...args]);
      expect(status).toBe(2);
      expect(JSON.parse(stdout)).toEqual({ error: { code: 'USAGE', message: expect.stringContaining(says) } });
      expect(stderr).toBe('');
    }
  });

  it('servers test --all counts a broken file as a failure, and logs are readable lines unless --log-format json', () => {
    const dir = path.join(scratch, 'broken-servers');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'broken.yaml'), 'id: broken\ntransport: [\n');
    const tested = magsag(['servers', 'test', '--all', '--json', '--servers-dir', dir]);
    expect(tested.status).toBe(1);
    expect(JSON.parse(tested.stdout)).toEqual([expect.objectContaining({ server: 'broken', ok: false, error: expect.objectContaining({ code: 'CONFIG_INVALID' }) })]);
    expect(tested.stderr).toMatch(/^warn: .*broken\.yaml:3:1: YAML syntax error.*\(CONFIG_INVALID/m);
    expect(tested.stderr).not.toContain('{"level"');
    const json = magsag(['--log-format', 'json', 'servers', 'test', '--all', '--servers-dir', dir]);
    expect(json.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; code: string })).toEqual([
      expect.objectContaining({ level: 40, code: 'CONFIG_INVALID' }),
    ]);
  });

  it('demo reset recreates the demo data without touching tracked files', () => {
    const { status, stdout } = magsag(['demo', 'reset', '--json']);
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ demoDir: path.join(repoRoot, '.magsag', 'demo'), entries: expect.arrayContaining(['files', 'memory.jsonl', 'vault']) });
  });
});

describe('error reports', () => {
  it('name project paths relative to the root and hide other host paths; --verbose keeps them', () => {
    const skill = magsag(['run', 'no-such-skill', '--json']);
    expect(skill.status).toBe(2);
    const { message } = (JSON.parse(skill.stdout) as { error: { message: string } }).error;
    expect(message).toContain('No skill "no-such-skill" in skills.');
    expect(message).not.toContain(repoRoot);

    const missing = path.join(scratch, 'missing.ts');
    const plain = magsag(['exec', missing]);
    expect(plain.stderr).toContain('error USAGE: Cannot read <path>: no such file.');
    expect(plain.stderr).not.toContain(scratch);
    expect(magsag(['exec', missing, '--verbose']).stderr).toContain(missing);
  });
});
