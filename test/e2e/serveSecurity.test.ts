import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs, repoRoot } from './helpers.ts';

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'probe', version: '1.0.0' } },
});

/** Starts `magsag serve --http 0` with extra arguments and resolves its URL once it listens. */
export async function startServe(extra: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: URL; stderr: () => string }> {
  const [command, ...args] = cliArgs(['serve', '--http', '0', ...extra]);
  const child = spawn(command!, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MAGSAG_SERVE_TOKEN: '', MAGSAG_SERVE_TOKENS: '', ...env } });
  let seen = '';
  const url = await new Promise<URL>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening on (http:\S+)/.exec(seen);
      if (match) resolve(new URL(match[1]!));
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${seen}`)));
  });
  return { child, url, stderr: () => seen };
}

/** One raw HTTP request, so that Host and Origin can be set to anything. */
export function rawPost(url: URL, headers: Record<string, string>, body = initialize): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

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
