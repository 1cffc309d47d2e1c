import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { McpClient } from '@magsag/mcp-client';
import { fixturesDir, processesWith, stdioYaml, tempServersDir } from './helpers.ts';

const faultServer = path.join(fixturesDir, 'faultServer.mjs');

describe('the tool catalog', () => {
  it('lists 10 servers from a warm cache without starting any process', async () => {
    const marker = `magsag-catalog-${randomUUID()}`;
    const files = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`s${i}.yaml`, stdioYaml(`s${i}`, [faultServer, marker, String(i)])]));
    const env = tempServersDir(files);
    try {
      const warmer = new McpClient({ serversDir: env.dir, cacheDir: env.cacheDir, env: {} });
      const warmed = await warmer.catalog();
      await warmer.close();
      expect(warmed.every((entry) => entry.tools.length === 5 && entry.error === undefined)).toBe(true);
      expect(processesWith(marker)).toEqual([]);

      const client = new McpClient({ serversDir: env.dir, cacheDir: env.cacheDir, env: {} });
      const catalog = await client.catalog();
      expect(catalog.map((entry) => [entry.server, entry.tools.length])).toEqual(Array.from({ length: 10 }, (_, i) => [`s${i}`, 5]));
      expect(processesWith(marker)).toEqual([]);
      expect(client.servers().some((s) => client.isConnected(s.id))).toBe(false);
      await client.close();
    } finally {
      env.cleanup();
    }
  });

  it('a changed connection field invalidates the cached tool list', async () => {
    const env = tempServersDir({ 'a.yaml': stdioYaml('a', [faultServer, 'v1']) });
    try {
      const first = new McpClient({ serversDir: env.dir, cacheDir: env.cacheDir, env: {} });
      await first.listTools('a');
      await first.close();
      expect(new McpClient({ serversDir: env.dir, cacheDir: env.cacheDir, env: {} }).isCacheWarm('a')).toBe(true);
      const changed = tempServersDir({ 'a.yaml': stdioYaml('a', [faultServer, 'v2']) });
      try {
        expect(new McpClient({ serversDir: changed.dir, cacheDir: env.cacheDir, env: {} }).isCacheWarm('a')).toBe(false);
      } finally {
        changed.cleanup();
      }
    } finally {
      env.cleanup();
    }
  });
});

describe('logging', () => {
  it('never writes env values, headers or arguments of server configs', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const secret = `sk-live-${randomUUID()}`;
    const env = tempServersDir({
      'secret.yaml': stdioYaml('secret', [faultServer, `--token=${secret}`], `  env:\n    API_KEY: ${secret}\n`),
      'remote.yaml': `id: remote\ntransport:\n  type: http\n  url: http://127.0.0.1:9/mcp\n  headers:\n    Authorization: Bearer ${secret}\ntimeouts:\n  connectMs: 1000\n`,
    });
    const client = new McpClient({ serversDir: env.dir, cacheDir: env.cacheDir, env: {}, logger: pino({ level: 'debug' }, sink) });
    try {
      await client.callTool('secret', 'echo', { message: 'hello' });
      await client.listTools('remote').catch(() => undefined);
    } finally {
      await client.close();
      env.cleanup();
    }
    const log = lines.join('');
    expect(log).toContain('"server":"secret"');
    expect(log).toContain('connected');
    expect(log).not.toContain(secret);
  });
});
