// What the PostgreSQL backend promises beyond the shared suite: a versioned schema created and
// migrated once however many replicas start together, a newer schema refused, an unreachable or
// dropped server reported as STORE_UNAVAILABLE (never with the password), and two stores on one
// database seeing each other's records.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, schemaVersion, type StoredRunRecord } from '@magsag/store';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';

const unavailable = postgresUnavailable();
let cluster: TestPostgres;

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function freshDatabase(): Promise<string> {
  return cluster!.freshDatabase('pg');
}

const record = (n: number): StoredRunRecord => ({
  runId: `run-20261207T040000-0000000${n}`,
  workspaceId: `ws-20261207T040000-${'0'.repeat(31)}${n}`,
  status: 'running',
  startedAt: '2026-12-07T04:00:00.000Z',
  finishedAt: null,
  owner: { host: 'replica-a', pid: 1, startedAt: '2026-12-07T03:00:00.000Z' },
  heartbeatAt: '2026-12-07T04:00:00.000Z',
});

describe.skipIf(unavailable)(`PostgreSQL store${unavailable ? ` (${unavailable})` : ''}`, () => {
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('creates the schema on open, versioned in magsag_schema, once for replicas that start together', async () => {
    const url = await freshDatabase();
    // Without the migration lock, concurrent CREATE TABLEs of one version collide.
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore({ stateDir: '/nonexistent', url })));
    await Promise.all(stores.map((s) => s.close()));
    const versions = await sql<{ version: number; description: string }>(url, 'SELECT version, description FROM magsag_schema ORDER BY version');
    // Every step once, in order, up to the newest (steps of other branches fill in the numbers between).
    const applied = versions.map((v) => v.version);
    expect(applied).toEqual([...new Set(applied)].sort((a, b) => a - b));
    expect(applied.at(-1)).toBe(schemaVersion);
    const tables = await sql<{ name: string }>(url, "SELECT tablename AS name FROM pg_tables WHERE tablename LIKE 'magsag_%' ORDER BY 1");
    expect(tables.map((t) => t.name)).toEqual(['magsag_approvals', 'magsag_audit', 'magsag_files', 'magsag_keys', 'magsag_run_outputs', 'magsag_run_records', 'magsag_schema', 'magsag_skills', 'magsag_vault_counters', 'magsag_vault_entries', 'magsag_workspaces']);
    // Opening again changes nothing and keeps the data.
    const again = await openStore({ stateDir: '/nonexistent', url });
    await again.runRecords.put(record(1));
    await again.close();
    const reopened = await openStore({ stateDir: '/nonexistent', url });
    expect(await reopened.runRecords.get(record(1).workspaceId, record(1).runId)).toEqual(record(1));
    await reopened.close();
    expect((await sql(url, 'SELECT version FROM magsag_schema')).length).toBe(versions.length);
  });

  it('refuses a schema newer than this code, naming both versions', async () => {
    const url = await freshDatabase();
    await (await openStore({ stateDir: '/nonexistent', url })).close();
    await sql(url, `INSERT INTO magsag_schema (version, description) VALUES (${schemaVersion + 1}, 'from the future')`);
    await expect(openStore({ stateDir: '/nonexistent', url })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      data: { schemaVersion: schemaVersion + 1, known: schemaVersion, retryable: false },
    });
  });

  it('two stores on one database are two replicas: one writes, the other reads and marks', async () => {
    const url = await freshDatabase();
    const [a, b] = await Promise.all([openStore({ stateDir: '/a', url }), openStore({ stateDir: '/b', url })]);
    try {
      await a.runRecords.put(record(1));
      expect(await b.runRecords.list(record(1).workspaceId)).toEqual([record(1)]);
      expect(await b.runRecords.markInterrupted((r) => r.owner?.host === 'replica-a')).toEqual([record(1).runId]);
      expect((await a.runRecords.get(record(1).workspaceId, record(1).runId))?.status).toBe('interrupted');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('an unreachable server is STORE_UNAVAILABLE, retryable, without the password', async () => {
    const url = `postgres://magsag:s3cret-pw@127.0.0.1:1/magsag`;
    const error = await openStore({ stateDir: '/nonexistent', url }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', data: { store: '127.0.0.1:1/magsag', retryable: true } });
    expect(JSON.stringify(error)).not.toContain('s3cret-pw');
    expect((error as Error).message).not.toContain('s3cret-pw');
  });

  it('connections the server drops are replaced: the next call works without reopening', async () => {
    const url = await freshDatabase();
    const store = await openStore({ stateDir: '/nonexistent', url });
    try {
      await store.runRecords.put(record(1));
      const killed = await sql<{ ok: boolean }>(cluster.url, "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'magsag'");
      expect(killed.length).toBeGreaterThan(0);
      // The pool hears of the dropped idle connection and discards it.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await store.runRecords.get(record(1).workspaceId, record(1).runId)).toEqual(record(1));
    } finally {
      await store.close();
    }
  });
});
