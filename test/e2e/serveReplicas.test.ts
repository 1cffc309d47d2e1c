// Two `magsag serve --http` replicas on one real PostgreSQL (a throwaway cluster), each in a project
// folder and a state folder of its own, as two machines would be: what one replica did, the other
// sees only through the store. Principals come from one tokens file, MAGSAG_VAULT_KEY from the
// environment; a balancer routes each session to the replica its id names (test/support/balancer.ts).
//
// Checked: a file written on one replica is read on the other; a placeholder made on one is
// untokenized on the other to a server allowed to receive it; another principal cannot reach the
// workspace on either; a skill saved on one runs on the other; an elicitation answer and a
// cancellation sent through the balancer reach their run; a replica killed with SIGKILL mid-run
// loses only that run (its record says interrupted, every completed write is there on the other);
// the store going away makes runs fail with STORE_UNAVAILABLE and /readyz go red, and service comes
// back without a restart.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Balancer, startBalancer } from '../support/balancer.ts';
import { untilListening } from '../support/listening.ts';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { cliArgs, magsag, repoRoot } from './helpers.ts';

const unavailable = postgresUnavailable();
const textOf = (result: unknown): string => ((result as { content: { type: string; text: string }[] }).content ?? []).map((c) => c.text).join('');
const workspaceOf = (text: string): string => /^workspace (\S+)/.exec(text)?.[1] ?? '';

const tokens = { alice: `alice-${randomBytes(16).toString('hex')}`, bob: `bob-${randomBytes(16).toString('hex')}` };
const vaultKey = randomBytes(32).toString('hex');

/** A project of its own for one replica: modules and server YAMLs copied, its own demo CRM data. */
function replicaProject(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `magsag-replica-${name}-`));
  for (const link of ['node_modules', 'packages', 'tools/demo-servers']) {
    mkdirSync(path.dirname(path.join(dir, link)), { recursive: true });
    symlinkSync(path.join(repoRoot, link), path.join(dir, link));
  }
  for (const copy of ['package.json', 'tsconfig.json', 'tsconfig.base.json', 'tools/adk/servers', 'servers', 'skills/sandbox.d.ts', 'magsag.config.yaml']) {
    mkdirSync(path.dirname(path.join(dir, copy)), { recursive: true });
    cpSync(path.join(repoRoot, copy), path.join(dir, copy), { recursive: true });
  }
  mkdirSync(path.join(dir, '.magsag/demo/crm'), { recursive: true });
  cpSync(path.join(repoRoot, 'tools/adk/demo-data/crm/records.json'), path.join(dir, '.magsag/demo/crm/records.json'));
  writeFileSync(path.join(dir, 'tokens.txt'), `alice=${tokens.alice}\nbob=${tokens.bob}\n`);
  return dir;
}

const crmContacts = (project: string): { LastName: string; Email: string | null }[] =>
  (JSON.parse(readFileSync(path.join(project, '.magsag/demo/crm/records.json'), 'utf8')) as { records: { Contact: { LastName: string; Email: string | null }[] } }).records.Contact;

interface Replica {
  name: string;
  project: string;
  child: ChildProcess;
  url: URL;
  stderr: () => string;
}

const replicaEnv = (project: string, storeUrl: string): Record<string, string> =>
  ({ ...process.env, NO_COLOR: '1', MAGSAG_PROJECT: project, MAGSAG_SERVERS_DIR: '', MAGSAG_STATE_DIR: '', MAGSAG_SERVE_TOKEN: '', MAGSAG_SERVE_TOKENS: '', MAGSAG_STORE_URL: storeUrl, MAGSAG_VAULT_KEY: vaultKey }) as Record<string, string>;

async function startReplica(name: string, project: string, storeUrl: string): Promise<Replica> {
  const [command, ...args] = cliArgs(['serve', '--http', '0', '--replica', name, '--tokens-file', path.join(project, 'tokens.txt'), '--skill-writers', 'alice']);
  const child = spawn(command!, args, { cwd: project, stdio: ['ignore', 'ignore', 'pipe'], env: replicaEnv(project, storeUrl) });
  const { url, stderr } = await untilListening(child, `replica ${name}`);
  return { name, project, child, url, stderr };
}

async function connect(url: URL, who: keyof typeof tokens, options: { elicit?: () => { action: 'accept' | 'decline'; content?: Record<string, unknown> } } = {}): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: `replicas-${who}`, version: '1.0.0' }, { capabilities: options.elicit ? { elicitation: { form: {} } } : {} });
  if (options.elicit) {
    const elicit = options.elicit;
    client.setRequestHandler(ElicitRequestSchema, () => elicit());
  }
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${tokens[who]}` } } });
  await client.connect(transport);
  return { client, transport };
}

const run = async (client: Client, code: string, workspace?: string, signal?: AbortSignal, timeout = 120_000): Promise<{ text: string; isError: boolean }> => {
  const result = await client.callTool({ name: 'execute_code', arguments: { code, ...(workspace ? { workspace } : {}) } }, undefined, { timeout, ...(signal ? { signal } : {}) });
  return { text: textOf(result), isError: result.isError === true };
};

async function get(url: URL, pathname: string): Promise<{ status: number; body: string }> {
  const response = await fetch(new URL(pathname, url));
  return { status: response.status, body: await response.text() };
}

describe.skipIf(unavailable)(`two serve replicas on one PostgreSQL${unavailable ? ` — SKIPPED: ${unavailable}` : ''}`, () => {
  let cluster: TestPostgres;
  let r1: Replica;
  let r2: Replica;
  let balancer: Balancer;
  const clients: Client[] = [];
  beforeAll(async () => {
    cluster = await startPostgres();
    // One after the other: the first creates the schema and the key check row.
    r1 = await startReplica('r1', replicaProject('r1'), cluster.url);
    r2 = await startReplica('r2', replicaProject('r2'), cluster.url);
    balancer = await startBalancer({ r1: r1.url, r2: r2.url });
  }, 180_000);
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await balancer?.close();
    for (const r of [r1, r2]) {
      if (!r) continue;
      r.child.kill('SIGTERM');
      rmSync(r.project, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    }
    await cluster?.stop();
  });

  it('refuses to start on a store URL without MAGSAG_VAULT_KEY, naming the variable', () => {
    const project = replicaProject('nokey');
    try {
      const env = replicaEnv(project, cluster.url);
      delete env['MAGSAG_VAULT_KEY'];
      const { status, stderr } = magsag(['serve', '--http', '0', '--tokens-file', path.join(project, 'tokens.txt')], { cwd: project, env });
      expect(status).not.toBe(0);
      expect(stderr).toContain('MAGSAG_VAULT_KEY');
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  }, 60_000);

  it('a file written on one replica is read on the other; another principal finds nothing on either', async () => {
    const { client: a1 } = await connect(r1.url, 'alice');
    const { client: a2 } = await connect(r2.url, 'alice');
    const { client: b2 } = await connect(r2.url, 'bob');
    clients.push(a1, a2, b2);
    const wrote = await run(a1, "await workspace.write('notes/plan.md', '# written on r1');\nexport default 'ok';");
    expect(wrote.isError, wrote.text).toBe(false);
    const workspace = workspaceOf(wrote.text);
    expect(workspace).toMatch(/^ws-/);
    const read = await run(a2, "export default await workspace.read('notes/plan.md');", workspace);
    expect(read.isError, read.text).toBe(false);
    expect(read.text).toContain('# written on r1');
    const { client: b1 } = await connect(r1.url, 'bob');
    clients.push(b1);
    for (const bob of [b1, b2]) {
      const stolen = await run(bob, "export default await workspace.read('notes/plan.md');", workspace);
      expect(stolen.isError).toBe(true);
      expect(stolen.text).toContain('WORKSPACE_NOT_FOUND');
    }
  }, 180_000);

  it('a placeholder made on one replica is untokenized on the other, to a server allowed to receive it', async () => {
    const { client: a1 } = await connect(r1.url, 'alice');
    const { client: a2 } = await connect(r2.url, 'alice', { elicit: () => ({ action: 'accept', content: {} }) });
    clients.push(a1, a2);
    const seen = await run(a1, "import { runSoqlQuery } from './servers/crm/runSoqlQuery';\nexport default await runSoqlQuery({ query: 'SELECT Id, Email FROM Contact LIMIT 5' });");
    expect(seen.isError, seen.text).toBe(false);
    const placeholder = /\[EMAIL_\d+\]/.exec(seen.text)?.[0];
    expect(placeholder, seen.text).toBeDefined();
    const raw = crmContacts(r1.project).map((c) => c.Email).filter((e): e is string => !!e);
    for (const email of raw) expect(seen.text).not.toContain(email);
    const marker = `Replica${randomBytes(4).toString('hex')}`;
    const made = await run(
      a2,
      `import { createRecord } from './servers/crm/createRecord';\nexport default await createRecord({ object_name: 'Contact', data: { LastName: '${marker}', Email: '${placeholder}' } });`,
      workspaceOf(seen.text),
    );
    expect(made.isError, made.text).toBe(false);
    const created = crmContacts(r2.project).find((c) => c.LastName === marker);
    expect(created?.Email).toBeDefined();
    expect(raw).toContain(created!.Email);
  }, 180_000);

  it('a skill saved on one replica is found and run on the other', async () => {
    const { client: a1 } = await connect(r1.url, 'alice');
    const { client: a2 } = await connect(r2.url, 'alice');
    clients.push(a1, a2);
    const saved = await a1.callTool({
      name: 'save_skill',
      arguments: { name: 'replica-echo', description: 'Echo a word through the everything server.', code: "import { echo } from './servers/everything/echo';\nexport default async (input) => echo({ message: `shared ${input.word}` });\n", inputSchema: { type: 'object', properties: { word: { type: 'string' } } } },
    });
    expect(saved.isError, textOf(saved)).toBeFalsy();
    const listed = textOf(await a2.callTool({ name: 'list_skills', arguments: {} }));
    expect(listed).toContain('replica-echo');
    const ran = await a2.callTool({ name: 'run_skill', arguments: { name: 'replica-echo', input: { word: 'hello' } } });
    expect(ran.isError, textOf(ran)).toBeFalsy();
    expect(textOf(ran)).toContain('shared hello');
  }, 180_000);

  it('through the balancer, an elicitation answer and a cancellation reach their run', async () => {
    const answers: string[] = [];
    const { client, transport } = await connect(balancer.url, 'alice', {
      elicit: () => {
        answers.push(transport.sessionId ?? '');
        return { action: 'accept', content: {} };
      },
    });
    clients.push(client);
    const owner = transport.sessionId!.split('.')[0]!;
    expect(['r1', 'r2']).toContain(owner);
    const project = owner === 'r1' ? r1.project : r2.project;
    const marker = `Routed${randomBytes(4).toString('hex')}`;
    const made = await run(client, `import { createRecord } from './servers/crm/createRecord';\nexport default await createRecord({ object_name: 'Contact', data: { LastName: '${marker}' } });`);
    expect(made.isError, made.text).toBe(false);
    expect(answers).toHaveLength(1);
    expect(crmContacts(project).some((c) => c.LastName === marker)).toBe(true);

    const controller = new AbortController();
    const long = run(client, "import { triggerLongRunningOperation } from './servers/everything/triggerLongRunningOperation';\nexport default await triggerLongRunningOperation({ duration: 60, steps: 60 });", undefined, controller.signal);
    await new Promise((r) => setTimeout(r, 3000));
    controller.abort('the user changed their mind');
    await expect(long).rejects.toThrow();
    // The replica that ran it recorded it as cancelled: the cancellation reached the run.
    const replica = owner === 'r1' ? r1 : r2;
    const deadline = Date.now() + 30_000;
    let body = '';
    while (Date.now() < deadline) {
      body = (await get(replica.url, '/metrics')).body;
      if (/magsag_runs_total\{[^}]*outcome="cancelled"[^}]*\} 1/.test(body)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(body).toMatch(/magsag_runs_total\{[^}]*outcome="cancelled"[^}]*\} 1/);
  }, 180_000);

  it('a replica killed mid-run loses only that run: every completed write is on the other, whose records say interrupted', async () => {
    const { client: a1 } = await connect(r1.url, 'alice');
    clients.push(a1);
    const first = await run(a1, "await workspace.write('steps/0.txt', 'before');\nexport default 'ok';");
    const workspace = workspaceOf(first.text);
    const killed = run(
      a1,
      "import { triggerLongRunningOperation } from './servers/everything/triggerLongRunningOperation';\nawait workspace.write('steps/1.txt', 'done');\nawait workspace.write('steps/2.txt', 'done');\nawait triggerLongRunningOperation({ duration: 60, steps: 60 });\nawait workspace.write('steps/3.txt', 'never');\nexport default 'finished';",
      workspace,
      undefined,
      // The MCP SDK's client does not fail a request whose stream broke: it fails it at its timeout.
      20_000,
    ).then(
      (r) => ({ ok: true, r }),
      (error: unknown) => ({ ok: false, error }),
    );
    // Wait until the two writes have landed in the store (read through r2), then kill r1.
    const { client: a2 } = await connect(r2.url, 'alice');
    clients.push(a2);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const listed = await run(a2, "export default (await workspace.list('steps')).map((e) => e.path);", workspace);
      if (listed.text.includes('steps/2.txt')) break;
      if (Date.now() > deadline) throw new Error(`the writes never landed: ${listed.text}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    r1.child.kill('SIGKILL');
    const outcome = await killed;
    // The client got an error (a broken stream), not an answer: it can retry elsewhere.
    expect(outcome.ok).toBe(false);
    const after = await run(a2, "export default (await workspace.list('steps')).map((e) => e.path);", workspace);
    expect(after.isError, after.text).toBe(false);
    expect(after.text).toContain('steps/0.txt');
    expect(after.text).toContain('steps/1.txt');
    expect(after.text).toContain('steps/2.txt');
    expect(after.text).not.toContain('steps/3.txt');
    // The dead replica's run is marked interrupted by the survivors' sweep (same host: its pid is gone).
    const shown = magsag(['workspace', 'show', workspace, '--json'], { cwd: r2.project, env: replicaEnv(r2.project, cluster.url) });
    expect(shown.status, shown.stderr).toBe(0);
    const records = (JSON.parse(shown.stdout) as { runRecords: { status: string }[] }).runRecords;
    expect(records.map((r) => r.status)).toContain('interrupted');
    expect(records.filter((r) => r.status === 'running')).toEqual([]);
  }, 180_000);

  it('the store going away fails runs with STORE_UNAVAILABLE and turns /readyz red; it comes back without a restart', async () => {
    const { client } = await connect(r2.url, 'alice');
    clients.push(client);
    expect((await get(r2.url, '/readyz')).status).toBe(200);
    cluster.pause();
    try {
      const ready = await get(r2.url, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toContain('STORE_UNAVAILABLE');
      expect(ready.body).not.toContain('magsag@');
      const failed = await run(client, "await workspace.write('x.txt', 'y');\nexport default 1;");
      expect(failed.isError).toBe(true);
      expect(failed.text).toContain('STORE_UNAVAILABLE');
      expect((await get(r2.url, '/healthz')).status).toBe(200);
    } finally {
      cluster.resume();
    }
    const deadline = Date.now() + 30_000;
    while ((await get(r2.url, '/readyz')).status !== 200) {
      if (Date.now() > deadline) throw new Error('/readyz stayed red after the store came back');
      await new Promise((r) => setTimeout(r, 250));
    }
    const ok = await run(client, "await workspace.write('x.txt', 'y');\nexport default 1;");
    expect(ok.isError, ok.text).toBe(false);
  }, 180_000);
});
