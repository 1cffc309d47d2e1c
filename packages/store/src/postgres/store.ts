import { type Logger, MagsagError, assertWorkspaceId, silentLogger } from '@magsag/core';
import pg from 'pg';
import type { SkillStore } from '../skills.ts';
import { PostgresSkills } from './skills.ts';
import { observeClient, type StatementObserver } from '../observe.ts';
import { assertRunIds, interruptedRecord, type RunRecordStore, type StoredRunRecord } from '../runRecords.ts';
import type { RunOutputStore, WorkspaceStore } from '../workspaces.ts';
import { migrationLock, migrations, schemaVersion } from './migrations.ts';
import { PostgresApprovals, PostgresAudit, PostgresVault } from './rows.ts';
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
  /** Sees every SQL statement: its operation (`SELECT magsag_files`), time and outcome (metrics). */
  observe?: StatementObserver;
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
  readonly #url: string;

  private constructor(pool: pg.Pool, where: string, url: string) {
    this.#pool = pool;
    this.where = where;
    this.#url = url;
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
    const observe = options.observe;
    if (observe) pool.on('connect', (client) => observeClient(client, observe));
    const store = new PostgresStore(pool, where, options.url);
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

  /**
   * Calls `onPayload` with each notification on `channel`, over one dedicated connection (outside
   * the pool) shared by every channel. A lost connection is dropped and made again on the next
   * call; callers keep a slow poll for the notifications missed meanwhile.
   */
  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => void> {
    let handlers = this.#channels.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#channels.set(channel, handlers);
    }
    handlers.add(onPayload);
    await this.relisten();
    return () => void handlers.delete(onPayload);
  }

  /**
   * Makes the notification connection again if it was lost, and listens on every channel someone
   * waits on. Waiters call it on each poll, so they hear notifications again after a drop.
   */
  async relisten(): Promise<void> {
    const client = await this.#listener();
    for (const [channel, handlers] of this.#channels) {
      if (handlers.size === 0 || this.#listening.has(channel)) continue;
      await client.query(`LISTEN ${channel}`);
      this.#listening.add(channel);
    }
  }

  readonly #channels = new Map<string, Set<(payload: string) => void>>();
  readonly #listening = new Set<string>();
  #listenerClient: Promise<pg.Client> | undefined;
  #closed = false;

  #listener(): Promise<pg.Client> {
    if (this.#closed) return Promise.reject(new MagsagError('STORE_UNAVAILABLE', `The store at ${this.where} is closed.`, { data: { store: this.where, retryable: false } }));
    if (this.#listenerClient) return this.#listenerClient;
    const made: Promise<pg.Client> = (async () => {
      const client = new pg.Client({ connectionString: this.#url, application_name: 'magsag-listen' });
      const drop = (): void => {
        if (this.#listenerClient === made) this.#listenerClient = undefined;
        this.#listening.clear();
      };
      client.on('error', () => {
        drop();
        client.end().catch(() => {});
      });
      client.on('end', drop);
      client.on('notification', (message) => {
        for (const handler of this.#channels.get(message.channel) ?? []) handler(message.payload ?? '');
      });
      try {
        await client.connect();
      } catch (error) {
        drop();
        throw storeError(error, this.where, 'opening its notification connection');
      }
      return client;
    })();
    this.#listenerClient = made;
    return made;
  }

  /** Run records in `magsag_run_records`. */
  runRecords<R extends StoredRunRecord = StoredRunRecord>(): RunRecordStore<R> {
    return new PostgresRunRecords<R>(this);
  }

  /** Saved skills in `magsag_skills`. */
  skills(): SkillStore {
    return new PostgresSkills(this);
  }

  /** Checks that the database answers (`SELECT 1` through the pool): `/readyz`. */
  async ping(): Promise<void> {
    await this.query('SELECT 1', [], 'checking that it answers');
  }

  /** The PII vault's rows and key checks. */
  vault(): PostgresVault {
    return new PostgresVault(this);
  }

  /** The audit log's rows. */
  audit(): PostgresAudit {
    return new PostgresAudit(this);
  }

  /** The approval queue. */
  approvals(): PostgresApprovals {
    return new PostgresApprovals(this);
  }

  /** Closes the pool (waits for queries in flight) and the notification connection. */
  async close(): Promise<void> {
    this.#closed = true;
    const listener = this.#listenerClient;
    this.#listenerClient = undefined;
    if (listener) await listener.then((c) => c.end()).catch(() => {});
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
