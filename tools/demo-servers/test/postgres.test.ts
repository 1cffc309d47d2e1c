import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connect, demoServersDir, jsonOf } from './helpers.ts';

const wrapper = path.join(demoServersDir, 'postgres/wrapper.mjs');
const stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-demo-pg-'));
const otherDir = mkdtempSync(path.join(tmpdir(), 'magsag-demo-pg-url-'));

interface State {
  pid: number;
  port: number;
  url: string;
  reused: boolean;
}

const run = (...args: string[]): string => execFileSync(process.execPath, [wrapper, ...args, '--dir', stateDir], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
const readState = (): State => JSON.parse(readFileSync(path.join(stateDir, 'server.json'), 'utf8')) as State;
const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('postgres (official server-postgres on a shared, seeded PGlite)', () => {
  const clients: Client[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    run('stop');
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(otherDir, { recursive: true, force: true });
  }, 20_000);

  it('starts the database once, serves the seeded tables, and shares it with a second client', async () => {
    const first = await connect('postgres/wrapper.mjs', ['--dir', stateDir]);
    clients.push(first);
    const { tools } = await first.listTools();
    expect(tools.map((t) => t.name)).toEqual(['query']);
    const state = readState();
    expect(isAlive(state.pid)).toBe(true);

    const [count] = jsonOf<{ count: string }[]>(await first.callTool({ name: 'query', arguments: { sql: 'SELECT count(*) AS count FROM salary_bands' } }));
    expect(Number(count!.count)).toBeGreaterThanOrEqual(10_000);

    // A second wrapper finds the running database instead of starting another.
    const second = await connect('postgres/wrapper.mjs', ['--dir', stateDir]);
    clients.push(second);
    expect(readState().pid).toBe(state.pid);
    const [bands, templates] = await Promise.all([
      second.callTool({
        name: 'query',
        arguments: { sql: "SELECT currency, min(min_salary) AS min, max(max_salary) AS max, count(*) AS n FROM salary_bands WHERE role = 'software-engineer' AND level = 'senior' AND location = 'Berlin' GROUP BY currency" },
      }),
      first.callTool({ name: 'query', arguments: { sql: "SELECT key FROM offer_templates WHERE key IN ('default', 'software-engineer:senior') ORDER BY key" } }),
    ]);
    const [band] = jsonOf<{ currency: string; min: number; max: number; n: string }[]>(bands);
    expect(band).toMatchObject({ currency: 'EUR', n: '7' });
    expect(band!.max).toBeGreaterThan(band!.min);
    expect(jsonOf<{ key: string }[]>(templates).map((t) => t.key)).toEqual(['default', 'software-engineer:senior']);

    // The official server runs every query in a read-only transaction (and reports failures as protocol errors).
    await expect(first.callTool({ name: 'query', arguments: { sql: 'DELETE FROM salary_bands' } })).rejects.toThrow(/read-only transaction/);

    expect(JSON.parse(run('start')) as State).toMatchObject({ pid: state.pid, reused: true });
  });

  it('uses DATABASE_URL when it is set, starting nothing', async () => {
    const { url } = readState();
    const client = await connect('postgres/wrapper.mjs', ['--dir', otherDir], { DATABASE_URL: url });
    clients.push(client);
    const rows = jsonOf<{ n: string }[]>(await client.callTool({ name: 'query', arguments: { sql: 'SELECT count(*) AS n FROM offer_templates' } }));
    expect(Number(rows[0]!.n)).toBeGreaterThan(1);
    expect(existsSync(path.join(otherDir, 'server.json'))).toBe(false);
  });

  it('replaces a stale server.json whose process is gone', async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    expect(JSON.parse(run('stop')) as { stopped: boolean }).toMatchObject({ stopped: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    writeFileSync(path.join(stateDir, 'server.json'), JSON.stringify({ pid: dead, host: '127.0.0.1', port: 1, url: 'postgresql://x@127.0.0.1:1/postgres' }));
    const fresh = JSON.parse(run('start')) as State;
    expect(fresh.reused).toBe(false);
    expect(fresh.pid).not.toBe(dead);
    expect(isAlive(fresh.pid)).toBe(true);
  });
});
