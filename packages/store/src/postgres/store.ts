import { type Logger, MagsagError, assertWorkspaceId, silentLogger } from '@magsag/core';
import pg from 'pg';
import { assertRunIds, interruptedRecord, type RunRecordStore, type StoredRunRecord } from '../runRecords.ts';
import type { RunOutputStore, WorkspaceStore } from '../workspaces.ts';
import { migrationLock, migrations, schemaVersion } from './migrations.ts';
import { PostgresRunOutputs, PostgresWorkspaces } from './workspaces.ts';

/** Options of {@link PostgresStore.open}. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (the password never appears in errors or logs). */
  url: string;
  /** Connections in the pool. @default 10 */
  maxConnections?: number;
  /** How long to wait for a connection. @default 10000 */
  connectTimeoutMs?: number;
  /** @default silentLogger */
  logger?: Logger;
}

/** `host:port/database` of a URL: what errors and logs name (never the user's password). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}${u.port ? `:${u.port}` : ''}${u.pathname || ''}`;
  } catch {
    return 'the PostgreSQL store';
  }
}

// Class 08 (connection), 53 (resources), 57P0x (shutdown, cannot connect now): trying later may work.
const retryableSql = /^(08|53|57P0)/;
const retryableNode = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);

/** Wraps a driver error as `STORE_UNAVAILABLE`; ours pass through. */
export function storeError(error: unknown, where: string, doing: string): MagsagError {
  if (error instanceof MagsagError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const timeout = /timeout|terminated/i.test(message);
  const retryable = typeof code === 'string' ? retryableSql.test(code) || retryableNode.has(code) : timeout;
  return new MagsagError(
    'STORE_UNAVAILABLE',
    `The store at ${where} failed while ${doing}: ${message}.${retryable ? ' Check that PostgreSQL is running and reachable, then try again.' : ''}`,
    { cause: error, data: { store: where, ...(typeof code === 'string' ? { sqlState: code } : {}), retryable } },
  );
}

/** The PostgreSQL backend: one pool, the schema migrated on open. */
export class PostgresStore {
  readonly where: string;
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool, where: string) {
    this.#pool = pool;
    this.where = where;
  }

  /** Connects, creates or migrates the schema, and refuses a schema newer than this code. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const where = describeUrl(options.url);
    const logger = options.logger ?? silentLogger;
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      application_name: 'magsag',
    });
    // An idle connection the server dropped must not crash the process; the next query reports it.
    pool.on('error', (error) => logger.warn({ err: error, store: where }, 'an idle store connection failed'));
    const store = new PostgresStore(pool, where);
    try {
      await store.#migrate(logger);
    } catch (error) {
      await pool.end().catch(() => {});
      throw storeError(error, where, 'preparing its schema');
    }
    return store;
  }

  /** The schema version the database is at. */
  async version(): Promise<number> {
    const result = await this.query<{ version: number | null }>('SELECT max(version) AS version FROM magsag_schema', [], 'reading the schema version');
    return result.rows[0]?.version ?? 0;
  }

  /** Runs one statement; driver errors become `STORE_UNAVAILABLE`. */
  async query<T extends pg.QueryResultRow>(sql: string, params: unknown[], doing: string): Promise<pg.QueryResult<T>> {
    try {
      return await this.#pool.query<T>(sql, params);
    } catch (error) {
      throw storeError(error, this.where, doing);
    }
  }

  /**
   * Runs `work` in one transaction on one connection: committed when it resolves, rolled back when
   * it throws (our errors pass through; driver errors become `STORE_UNAVAILABLE` naming `doing`).
   */
  async transaction<T>(doing: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw storeError(error, this.where, doing);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const value = await work(client);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw storeError(error, this.where, doing);
    } finally {
      // A connection that could not even roll back is dropped, not reused.
      client.release(broken);
    }
  }

  /** Workspaces and their files in `magsag_workspaces` and `magsag_files`. */
  workspaces(): WorkspaceStore {
    return new PostgresWorkspaces(this);
  }

  /** Run outputs in `magsag_run_outputs`. */
  runOutputs(): RunOutputStore {
    return new PostgresRunOutputs(this);
  }

  /** Run records in `magsag_run_records`. */
  runRecords<R extends StoredRunRecord = StoredRunRecord>(): RunRecordStore<R> {
    return new PostgresRunRecords<R>(this);
  }

  /** Closes the pool (waits for queries in flight). */
  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #migrate(logger: Logger): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      // Replicas starting together: one migrates, the others wait here and then find nothing to do.
      await client.query('SELECT pg_advisory_xact_lock($1)', [migrationLock]);
      await client.query(`CREATE TABLE IF NOT EXISTS magsag_schema (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const found = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM magsag_schema');
      const current = found.rows[0]?.version ?? 0;
      if (current > schemaVersion) {
        throw new MagsagError(
          'STORE_UNAVAILABLE',
          `The store at ${this.where} has schema version ${current}, newer than this magsag knows (${schemaVersion}): a newer magsag migrated it. Upgrade this replica to the version the others run.`,
          { data: { store: this.where, schemaVersion: current, known: schemaVersion, retryable: false } },
        );
      }
      for (const step of migrations) {
        if (step.version <= current) continue;
        await client.query(step.sql);
        await client.query('INSERT INTO magsag_schema (version, description) VALUES ($1, $2)', [step.version, step.description]);
        logger.info({ store: this.where, version: step.version }, `store schema migrated: ${step.description}`);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}

class PostgresRunRecords<R extends StoredRunRecord> implements RunRecordStore<R> {
  readonly #store: PostgresStore;

  constructor(store: PostgresStore) {
    this.#store = store;
  }

  async put(record: R): Promise<void> {
    assertRunIds(record.workspaceId, record.runId);
    await this.#store.query(
      `INSERT INTO magsag_run_records (workspace_id, run_id, status, started_at, heartbeat_at, record)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (workspace_id, run_id) DO UPDATE
       SET status = excluded.status, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, record = excluded.record`,
      [record.workspaceId, record.runId, record.status, record.startedAt, record.heartbeatAt ?? null, JSON.stringify(record)],
      `writing run record ${record.runId}`,
    );
  }

  async get(workspaceId: string, runId: string): Promise<R | undefined> {
    assertRunIds(workspaceId, runId);
    const result = await this.#store.query<{ record: R }>('SELECT record FROM magsag_run_records WHERE workspace_id = $1 AND run_id = $2', [workspaceId, runId], `reading run record ${runId}`);
    return result.rows[0]?.record;
  }

  async list(workspaceId: string): Promise<R[]> {
    assertWorkspaceId(workspaceId, 'workspace');
    // COLLATE "C": byte order, as the local backend sorts its folder names.
    const result = await this.#store.query<{ record: R }>('SELECT record FROM magsag_run_records WHERE workspace_id = $1 ORDER BY run_id COLLATE "C"', [workspaceId], `listing the runs of ${workspaceId}`);
    return result.rows.map((row) => row.record);
  }

  async markInterrupted(gone: (record: R) => boolean | Promise<boolean>, now = Date.now()): Promise<string[]> {
    const running = await this.#store.query<{ record: R }>("SELECT record FROM magsag_run_records WHERE status = 'running'", [], 'finding running runs');
    const marked: string[] = [];
    for (const { record } of running.rows) {
      if (!(await gone(record))) continue;
      // Only if nothing changed it since it was read: a heartbeat in between means the run is alive.
      const next = interruptedRecord(record, now);
      const updated = await this.#store.query(
        `UPDATE magsag_run_records SET status = 'interrupted', record = $3
         WHERE workspace_id = $1 AND run_id = $2 AND status = 'running' AND heartbeat_at IS NOT DISTINCT FROM $4`,
        [record.workspaceId, record.runId, JSON.stringify(next), record.heartbeatAt ?? null],
        `marking run ${record.runId} interrupted`,
      );
      if (updated.rowCount === 1) marked.push(record.runId);
    }
    return marked;
  }
}
