// Skills an agent saves and finds: `save_skill` on a real `magsag serve` (stdio and HTTP), then
// `search_tools` and `run_skill` in the same session, and `magsag skills save` from the CLI. Each
// suite works in a scratch project of its own, so no skill lands in the repository.
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs, magsag, repoRoot, startServe } from './helpers.ts';

const textOf = (result: unknown): string => ((result as { content: { type: string; text: string }[] }).content ?? []).map((c) => c.text).join('');

/** A scratch project: links to what it only reads, copies of the folders serve and catalog:validate use. */
function createProject(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `magsag-skills-${name}-`));
  for (const link of ['node_modules', 'packages']) symlinkSync(path.join(repoRoot, link), path.join(dir, link));
  for (const copy of ['package.json', 'tsconfig.json', 'tsconfig.base.json', 'tools/adk/servers', 'servers', 'magsag.config.yaml', 'skills/sandbox.d.ts']) {
    mkdirSync(path.dirname(path.join(dir, copy)), { recursive: true });
    cpSync(path.join(repoRoot, copy), path.join(dir, copy), { recursive: true });
  }
  return dir;
}

const shout = {
  name: 'shout-echo',
  description: 'Echo a message in capitals through the everything server.',
  code: "import { echo } from './servers/everything/echo';\n\nexport default async (input) => ({ said: await echo({ message: input.message.toUpperCase() }) });\n",
  inputSchema: { type: 'object', required: ['message'], additionalProperties: false, properties: { message: { type: 'string', description: 'What to shout.' } } },
  examples: [{ input: { message: 'hi' }, description: 'Shout hi' }],
};

describe('save_skill over stdio (the local user may save)', () => {
  let project: string;
  let client: Client;
  beforeAll(async () => {
    project = createProject('stdio');
    client = new Client({ name: 'e2e-skills', version: '1.0.0' });
    const [command, ...args] = cliArgs(['serve']);
    await client.connect(new StdioClientTransport({ command: command!, args, cwd: project, stderr: 'ignore', env: { ...process.env, MAGSAG_PROJECT: '', MAGSAG_SERVERS_DIR: '', MAGSAG_STATE_DIR: '' } as Record<string, string> }));
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    rmSync(project, { recursive: true, force: true });
  });

  it('lists save_skill, then save_skill, search_tools and run_skill work in one session', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('save_skill');
    // No "$schema" in the definitions: every token of them is paid on every turn.
    expect(JSON.stringify(tools)).not.toContain('$schema');

    const saved = await client.callTool({ name: 'save_skill', arguments: shout });
    expect(saved.isError, textOf(saved)).toBeFalsy();
    expect(JSON.parse(textOf(saved))).toMatchObject({ name: 'shout-echo', files: ['skills/shout-echo/SKILL.md', 'skills/shout-echo/index.ts'], servers: [{ server: 'everything', tool: 'echo' }] });
    expect(readFileSync(path.join(project, 'skills/shout-echo/SKILL.md'), 'utf8')).toContain('title: Shout hi');

    const hits = JSON.parse(textOf(await client.callTool({ name: 'search_tools', arguments: { query: 'shout capitals', detail: 'full' } }))) as { kind: string; name?: string; inputs?: unknown }[];
    expect(hits[0]).toMatchObject({ kind: 'skill', name: 'shout-echo', inputs: shout.inputSchema });
    const echoHits = JSON.parse(textOf(await client.callTool({ name: 'search_tools', arguments: { query: 'echo' } }))) as { kind: string; server?: string; tool?: string; name?: string }[];
    expect(echoHits).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'tool', server: 'everything', tool: 'echo' }), expect.objectContaining({ kind: 'skill', name: 'shout-echo' })]));

    const ran = await client.callTool({ name: 'run_skill', arguments: { name: 'shout-echo', input: { message: 'hello' } } });
    expect(ran.isError, textOf(ran)).toBeFalsy();
    expect(textOf(ran)).toMatch(/^workspace \S+\n/);
    expect(textOf(ran)).toContain('Echo: HELLO');
  }, 120_000);

  it('refuses a bad skill with every reason and writes nothing; a taken name is refused too', async () => {
    const bad = await client.callTool({
      name: 'save_skill',
      arguments: {
        name: 'bad-skill',
        description: 'Adds one to a number, but typed wrong.',
        code: "import { nope } from './servers/everything/nope';\nexport default async (input) => { const n: string = input.n + 1; return { n, nope }; };\n",
        inputSchema: { type: 'object', required: ['n'], properties: { n: { type: 'number' } } },
        examples: [{ input: { n: 'one' } }],
      },
    });
    expect(bad.isError).toBe(true);
    const reasons = textOf(bad);
    expect(reasons).toMatch(/^SKILL_INVALID: Skill "bad-skill" was not saved/);
    expect(reasons).toContain('examples[0].input');
    expect(reasons).toMatch(/bad-skill\/index\.ts:2:\d+: Type 'number' is not assignable to type 'string'/);
    expect(reasons).toContain('imports "../../servers/everything/nope.ts", which does not exist');
    expect(readdirSync(path.join(project, 'skills')).sort()).toEqual(['sandbox.d.ts', 'shout-echo']);

    const again = await client.callTool({ name: 'save_skill', arguments: { ...shout, description: 'Another skill under a taken name.' } });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toMatch(/^SKILL_EXISTS: A skill "shout-echo" already exists/);
  }, 120_000);
});

describe('save_skill over HTTP: only --skill-writers may save', () => {
  const alice = `alice-${randomBytes(12).toString('hex')}`;
  const bob = `bob-${randomBytes(12).toString('hex')}`;
  let project: string;
  let served: Awaited<ReturnType<typeof startServe>>;
  const connect = async (token: string): Promise<Client> => {
    const client = new Client({ name: 'e2e-skill-writer', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(served.url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    return client;
  };
  beforeAll(async () => {
    project = createProject('http');
    writeFileSync(path.join(project, 'tokens'), `alice=${alice}\nbob=${bob}\n`);
    served = await startServe(['--tokens-file', path.join(project, 'tokens'), '--skill-writers', 'alice'], { MAGSAG_PROJECT: project });
  }, 120_000);
  afterAll(() => {
    served?.child.kill();
    rmSync(project, { recursive: true, force: true });
  });

  it('refuses a principal not listed, and saves for one that is', async () => {
    const b = await connect(bob);
    const a = await connect(alice);
    try {
      const refused = await b.callTool({ name: 'save_skill', arguments: shout });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(/^SKILL_WRITE_DENIED: "bob" may not save skills/);
      expect(existsSync(path.join(project, 'skills/shout-echo'))).toBe(false);
      const saved = await a.callTool({ name: 'save_skill', arguments: shout });
      expect(saved.isError, textOf(saved)).toBeFalsy();
      // Skills are shared code: bob finds and runs what alice saved.
      const ran = await b.callTool({ name: 'run_skill', arguments: { name: 'shout-echo', input: { message: 'from bob' } } });
      expect(textOf(ran)).toContain('Echo: FROM BOB');
    } finally {
      await a.close();
      await b.close();
    }
  }, 120_000);
});

describe('magsag skills save --inputs --example', () => {
  let project: string;
  const env = { MAGSAG_PROJECT: '', MAGSAG_SERVERS_DIR: '', MAGSAG_STATE_DIR: '' };
  beforeAll(() => {
    project = createProject('cli');
    writeFileSync(path.join(project, 'double.ts'), 'export default async (input) => ({ doubled: input.n * 2 });\n');
    writeFileSync(path.join(project, 'inputs.json'), JSON.stringify({ type: 'object', required: ['n'], additionalProperties: false, properties: { n: { type: 'number', description: 'The number to double.' } } }));
    writeFileSync(path.join(project, 'example.json'), '{ "n": 21 }');
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('saves a skill with its input schema and examples, checked, and runs it', () => {
    const bad = magsag(['skills', 'save', 'double.ts', '--name', 'double-it', '--description', 'Doubles a number, for tests.', '--inputs', 'inputs.json', '--example', '{"n":"two"}'], { cwd: project, env });
    expect(bad.status, bad.stderr).toBe(2);
    expect(bad.stderr).toContain('SKILL_INVALID');
    expect(bad.stderr).toContain('examples[0].input');
    expect(existsSync(path.join(project, 'skills/double-it'))).toBe(false);

    const saved = magsag(['skills', 'save', 'double.ts', '--name', 'double-it', '--description', 'Doubles a number, for tests.', '--inputs', 'inputs.json', '--example', '{"n":2}', '--example', '@example.json', '--json'], { cwd: project, env });
    expect(saved.status, saved.stderr).toBe(0);
    expect(JSON.parse(saved.stdout)).toMatchObject({ name: 'double-it', servers: [] });
    const markdown = readFileSync(path.join(project, 'skills/double-it/SKILL.md'), 'utf8');
    expect(markdown).toContain('description: The number to double.');
    expect(markdown).toContain('pnpm magsag run double-it --example 0');
    expect(readFileSync(path.join(project, 'skills/double-it/index.ts'), 'utf8')).toContain('async (input: { n: number }) =>');

    const ran = magsag(['run', 'double-it', '--example', '1', '--json'], { cwd: project, env });
    expect(ran.status, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ ok: true, result: { doubled: 42 } });

    const taken = magsag(['skills', 'save', 'double.ts', '--name', 'double-it', '--description', 'Doubles a number, for tests.'], { cwd: project, env });
    expect(taken.status).toBe(2);
    expect(taken.stderr).toContain('SKILL_EXISTS');
    const replaced = magsag(['skills', 'save', 'double.ts', '--name', 'double-it', '--description', 'Doubles a number, replaced.', '--inputs', 'inputs.json', '--overwrite'], { cwd: project, env });
    expect(replaced.status, replaced.stderr).toBe(0);
    expect(readFileSync(path.join(project, 'skills/double-it/SKILL.md'), 'utf8')).toContain('Doubles a number, replaced.');
  }, 180_000);
});
