// Approvals over `magsag serve`: a real serve (stdio and HTTP) in a scratch project whose CRM server
// YAML says delete_record needs approval, driven by SDK clients that accept, decline or cannot show
// elicitation; the last ones are answered with the real `magsag approvals` CLI in another process.
// Every check of what changed is made on the CRM server's own data file.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, type ElicitRequest, type ElicitResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs, repoRoot, startServe } from './helpers.ts';

const textOf = (result: unknown): string => ((result as { content: { type: string; text: string }[] }).content ?? []).map((c) => c.text).join('');

/** The CRM's tools with an explicit policy, whatever the demo YAML says. */
const crmApprovals = 'approvals:\n  allow: [run_soql_query, get_record, get_object_fields]\n  approve: [create_record, update_record, delete_record]\n';

/**
 * A scratch project: the generated modules and server YAMLs copied, the CRM YAML with explicit
 * approvals, its own state folder with a fresh copy of the CRM seed data.
 */
function createProject(name: string, approvalTimeoutMs?: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), `magsag-approvals-${name}-`));
  for (const link of ['node_modules', 'packages', 'tools/demo-servers']) {
    mkdirSync(path.dirname(path.join(dir, link)), { recursive: true });
    symlinkSync(path.join(repoRoot, link), path.join(dir, link));
  }
  for (const copy of ['package.json', 'tsconfig.json', 'tsconfig.base.json', 'tools/adk/servers', 'servers', 'skills/sandbox.d.ts']) {
    mkdirSync(path.dirname(path.join(dir, copy)), { recursive: true });
    cpSync(path.join(repoRoot, copy), path.join(dir, copy), { recursive: true });
  }
  const crmYaml = path.join(dir, 'tools/adk/servers/crm.yaml');
  // Any approvals block of the demo YAML is replaced by this test's own.
  const withoutApprovals = readFileSync(crmYaml, 'utf8').replace(/^approvals:\n(?:[ #].*\n|\n)*/m, '');
  writeFileSync(crmYaml, `${withoutApprovals.trimEnd()}\n${crmApprovals}`);
  writeFileSync(
    path.join(dir, 'magsag.config.yaml'),
    `version: 1\nfolders:\n  servers: tools/adk/servers\n  modules: servers\n  skills: skills\n  state: .magsag\nlimits: {}\n${approvalTimeoutMs ? `approvals:\n  approvalTimeoutMs: ${approvalTimeoutMs}\n` : ''}`,
  );
  mkdirSync(path.join(dir, '.magsag/demo/crm'), { recursive: true });
  cpSync(path.join(repoRoot, 'tools/adk/demo-data/crm/records.json'), path.join(dir, '.magsag/demo/crm/records.json'));
  return dir;
}

const dataFile = (project: string): string => path.join(project, '.magsag/demo/crm/records.json');
const contactIds = (project: string): string[] => (JSON.parse(readFileSync(dataFile(project), 'utf8')) as { records: { Contact: { Id: string }[] } }).records.Contact.map((c) => c.Id);
const deleteCode = (ids: string[]): string =>
  `import { deleteRecord } from './servers/crm/deleteRecord';\nconst ids = ${JSON.stringify(ids)};\nexport default await Promise.all(ids.map((record_id) => deleteRecord({ object_name: 'Contact', record_id })));\n`;
const env = (project: string): Record<string, string> => ({ ...process.env, NO_COLOR: '1', MAGSAG_PROJECT: project, MAGSAG_SERVERS_DIR: '', MAGSAG_STATE_DIR: '' }) as Record<string, string>;

/** The real CLI in a child process, without blocking this one (the clients must keep reading). */
function cli(project: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const [command, ...rest] = cliArgs(args);
  return new Promise((resolve) => {
    execFile(command!, rest, { cwd: project, env: env(project), timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

interface Listed {
  id: string;
  status: string;
  principal: string;
  runId: string;
  workspaceId: string;
  calls: { server: string; tool: string; arguments: Record<string, unknown>; argumentsHash: string; reason: string }[];
  createdAt: string;
  expiresAt: string;
}

/** Polls `magsag approvals list --json` until a pending request shows up (while `run` is still running). */
async function waitForPending(project: string, run: Promise<unknown>, known: ReadonlySet<string> = new Set()): Promise<Listed> {
  const deadline = Date.now() + 90_000;
  let settled: unknown;
  void run.then((r) => (settled ??= r), (e: unknown) => (settled ??= e));
  for (;;) {
    if (settled !== undefined) throw new Error(`the run ended before its approval request was listed: ${textOf(settled)}`);
    const listed = await cli(project, ['approvals', 'list', '--json']);
    expect(listed.status, listed.stderr).toBe(0);
    const found = (JSON.parse(listed.stdout) as Listed[]).find((e) => !known.has(e.id));
    if (found) return found;
    if (Date.now() > deadline) throw new Error('no approval request appeared in the queue');
    await new Promise((r) => setTimeout(r, 300));
  }
}

function stdioClient(project: string, elicitation: boolean): { client: Client; connect: () => Promise<void> } {
  const client = new Client({ name: 'e2e-approvals', version: '1.0.0' }, { capabilities: elicitation ? { elicitation: { form: {} } } : {} });
  const [command, ...args] = cliArgs(['serve']);
  return { client, connect: () => client.connect(new StdioClientTransport({ command: command!, args, cwd: project, stderr: 'ignore', env: env(project) })) };
}

describe('serve asks a client with elicitation', () => {
  let project: string;
  let client: Client;
  const asked: ElicitRequest[] = [];
  let answer: (request: ElicitRequest) => ElicitResult = () => ({ action: 'decline' });
  beforeAll(async () => {
    project = createProject('elicit');
    const made = stdioClient(project, true);
    client = made.client;
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request);
      return answer(request);
    });
    await made.connect();
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    rmSync(project, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  it('accept: the delete goes through, the server data changed, and progress arrived while it waited', async () => {
    const [id] = contactIds(project);
    const before = asked.length;
    answer = () => ({ action: 'accept', content: {} });
    const progress: Progress[] = [];
    const result = await client.callTool({ name: 'execute_code', arguments: { code: deleteCode([id!]) } }, undefined, { onprogress: (p) => progress.push(p), timeout: 120_000 });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(contactIds(project)).not.toContain(id);
    expect(asked.length - before).toBe(1);
    const request = asked.at(-1)!;
    expect(request.params.message).toContain('crm/delete_record');
    expect(request.params.message).toContain(id!);
    expect(request.params.message).toMatch(/policy approve/);
    // The request names its approval and run (stdio has no streams to relate it by).
    expect(request.params._meta?.['magsag/approval']).toMatchObject({ id: expect.stringMatching(/^apr-/), runId: expect.stringMatching(/^run-/) });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]!.message).toContain(`waiting for approval ${(request.params._meta?.['magsag/approval'] as { id: string }).id}`);
  });

  it('decline: the call fails with TOOL_APPROVAL_DENIED and the server data file is byte for byte unchanged', async () => {
    const [id] = contactIds(project);
    const before = readFileSync(dataFile(project));
    answer = () => ({ action: 'decline' });
    const result = await client.callTool({ name: 'execute_code', arguments: { code: deleteCode([id!]) } }, undefined, { timeout: 120_000 });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('TOOL_APPROVAL_DENIED');
    expect(textOf(result)).toMatch(/\(elicitation\) denied/);
    expect(readFileSync(dataFile(project)).equals(before)).toBe(true);
  });

  it('a batch: Promise.all over many deletes asks once, listing every call; "these tools for the run" covers a later call', async () => {
    const ids = contactIds(project).slice(0, 22);
    const before = asked.length;
    answer = () => ({ action: 'accept', content: { approveToolsForRun: true } });
    // The later call is issued after the batch was answered and ran: well outside its 50 ms.
    const code = `${deleteCode(ids.slice(0, 20)).replace('export default await', 'const first = await')}\nconst later = await deleteRecord({ object_name: 'Contact', record_id: ${JSON.stringify(ids[20])} });\nexport default { first: first.length, later };\n`;
    const result = await client.callTool({ name: 'execute_code', arguments: { code } }, undefined, { timeout: 120_000 });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(asked.length - before).toBe(1);
    const message = asked.at(-1)!.params.message;
    expect(message).toContain('these 20 tool calls');
    for (const id of ids.slice(0, 20)) expect(message).toContain(id);
    const left = contactIds(project);
    for (const id of ids.slice(0, 21)) expect(left).not.toContain(id);
    expect(left).toContain(ids[21]);
  });
});

describe('serve over HTTP, for the principal alice', () => {
  let project: string;
  let served: Awaited<ReturnType<typeof startServe>>;
  const token = 'alice-token-0123456789abcdef';
  const auth = { authorization: `Bearer ${token}` };
  beforeAll(async () => {
    project = createProject('http');
    writeFileSync(path.join(project, 'tokens'), `alice=${token}\n`, { mode: 0o600 });
    served = await startServe(['--tokens-file', path.join(project, 'tokens')], { MAGSAG_PROJECT: project, MAGSAG_SERVERS_DIR: '', MAGSAG_STATE_DIR: '' });
  }, 120_000);
  afterAll(async () => {
    if (served && served.child.exitCode === null) {
      const exited = new Promise((resolve) => served.child.once('exit', resolve));
      served.child.kill();
      await exited;
    }
    rmSync(project, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  it('sends elicitation/create on the execute_code request\'s own stream (relatedRequestId), with progress before it', async () => {
    // This client declares `elicitation: {}` (form, the only mode of the 2025-06-18 spec).
    const [id] = contactIds(project);
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth };
    const init = await fetch(served.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 'raw', version: '1' } } }),
    });
    const session = init.headers.get('mcp-session-id')!;
    await init.text();
    const sessionHeaders = { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
    await (await fetch(served.url, { method: 'POST', headers: sessionHeaders, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
    // No standalone GET stream is opened: a server message not related to the call would have
    // nowhere to go, so seeing it on the call's stream shows it was sent related to the call.
    const call = await fetch(served.url, {
      method: 'POST',
      headers: sessionHeaders,
      body: JSON.stringify({ jsonrpc: '2.0', id: 'call-1', method: 'tools/call', params: { name: 'execute_code', arguments: { code: deleteCode([id!]) }, _meta: { progressToken: 'tok-1' } } }),
    });
    expect(call.headers.get('content-type')).toContain('text/event-stream');
    const seen: { method?: string; id?: unknown; params?: Record<string, unknown>; result?: unknown }[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of call.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
        if (!data) continue;
        const message = JSON.parse(data) as (typeof seen)[number];
        seen.push(message);
        if (message.method === 'elicitation/create') {
          await (await fetch(served.url, { method: 'POST', headers: sessionHeaders, body: JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { action: 'accept', content: {} } }) })).text();
        }
      }
    }
    const methods = seen.map((m) => m.method ?? `result ${String(m.id)}`);
    expect(methods).toContain('elicitation/create');
    expect(methods.at(-1)).toBe('result call-1');
    // Progress on the call's token, before the prompt and naming the approval.
    const firstProgress = seen.findIndex((m) => m.method === 'notifications/progress');
    expect(firstProgress).toBeGreaterThanOrEqual(0);
    expect(firstProgress).toBeLessThan(methods.indexOf('elicitation/create'));
    expect(seen[firstProgress]!.params).toMatchObject({ progressToken: 'tok-1', progress: 1, message: expect.stringContaining('waiting for approval apr-') });
    expect(JSON.stringify(seen.at(-1)!.result)).not.toContain('isError');
    expect(contactIds(project)).not.toContain(id);
  });

  it('a client without elicitation: the request waits in the queue; `magsag approvals approve` lets it finish, `deny` refuses it', async () => {
    const client = new Client({ name: 'no-elicitation', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(served.url, { requestInit: { headers: auth } }));
    try {
      const [approveId, denyId] = contactIds(project);
      const progress: Progress[] = [];
      const running = client.callTool({ name: 'execute_code', arguments: { code: deleteCode([approveId!]) } }, undefined, { onprogress: (p) => progress.push(p), timeout: 120_000 });
      const pending = await waitForPending(project, running);
      expect(pending).toMatchObject({ status: 'pending', principal: 'alice', runId: expect.stringMatching(/^run-/), workspaceId: expect.stringMatching(/^ws-/) });
      expect(pending.calls).toEqual([expect.objectContaining({ server: 'crm', tool: 'delete_record', arguments: { object_name: 'Contact', record_id: approveId } })]);
      expect(Date.parse(pending.expiresAt)).toBeGreaterThan(Date.parse(pending.createdAt));

      const approved = await cli(project, ['approvals', 'approve', pending.id]);
      expect(approved.status, approved.stderr).toBe(0);
      expect(approved.stdout).toContain(`approved ${pending.id}`);
      const result = await running;
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(textOf(result)).toMatch(new RegExp(`approval ${pending.id}: approved by local:\\S+ \\(magsag approvals\\)`));
      expect(contactIds(project)).not.toContain(approveId);
      expect(progress[0]?.message).toContain(`magsag approvals approve ${pending.id}`);
      // The audit log names who decided.
      const audit = await cli(project, ['audit', 'show', pending.runId, '--json']);
      expect(audit.status, audit.stderr).toBe(0);
      expect(JSON.parse(audit.stdout)).toEqual(
        expect.arrayContaining([expect.objectContaining({ direction: 'approval', approvalId: pending.id, outcome: 'approved', decidedBy: expect.stringMatching(/^local:\S+ \(magsag approvals\)$/) })]),
      );
      // Ids are checked: a malformed one is a usage error, an unknown one is named.
      const bad = await cli(project, ['approvals', 'approve', '../etc/passwd']);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/USAGE.*apr-/s);
      const unknown = await cli(project, ['approvals', 'approve', 'apr-000000000000', '--json']);
      expect(unknown.status).toBe(2);
      expect(JSON.parse(unknown.stdout)).toMatchObject({ error: { code: 'APPROVAL_NOT_FOUND' } });

      // Answered once: a second answer is refused and changes nothing.
      const again = await cli(project, ['approvals', 'deny', pending.id, '--json']);
      expect(again.status).toBe(2);
      expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: 'APPROVAL_NOT_PENDING' } });

      const before = readFileSync(dataFile(project));
      const refused = client.callTool({ name: 'execute_code', arguments: { code: deleteCode([denyId!]) } }, undefined, { timeout: 120_000 });
      const second = await waitForPending(project, refused, new Set([pending.id]));
      const denied = await cli(project, ['approvals', 'deny', second.id, '--note', 'not this one']);
      expect(denied.status, denied.stderr).toBe(0);
      const failed = await refused;
      expect(failed.isError).toBe(true);
      expect(textOf(failed)).toContain('TOOL_APPROVAL_DENIED');
      expect(textOf(failed)).toContain('not this one');
      expect(readFileSync(dataFile(project)).equals(before)).toBe(true);
      const listed = JSON.parse((await cli(project, ['approvals', 'list', '--json'])).stdout) as Listed[];
      expect(listed).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

describe('an approval nobody answers', () => {
  let project: string;
  let client: Client;
  beforeAll(async () => {
    // Only here is the timeout short.
    project = createProject('expire', 4000);
    const made = stdioClient(project, false);
    client = made.client;
    await made.connect();
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    rmSync(project, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  it('fails with TOOL_APPROVAL_REQUIRED naming the id and the command; the queue shows it expired, not pending', async () => {
    const [id] = contactIds(project);
    const before = readFileSync(dataFile(project));
    const result = await client.callTool({ name: 'execute_code', arguments: { code: deleteCode([id!]) } }, undefined, { timeout: 120_000 });
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toContain('TOOL_APPROVAL_REQUIRED');
    const approvalId = /(apr-[a-z0-9]+)/.exec(text)?.[1];
    expect(approvalId).toBeDefined();
    expect(text).toContain(`magsag approvals approve ${approvalId}`);
    expect(readFileSync(dataFile(project)).equals(before)).toBe(true);
    expect(JSON.parse((await cli(project, ['approvals', 'list', '--json'])).stdout)).toEqual([]);
    const all = JSON.parse((await cli(project, ['approvals', 'list', '--all', '--json'])).stdout) as Listed[];
    expect(all).toEqual([expect.objectContaining({ id: approvalId, status: 'expired' })]);
    const late = await cli(project, ['approvals', 'approve', approvalId!]);
    expect(late.status).toBe(2);
    expect(late.stderr).toContain('APPROVAL_NOT_PENDING');
  });
});
