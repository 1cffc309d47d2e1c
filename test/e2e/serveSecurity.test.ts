import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs, rawPost, repoRoot, snapshotTree, startServe } from './helpers.ts';

describe('serve --http transport guard', () => {
  let served: Awaited<ReturnType<typeof startServe>>;
  beforeAll(async () => {
    served = await startServe(['--allowed-origin', 'http://localhost:6274', '--allowed-host', 'magsag.internal']);
  });
  afterAll(() => {
    served?.child.kill();
  });

  it('refuses a foreign Host (DNS rebinding) with 403 and issues no session', async () => {
    const answer = await rawPost(served.url, { host: `evil.example:${served.url.port}`, origin: `http://evil.example:${served.url.port}` });
    expect(answer.status).toBe(403);
    expect(answer.headers['mcp-session-id']).toBeUndefined();
    expect(answer.body).toContain('Host');
  });

  it('refuses a foreign Origin on a loopback Host, even with a bearer token', async () => {
    const answer = await rawPost(served.url, { host: `127.0.0.1:${served.url.port}`, origin: 'https://evil.example', authorization: 'Bearer whatever-token-1234' });
    expect(answer.status).toBe(403);
    expect(answer.headers['mcp-session-id']).toBeUndefined();
    expect(answer.body).toContain('Origin');
  });

  it('refuses the literal "null" origin of sandboxed frames', async () => {
    const answer = await rawPost(served.url, { host: `localhost:${served.url.port}`, origin: 'null' });
    expect(answer.status).toBe(403);
  });

  it('lets a client without Origin in, and an origin or host given on the command line', async () => {
    const plain = await rawPost(served.url, { host: `127.0.0.1:${served.url.port}` });
    expect(plain.status).toBe(200);
    expect(plain.headers['mcp-session-id']).toEqual(expect.any(String));
    const inspector = await rawPost(served.url, { host: `localhost:${served.url.port}`, origin: 'http://localhost:6274' });
    expect(inspector.status).toBe(200);
    const named = await rawPost(served.url, { host: `magsag.internal:${served.url.port}` });
    expect(named.status).toBe(200);
    // A page on another loopback port is a different origin.
    const otherPort = await rawPost(served.url, { host: `localhost:${served.url.port}`, origin: 'http://localhost:1' });
    expect(otherPort.status).toBe(403);
  });
});

const textOf = (result: unknown): string => ((result as { content: { text: string }[] }).content ?? []).map((c) => c.text).join('');
const workspaceLine = (result: unknown): string => /^workspace (\S+)\n/.exec(textOf(result))?.[1] ?? '';

async function connect(url: URL, token?: string): Promise<Client> {
  const client = new Client({ name: 'e2e-principal', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(url, token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {}));
  return client;
}

describe('serve --http principals', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'magsag-principals-'));
  const alice = `alice-${randomBytes(12).toString('hex')}`;
  const bob = `bob-${randomBytes(12).toString('hex')}`;
  let served: Awaited<ReturnType<typeof startServe>>;
  beforeAll(async () => {
    writeFileSync(path.join(dir, 'tokens'), `# principals\nalice=${alice}\n\nbob=${bob}\n`);
    served = await startServe(['--tokens-file', path.join(dir, 'tokens'), '--max-sessions', '6']);
  });
  afterAll(() => {
    served?.child.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the principals it loaded, never the tokens', () => {
    expect(served.stderr()).toContain('principals: alice, bob');
    expect(served.stderr()).not.toContain(alice);
  });

  it('refuses a missing or wrong token with 401', async () => {
    const none = await rawPost(served.url, { host: `127.0.0.1:${served.url.port}` });
    expect(none.status).toBe(401);
    const wrong = await rawPost(served.url, { host: `127.0.0.1:${served.url.port}`, authorization: `Bearer ${alice}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['mcp-session-id']).toBeUndefined();
  });

  it("keeps each principal's workspaces their own: B cannot name, guess or reuse A's", async () => {
    const a = await connect(served.url, alice);
    const b = await connect(served.url, bob);
    try {
      const first = await a.callTool({
        name: 'execute_code',
        arguments: { code: "await workspace.write('secret.txt', 'alice only');\nexport default 'saved';" },
      });
      const ws = workspaceLine(first);
      expect(ws).toMatch(/^ws-\d{8}T\d{6}-[0-9a-f]{32}$/);
      expect(readFileSync(path.join(repoRoot, '.magsag/workspaces', ws, 'workspace.json'), 'utf8')).toContain('"owner": "alice"');

      // B names A's workspace: the same answer as for an id that does not exist.
      const read = await b.callTool({ name: 'execute_code', arguments: { workspace: ws, code: "export default await workspace.read('secret.txt');" } });
      expect(read.isError).toBe(true);
      expect(textOf(read)).toContain('WORKSPACE_NOT_FOUND');
      expect(textOf(read)).not.toContain('alice only');
      const write = await b.callTool({ name: 'execute_code', arguments: { workspace: ws, code: "await workspace.write('secret.txt', 'bob was here');\nexport default 1;" } });
      expect(textOf(write)).toContain('WORKSPACE_NOT_FOUND');
      const skill = await b.callTool({ name: 'run_skill', arguments: { name: 'obsidian-note-append', workspace: ws, input: { path: 'Serve/x.md', content: 'x' } } });
      expect(textOf(skill)).toContain('WORKSPACE_NOT_FOUND');
      const guessed = `ws-20261206T000000-${randomBytes(16).toString('hex')}`;
      const guess = await b.callTool({ name: 'execute_code', arguments: { workspace: guessed, code: 'export default 1;' } });
      expect(textOf(guess).replace(guessed, ws)).toBe(textOf(read).replace(ws, ws));
      expect(existsSync(path.join(repoRoot, '.magsag/workspaces', guessed))).toBe(false);
      // A's file is untouched and A can use the id from A's first answer.
      const again = await a.callTool({ name: 'execute_code', arguments: { workspace: ws, code: "export default await workspace.read('secret.txt');" } });
      expect(again.isError).toBeFalsy();
      expect(textOf(again)).toContain('alice only');
      // B's own runs get B's own workspaces, with their own vault.
      const own = workspaceLine(await b.callTool({ name: 'execute_code', arguments: { code: 'export default await workspace.list();' } }));
      expect(own).not.toBe(ws);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("does not let B ride A's session id", async () => {
    const a = await connect(served.url, alice);
    try {
      const transport = (a as unknown as { _transport: { sessionId?: string } })._transport;
      const hijack = await rawPost(
        served.url,
        { host: `127.0.0.1:${served.url.port}`, authorization: `Bearer ${bob}`, 'mcp-session-id': transport.sessionId ?? '' },
        JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
      );
      expect(hijack.status).toBe(404);
    } finally {
      await a.close();
    }
  });

  it('caps open sessions: past --max-sessions, initialize gets 503 with Retry-After', async () => {
    const clients: Client[] = [];
    try {
      let refused: Awaited<ReturnType<typeof rawPost>> | undefined;
      for (let i = 0; i < 8 && !refused; i++) {
        const answer = await rawPost(served.url, { host: `127.0.0.1:${served.url.port}`, authorization: `Bearer ${alice}` });
        if (answer.status === 503) refused = answer;
        else expect(answer.status).toBe(200);
      }
      expect(refused?.headers['retry-after']).toEqual(expect.any(String));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});

describe('serve tokens are checked at start', () => {
  it.each([
    [['--token', 'short'], {}],
    [[], { MAGSAG_SERVE_TOKENS: 'alice=0123456789abcdef,alice=fedcba9876543210' }],
    [[], { MAGSAG_SERVE_TOKENS: 'Local!=0123456789abcdef' }],
    [[], { MAGSAG_SERVE_TOKENS: 'local=0123456789abcdef' }],
  ])('refuses %j %j with exit 2 and no token in the message', async (args, env) => {
    const [command, ...rest] = cliArgs(['serve', '--http', '0', ...args]);
    const child = spawn(command!, rest, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MAGSAG_SERVE_TOKEN: '', MAGSAG_SERVE_TOKENS: '', ...env } });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('USAGE');
    expect(stderr).not.toContain('0123456789abcdef');
  });
});

describe('serve --http session hygiene', () => {
  it('closes a session left idle past --session-idle-ms', async () => {
    const served = await startServe(['--session-idle-ms', '300']);
    try {
      const client = await connect(served.url);
      await client.listTools();
      await new Promise((r) => setTimeout(r, 1500));
      await expect(client.listTools()).rejects.toThrow();
      await client.close().catch(() => {});
    } finally {
      served.child.kill();
    }
  });
});

describe('serve refuses traversal workspace ids before touching the disk', () => {
  it.each(['../../../x/ada@example.com', '../etc', '..', 'a/b'])('workspace %j', async (id) => {
    const sandbox = mkdtempSync(path.join(tmpdir(), 'magsag-serve-ids-'));
    const stateDir = path.join(sandbox, 'project', '.magsag');
    const served = await startServe([], { MAGSAG_STATE_DIR: stateDir });
    const client = new Client({ name: 'e2e-ids', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(served.url));
      const before = snapshotTree(sandbox);
      const answer = await client.callTool({ name: 'execute_code', arguments: { workspace: id, code: 'export default 1;' } });
      expect(answer.isError).toBe(true);
      expect(textOf(answer)).toMatch(/^USAGE: /);
      const skill = await client.callTool({ name: 'run_skill', arguments: { name: 'obsidian-note-append', workspace: id, input: { path: 'a.md', content: 'ada@example.com' } } });
      expect(textOf(skill)).toMatch(/^USAGE: /);
      expect(snapshotTree(sandbox)).toEqual(before);
    } finally {
      await client.close();
      served.child.kill();
      rmSync(sandbox, { recursive: true, force: true });
    }
  });
});
