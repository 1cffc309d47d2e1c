// What a balancer and Prometheus see of one `magsag serve --http` (the local state folder, nothing
// to install): /healthz and /readyz without a token, /metrics in Prometheus text after real runs,
// session ids that name their replica, and a clear 404 for a session another replica made.
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawPost, startServe } from './helpers.ts';

const token = 'probe-token-0123456789abcdef0123456789';

function get(url: URL, pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: pathname, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The value of the sample `name` whose labels include `labels` (in any order), from Prometheus text. */
function sample(body: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of body.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(match[2]!.split(',').map((pair) => pair.split('=')).map(([k, v]) => [k, v!.replace(/^"|"$/g, '')]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

const textOf = (result: unknown): string => ((result as { content: { text: string }[] }).content ?? []).map((c) => c.text).join('');

describe('serve --http probes, metrics and replica session ids', () => {
  let child: ChildProcess;
  let url: URL;
  beforeAll(async () => {
    ({ child, url } = await startServe(['--replica', 'probe-1', '--token', token]));
  }, 120_000);
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('answers /healthz and /readyz without a token, naming the replica', async () => {
    expect(await get(url, '/healthz')).toMatchObject({ status: 200, body: '{"status":"ok","replica":"probe-1"}\n' });
    const ready = await get(url, '/readyz', { host: '10.1.2.3:8080' });
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: 'ready', replica: 'probe-1' });
    // The MCP endpoint still needs the token.
    expect((await rawPost(url, {})).status).toBe(401);
  });

  it('makes session ids that start with the replica name, and names the owner of a foreign one', async () => {
    const client = new Client({ name: 'probe', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${token}` } } });
    await client.connect(transport);
    expect(transport.sessionId).toMatch(/^probe-1\.[0-9a-f-]{36}$/);
    const ran = await client.callTool({ name: 'execute_code', arguments: { code: "import { echo } from './servers/everything/echo';\nexport default await echo({ message: 'metrics' });" } });
    expect(ran.isError, textOf(ran)).toBeFalsy();
    const failed = await client.callTool({ name: 'execute_code', arguments: { code: 'throw new Error("boom")' } });
    expect(failed.isError).toBe(true);
    await transport.terminateSession();
    await client.close();

    const foreign = await rawPost(url, { authorization: `Bearer ${token}`, 'mcp-session-id': 'probe-2.6f1c2c38-3a47-4a53-9d70-4d8f2d7c1e11' }, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
    expect(foreign.status).toBe(404);
    expect(foreign.body).toContain('belongs to replica probe-2, not probe-1');
  }, 120_000);

  it('serves Prometheus text on /metrics with the runs, their outcomes and the tool calls', async () => {
    const scraped = await get(url, '/metrics');
    expect(scraped.status).toBe(200);
    expect(scraped.type).toContain('text/plain');
    const replica = 'probe-1';
    expect(sample(scraped.body, 'magsag_runs_total', { kind: 'execute_code', outcome: 'ok', replica })).toBe(1);
    expect(sample(scraped.body, 'magsag_runs_total', { kind: 'execute_code', outcome: 'error', replica })).toBe(1);
    expect(sample(scraped.body, 'magsag_run_duration_seconds_count', { kind: 'execute_code', replica })).toBe(2);
    expect(sample(scraped.body, 'magsag_tool_call_duration_seconds_count', { server: 'everything', outcome: 'ok', replica })).toBe(1);
    expect(sample(scraped.body, 'magsag_runs_in_flight', { replica })).toBe(0);
    expect(sample(scraped.body, 'magsag_sessions', { replica })).toBe(0);
    // A page on another host name (DNS rebinding) cannot read it.
    expect((await get(url, '/metrics', { host: 'attacker.example' })).status).toBe(403);
  });
});
