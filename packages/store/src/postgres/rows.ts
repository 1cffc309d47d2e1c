import { hostname } from 'node:os';
import { assertWorkspaceId, processAlive } from '@magsag/core';
import { type ApprovalQueueEntry, type ApprovalStore, type QueueDecision, type QueuedApproval, approvalStatus, assertApprovalId, sleep } from '../approvals.ts';
import type { AuditRow, AuditStore, StoredAuditRow } from '../audit.ts';
import type { NewVaultRow, Sealed, SealedVaultRow, TokenizedRow, VaultRowStore } from '../vault.ts';
import type { PostgresStore } from './store.ts';

/** The advisory lock class of a workspace's vault writers (`hashtext('magsag_vault')` pairs with `hashtext(workspace)`). */
const vaultLockSql = "SELECT pg_advisory_xact_lock(hashtext('magsag_vault'), hashtext($1))";

/** The vault in `magsag_vault_entries`, `magsag_vault_counters` and the key check in `magsag_keys`. */
export class PostgresVault implements VaultRowStore {
  readonly kind = 'rows';
  readonly #store: PostgresStore;

  constructor(store: PostgresStore) {
    this.#store = store;
  }

  async checkKey(purpose: string, mac: string): Promise<boolean> {
    await this.#store.query('INSERT INTO magsag_keys (purpose, check_mac) VALUES ($1, $2) ON CONFLICT (purpose) DO NOTHING', [purpose, mac], `writing the ${purpose} key check`);
    const found = await this.#store.query<{ check_mac: string }>('SELECT check_mac FROM magsag_keys WHERE purpose = $1', [purpose], `reading the ${purpose} key check`);
    return found.rows[0]?.check_mac === mac;
  }

  async entries(workspaceId: string, after = 0): Promise<SealedVaultRow[]> {
    assertWorkspaceId(workspaceId, 'workspace');
    const result = await this.#store.query<{ seq: string; placeholder: string; kind: string; sealed: Sealed; origins: string[] }>(
      'SELECT seq, placeholder, kind, sealed, origins FROM magsag_vault_entries WHERE workspace_id = $1 AND seq > $2 ORDER BY seq',
      [workspaceId, after],
      `reading the PII vault of ${workspaceId}`,
    );
    return result.rows.map((row) => ({ seq: Number(row.seq), placeholder: row.placeholder, kind: row.kind, sealed: row.sealed, origins: row.origins }));
  }

  async tokenize(workspaceId: string, rows: readonly NewVaultRow[]): Promise<TokenizedRow[]> {
    assertWorkspaceId(workspaceId, 'workspace');
    if (rows.length === 0) return [];
    return this.#store.transaction(`storing PII vault values of ${workspaceId}`, async (client) => {
      // One writer per workspace at a time, on any replica: `seq` then grows in commit order within
      // the workspace, so a replica reading `seq > last seen` misses nothing.
      await client.query(vaultLockSql, [workspaceId]);
      const out: TokenizedRow[] = [];
      for (const row of rows) {
        const found = await client.query<{ placeholder: string; seq: string }>('SELECT placeholder, seq FROM magsag_vault_entries WHERE workspace_id = $1 AND kind = $2 AND value_index = $3', [workspaceId, row.kind, row.index]);
        if (found.rows[0]) {
          out.push({ placeholder: found.rows[0].placeholder, seq: Number(found.rows[0].seq), created: false });
          continue;
        }
        const counter = await client.query<{ n: number }>('SELECT n FROM magsag_vault_counters WHERE workspace_id = $1 AND kind = $2', [workspaceId, row.kind]);
        const n = Math.max(row.proposed, (counter.rows[0]?.n ?? 0) + 1);
        const { placeholder, sealed } = row.make(n);
        await client.query('INSERT INTO magsag_vault_counters (workspace_id, kind, n) VALUES ($1, $2, $3) ON CONFLICT (workspace_id, kind) DO UPDATE SET n = excluded.n', [workspaceId, row.kind, n]);
        // The primary key (workspace, placeholder) would refuse a second value under one placeholder.
        const inserted = await client.query<{ seq: string }>(
          'INSERT INTO magsag_vault_entries (workspace_id, placeholder, kind, value_index, sealed, origins) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq',
          [workspaceId, placeholder, row.kind, row.index, JSON.stringify(sealed), [...row.origins]],
        );
        out.push({ placeholder, seq: Number(inserted.rows[0]!.seq), created: true });
      }
      return out;
    });
  }

  async addOrigins(workspaceId: string, placeholder: string, origins: readonly string[]): Promise<void> {
    assertWorkspaceId(workspaceId, 'workspace');
    if (origins.length === 0) return;
    await this.#store.transaction(`adding origins in the PII vault of ${workspaceId}`, async (client) => {
      await client.query(vaultLockSql, [workspaceId]);
      // A new seq: replicas catching up read the row again with its origins.
      await client.query(
        `UPDATE magsag_vault_entries
         SET origins = origins || ARRAY(SELECT o FROM unnest($3::text[]) AS o WHERE NOT o = ANY(origins)),
             seq = nextval(pg_get_serial_sequence('magsag_vault_entries', 'seq'))
         WHERE workspace_id = $1 AND placeholder = $2 AND NOT ($3::text[] <@ origins)`,
        [workspaceId, placeholder, [...origins]],
      );
    });
  }
}

/** The audit log in `magsag_audit`: one row per record, the record as the JSONL line holds it. */
export class PostgresAudit implements AuditStore {
  readonly #store: PostgresStore;

  constructor(store: PostgresStore) {
    this.#store = store;
  }

  where(runId: string): string {
    return `magsag_audit (run ${runId}) at ${this.#store.where}`;
  }

  async append(rows: readonly AuditRow[]): Promise<void> {
    if (rows.length === 0) return;
    // One statement: the rows land together and keep their order (ids from one sequence, in order).
    await this.#store.query(
      'INSERT INTO magsag_audit (run_id, record) SELECT r ->> \'runId\', r FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(r, i) ORDER BY i',
      [JSON.stringify(rows)],
      'appending to the audit log',
    );
  }

  async read(runId: string): Promise<StoredAuditRow[] | undefined> {
    const result = await this.#store.query<{ record: AuditRow }>('SELECT record FROM magsag_audit WHERE run_id = $1 ORDER BY id', [runId], `reading the audit of run ${runId}`);
    if (result.rows.length === 0) return undefined;
    return result.rows.map((row, i) => ({ line: i + 1, record: row.record }));
  }
}

interface ApprovalRow {
  id: string;
  principal: string;
  run_id: string;
  workspace_id: string;
  calls: QueuedApproval['calls'];
  created_at: Date;
  expires_at: Date;
  waiter: QueuedApproval['waiter'] | null;
  decision: QueueDecision | null;
}

/** The channel a decision is announced on; the payload is the approval id. */
export const approvalChannel = 'magsag_approval';

/**
 * The approval queue in `magsag_approvals`. A decision is written once (`UPDATE … WHERE decision
 * IS NULL`) and announced with `NOTIFY magsag_approval` in the same statement; a waiter listens on
 * the store's notification connection and also reads the row every `pollMs` (1 s), which covers a
 * notification lost with a dropped connection.
 */
export class PostgresApprovals implements ApprovalStore {
  readonly #store: PostgresStore;

  constructor(store: PostgresStore) {
    this.#store = store;
  }

  get where(): string {
    return `magsag_approvals at ${this.#store.where}`;
  }

  async add(entry: QueuedApproval): Promise<void> {
    assertApprovalId(entry.id, 'Approval id');
    await this.prune();
    await this.#store.query(
      `INSERT INTO magsag_approvals (id, principal, run_id, workspace_id, calls, created_at, expires_at, waiter)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [entry.id, entry.principal, entry.runId, entry.workspaceId, JSON.stringify(entry.calls), entry.createdAt, entry.expiresAt, entry.waiter ? JSON.stringify(entry.waiter) : null],
      `queueing approval request ${entry.id}`,
    );
  }

  async list(options: { all?: boolean; principal?: string } = {}): Promise<ApprovalQueueEntry[]> {
    const result = await this.#store.query<ApprovalRow>(
      `SELECT * FROM magsag_approvals WHERE ($1::text IS NULL OR principal = $1) AND ($2 OR decision IS NULL) ORDER BY created_at DESC, id`,
      [options.principal ?? null, options.all === true],
      'listing the approval queue',
    );
    return result.rows.map((row) => this.#entry(row)).filter((entry) => options.all || entry.status === 'pending');
  }

  async get(id: string): Promise<ApprovalQueueEntry | undefined> {
    assertApprovalId(id);
    const result = await this.#store.query<ApprovalRow>('SELECT * FROM magsag_approvals WHERE id = $1', [id], `reading approval request ${id}`);
    return result.rows[0] ? this.#entry(result.rows[0]) : undefined;
  }

  async settle(id: string, decision: QueueDecision): Promise<boolean> {
    assertApprovalId(id);
    const result = await this.#store.query<{ id: string }>(
      `WITH settled AS (UPDATE magsag_approvals SET decision = $2 WHERE id = $1 AND decision IS NULL RETURNING id)
       SELECT id, pg_notify('${approvalChannel}', id) FROM settled`,
      [id, JSON.stringify(decision)],
      `deciding approval request ${id}`,
    );
    return result.rows.length === 1;
  }

  async wait(id: string, options: { deadline: number; signal?: AbortSignal; pollMs?: number }): Promise<QueueDecision | undefined> {
    assertApprovalId(id);
    const pollMs = options.pollMs ?? 1000;
    let wake: (() => void) | undefined;
    let notified = false;
    let stop: (() => void) | undefined;
    const subscribe = async (): Promise<void> => {
      try {
        stop = await this.#store.listen(approvalChannel, (payload) => {
          if (payload !== id) return;
          notified = true;
          wake?.();
        });
      } catch {
        // No notification connection now: the poll still finds the decision.
      }
    };
    await subscribe();
    try {
      for (;;) {
        notified = false;
        const found = await this.#decision(id);
        if (found) return found;
        const remaining = options.deadline - Date.now();
        if (options.signal?.aborted || remaining <= 0) return undefined;
        if (notified) continue;
        const controller = new AbortController();
        wake = () => controller.abort();
        const onAbort = (): void => controller.abort();
        options.signal?.addEventListener('abort', onAbort, { once: true });
        await sleep(Math.min(pollMs, remaining), controller.signal);
        options.signal?.removeEventListener('abort', onAbort);
        wake = undefined;
        if (!stop) await subscribe();
        else await this.#store.relisten().catch(() => {});
      }
    } finally {
      stop?.();
    }
  }

  async prune(maxAgeMs = 24 * 60 * 60 * 1000): Promise<void> {
    await this.#store.query(
      // Past its expiry by more than maxAgeMs: settled, or expired unanswered; never pending.
      'DELETE FROM magsag_approvals WHERE expires_at < $1',
      [new Date(Date.now() - maxAgeMs).toISOString()],
      'pruning the approval queue',
    );
  }

  async #decision(id: string): Promise<QueueDecision | undefined> {
    const result = await this.#store.query<{ decision: QueueDecision | null }>('SELECT decision FROM magsag_approvals WHERE id = $1', [id], `reading approval request ${id}`);
    return result.rows[0]?.decision ?? undefined;
  }

  #entry(row: ApprovalRow): ApprovalQueueEntry {
    const entry: QueuedApproval = {
      id: row.id,
      principal: row.principal,
      runId: row.run_id,
      workspaceId: row.workspace_id,
      calls: row.calls,
      createdAt: row.created_at.toISOString(),
      expiresAt: row.expires_at.toISOString(),
      ...(row.waiter ? { waiter: row.waiter } : {}),
    };
    // Only a waiter on this host can be seen gone; another host's is trusted until its request expires.
    const gone = row.waiter != null && row.waiter.host === hostname() && !processAlive(row.waiter.pid);
    return approvalStatus(entry, row.decision ?? undefined, gone);
  }
}
