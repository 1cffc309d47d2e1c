import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { cliArgs, repoRoot, startServe } from './helpers.ts';

const textOf = (result: unknown): string => ((result as { content: { text: string }[] }).content ?? []).map((c) => c.text).join('');
const longCode = "import { triggerLongRunningOperation } from './servers/everything/triggerLongRunningOperation';\nexport default await triggerLongRunningOperation({ duration: 30, steps: 30 });";

interface Record_ {
  runId: string;
  status: string;
  errorCode: string | null;
}

function records(ws: string): Record_[] {
  const runs = path.join(repoRoot, '.magsag/workspaces', ws, 'runs');
  if (!existsSync(runs)) return [];
  return readdirSync(runs).flatMap((r) => {
    try {
      return [JSON.parse(readFileSync(path.join(runs, r, 'run.json'), 'utf8')) as Record_];
    } catch {
      return [];
    }
  });
}

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Every process whose parent chain leads to `pid`. */
function descendants(pid: number): number[] {
  const out = spawnSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    children.set(pp!, [...(children.get(pp!) ?? []), p!]);
  }
  const found: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      found.push(c);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts a long run over HTTP in a fresh workspace and resolves once its record says `running`. */
async function startLongRun(url: URL): Promise<{ client: Client; ws: string; pending: Promise<unknown> }> {
  const client = new Client({ name: 'e2e-lifecycle', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(url));
  const ws = /^workspace (\S+)/.exec(textOf(await client.callTool({ name: 'execute_code', arguments: { code: 'export default 1;' } })))![1]!;
  const pending = client.callTool({ name: 'execute_code', arguments: { code: longCode, workspace: ws } }, undefined, { timeout: 60_000 }).catch((error: unknown) => error);
  await until(() => records(ws).some((r) => r.status === 'running'), 'the long run to start');
  return { client, ws, pending };
}

describe('serve lifecycle', { timeout: 180_000 }, () => {
  it('marks a run interrupted when serve was killed with SIGKILL mid-run, on the next start', async () => {
    const first = await startServe([]);
    const { client, ws, pending } = await startLongRun(first.url);
    first.child.kill('SIGKILL');
    void pending;
    await client.close().catch(() => {});
    expect(records(ws).find((r) => r.status !== 'ok')).toMatchObject({ status: 'running' });
    const second = await startServe([]);
    try {
      expect(records(ws).find((r) => r.status !== 'ok')).toMatchObject({ status: 'interrupted' });
    } finally {
      second.child.kill();
    }
  });

  it('on SIGTERM cancels its runs, records them as cancelled and exits with its sandboxes and servers', async () => {
    const served = await startServe(['--shutdown-grace-ms', '5000']);
    const { client, ws, pending } = await startLongRun(served.url);
    const children = descendants(served.child.pid!);
    expect(children.length).toBeGreaterThan(0);
    served.child.kill('SIGTERM');
    await new Promise((resolve) => served.child.once('exit', resolve));
    void pending;
    await client.close().catch(() => {});
    expect(records(ws).find((r) => r.status !== 'ok')).toMatchObject({ status: 'cancelled', errorCode: 'SANDBOX_CANCELLED' });
    await until(() => children.every((pid) => !alive(pid)), 'every child of serve to exit', 20_000);
  });

  it('ends with everything it started when a stdio client closes stdin mid-run', async () => {
    const [command, ...args] = cliArgs(['serve']);
    const transport = new StdioClientTransport({ command: command!, args, cwd: repoRoot, stderr: 'ignore' });
    const client = new Client({ name: 'e2e-stdio', version: '1.0.0' });
    await client.connect(transport);
    const ws = /^workspace (\S+)/.exec(textOf(await client.callTool({ name: 'execute_code', arguments: { code: 'export default 1;' } })))![1]!;
    const pending = client.callTool({ name: 'execute_code', arguments: { code: longCode, workspace: ws } }).catch((error: unknown) => error);
    await until(() => records(ws).some((r) => r.status === 'running'), 'the long run to start');
    const pid = transport.pid!;
    const children = descendants(pid);
    expect(children.length).toBeGreaterThan(0);
    // What a client that exits does: its end of the pipe closes. Nothing is signalled.
    const stdin = (transport as unknown as { _process: { stdin: NodeJS.WritableStream } })._process.stdin;
    stdin.end();
    await until(() => !alive(pid), 'serve to exit after stdin closed', 20_000);
    await until(() => children.every((c) => !alive(c)), 'every child of serve to exit', 20_000);
    await pending;
    expect(records(ws).find((r) => r.status !== 'ok')).toMatchObject({ status: 'cancelled' });
    await client.close().catch(() => {});
  });

  it('cancels a run when its HTTP client disconnects mid-call', async () => {
    const served = await startServe([]);
    const transport = new StreamableHTTPClientTransport(served.url);
    const client = new Client({ name: 'e2e-disconnect', version: '1.0.0' });
    try {
      await client.connect(transport);
      const ws = /^workspace (\S+)/.exec(textOf(await client.callTool({ name: 'execute_code', arguments: { code: 'export default 1;' } })))![1]!;
      // The call on a socket of its own, which then goes away as a client that crashed would.
      const body = JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/call', params: { name: 'execute_code', arguments: { code: longCode, workspace: ws } } });
      const req = request({
        host: served.url.hostname,
        port: served.url.port,
        path: served.url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '2025-06-18' },
      });
      req.on('error', () => {});
      req.end(body);
      await until(() => records(ws).some((r) => r.status === 'running'), 'the long run to start');
      req.destroy();
      await until(() => records(ws).some((r) => r.status === 'cancelled'), 'the run to be cancelled after the disconnect', 20_000);
      expect(records(ws).find((r) => r.status === 'cancelled')).toMatchObject({ errorCode: 'SANDBOX_CANCELLED' });
    } finally {
      await client.close().catch(() => {});
      served.child.kill();
    }
  });
});
