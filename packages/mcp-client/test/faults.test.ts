import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { McpClient, type ToolCallMiddleware } from '@magsag/mcp-client';
import path from 'node:path';
import { fixturesDir, processesWith, rejection, stdioYaml, tempServersDir } from './helpers.ts';

const faultServer = path.join(fixturesDir, 'faultServer.mjs');


const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A client over temp YAML files; every server process carries `marker` in its arguments. */
function setup(files: (marker: string) => Record<string, string>): { client: McpClient; marker: string } {
  const marker = `magsag-test-${randomUUID()}`;
  const env = tempServersDir(files(marker));
  const client = new McpClient({ serversDir: env.dir, cacheDir: env.cacheDir, env: {} });
  cleanups.push(env.cleanup, () => client.close());
  return { client, marker };
}

const quick = 'timeouts:\n  connectMs: 1500\n  callMs: 5000\n';

describe('faults end in typed errors and leave no process behind', () => {
  it('a command that does not exist', async () => {
    const { client } = setup(() => ({ 'ghost.yaml': 'id: ghost\ntransport:\n  type: stdio\n  command: magsag-no-such-command\n' }));
    const error = await rejection(client.listTools('ghost'));
    expect(error.code).toBe('SERVER_START_FAILED');
    expect(error.message).toContain('cannot run command "magsag-no-such-command" (not found)');
    expect(error.message).toContain('ghost.yaml');
  });

  it('a server that exits at once', async () => {
    const { client, marker } = setup((m) => ({
      'quitter.yaml': stdioYaml('quitter', ['-e', `process.stderr.write('missing API key'); process.exit(3)`, m], quick),
    }));
    const error = await rejection(client.listTools('quitter'));
    expect(error.code).toBe('SERVER_START_FAILED');
    expect(error.message).toContain('exited before it finished initialize');
    expect(error.message).toContain('missing API key');
    expect(processesWith(marker)).toEqual([]);
  });

  it('a server that never answers initialize', async () => {
    const { client, marker } = setup((m) => ({ 'mute.yaml': stdioYaml('mute', ['-e', 'setInterval(() => {}, 1000)', m], quick) }));
    const error = await rejection(client.listTools('mute'));
    expect(error.code).toBe('SERVER_CONNECT_TIMEOUT');
    expect(error.message).toContain('within 1500 ms');
    await client.close();
    expect(processesWith(marker)).toEqual([]);
  });

  it('a server that prints garbage on stdout', async () => {
    const { client, marker } = setup((m) => ({
      'noisy.yaml': stdioYaml('noisy', ['-e', `console.log('Server starting... not JSON'); setInterval(() => {}, 1000)`, m], quick),
    }));
    const error = await rejection(client.listTools('noisy'));
    expect(error.code).toBe('SERVER_CONNECT_TIMEOUT');
    expect(error.message).toContain('non-JSON-RPC output on stdout');
    await client.close();
    expect(processesWith(marker)).toEqual([]);
  });

  it('a server that dies in the middle of a call, then restarts once', async () => {
    const { client, marker } = setup((m) => ({ 'fault.yaml': stdioYaml('fault', [faultServer, m], quick) }));
    const first = await client.callTool('fault', 'pid', {});
    const firstPid = first.structuredContent?.['pid'];
    const crash = await rejection(client.callTool('fault', 'crash', {}));
    expect(crash.code).toBe('SERVER_CRASHED');
    expect(crash.message).toContain('crashing on purpose');
    // The next call restarts the server: a new process answers.
    const second = await client.callTool('fault', 'pid', {});
    expect(second.structuredContent?.['pid']).not.toBe(firstPid);
    // It crashes again right after a restart: no second restart, a clear error instead.
    expect((await rejection(client.callTool('fault', 'crash', {}))).code).toBe('SERVER_CRASHED');
    expect(processesWith(marker)).toEqual([]);
  });

  it('gives up after one restart when the server keeps dying', async () => {
    const { client } = setup((m) => ({ 'fault.yaml': stdioYaml('fault', [faultServer, m], quick) }));
    await rejection(client.callTool('fault', 'crash', {}));
    await rejection(client.callTool('fault', 'crash', {}));
    const final = await rejection(client.callTool('fault', 'echo', { message: 'hi' }));
    expect(final.code).toBe('SERVER_CRASHED');
    expect(final.message).toContain('not restarting');
  });

  it('a tool call that exceeds its timeout, and one that is cancelled', async () => {
    const { client, marker } = setup((m) => ({ 'fault.yaml': stdioYaml('fault', [faultServer, m], quick) }));
    const timeout = await rejection(client.callTool('fault', 'slow', { ms: 5000 }, { timeoutMs: 200 }));
    expect(timeout.code).toBe('TOOL_TIMEOUT');
    expect(timeout.message).toContain('200 ms');
    const controller = new AbortController();
    const pending = client.callTool('fault', 'slow', { ms: 5000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect((await rejection(pending)).code).toBe('TOOL_CANCELLED');
    // The server is still healthy after both.
    expect((await client.callTool('fault', 'echo', { message: 'still here' })).content).toEqual([{ type: 'text', text: 'echo: still here' }]);
    await client.close();
    expect(processesWith(marker)).toEqual([]);
  });

  it('a tool-level error is TOOL_ERROR with the tool text', async () => {
    const { client } = setup((m) => ({ 'fault.yaml': stdioYaml('fault', [faultServer, m], quick) }));
    const error = await rejection(client.callTool('fault', 'fail', {}));
    expect(error.code).toBe('TOOL_ERROR');
    expect(error.message).toBe('Tool fault/fail reported an error: the widget is broken');
  });

  it('a denied tool is neither listed nor callable', async () => {
    const { client } = setup((m) => ({ 'fault.yaml': stdioYaml('fault', [faultServer, m], `${quick}denyTools: ['cr*', fail]\n`) }));
    const names = (await client.listTools('fault')).map((t) => t.name);
    expect(names).toEqual(['echo', 'pid', 'slow']);
    expect((await rejection(client.callTool('fault', 'crash', {}))).code).toBe('TOOL_DENIED');
  });

  it('a disabled server is listed but not started', async () => {
    const { client } = setup((m) => ({ 'off.yaml': stdioYaml('off', [faultServer, m], 'enabled: false\n') }));
    expect(client.servers().map((s) => s.id)).toEqual(['off']);
    expect((await rejection(client.callTool('off', 'echo', { message: 'x' }))).code).toBe('SERVER_DISABLED');
  });

  it('falls back to the next transport when the first fails', async () => {
    const { client } = setup((m) => ({
      'fb.yaml': `${stdioYaml('fb', ['-e', 'process.exit(1)'], quick)}fallback:\n  - type: stdio\n    command: node\n    args: [${JSON.stringify(faultServer)}, ${m}]\n`,
    }));
    const result = await client.callTool('fb', 'echo', { message: 'via fallback' });
    expect(result.content).toEqual([{ type: 'text', text: 'echo: via fallback' }]);
  });
});

describe('middleware', () => {
  it('sees the context, rewrites arguments before the call and the result after it', async () => {
    const { client } = setup((m) => ({ 'fault.yaml': stdioYaml('fault', [faultServer, m], quick) }));
    const seen: unknown[] = [];
    const middleware: ToolCallMiddleware = {
      name: 'test',
      beforeCall: (call) => {
        seen.push(call.context);
        return { ...call.args, message: String(call.args['message']).replace('[NAME_1]', 'Ada') };
      },
      afterCall: (result) => ({ ...result, content: result.content.map((b) => (b.type === 'text' ? { ...b, text: b.text.replace('Ada', '[NAME_1]') } : b)) }),
    };
    client.use(middleware);
    const result = await client.callTool('fault', 'echo', { message: 'hi [NAME_1]' }, { context: { runId: 'r1', workspaceId: 'w1' } });
    expect(result.content).toEqual([{ type: 'text', text: 'echo: hi [NAME_1]' }]);
    expect(seen).toEqual([{ runId: 'r1', workspaceId: 'w1' }]);
  });

  it('can refuse a call by throwing, and filters error results too', async () => {
    const { client } = setup((m) => ({ 'fault.yaml': stdioYaml('fault', [faultServer, m], quick) }));
    client.use({
      name: 'guard',
      beforeCall: (call) => {
        if (call.tool === 'echo') throw new Error('echo is not allowed here');
      },
      afterCall: (result) => ({ ...result, content: [{ type: 'text', text: 'masked' }] }),
    });
    await expect(client.callTool('fault', 'echo', { message: 'x' })).rejects.toThrow('echo is not allowed here');
    expect((await rejection(client.callTool('fault', 'fail', {}))).message).toContain('reported an error: masked');
  });
});
