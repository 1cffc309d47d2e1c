import { type Logger, MagsagError, assertWorkspaceId } from '@magsag/core';
import path from 'node:path';
import type { ApprovalStore } from './approvals.ts';
import type { AuditStore } from './audit.ts';
import { LocalApprovals } from './local/approvals.ts';
import { LocalAudit } from './local/audit.ts';
import { LocalRunRecords } from './local/runRecords.ts';
import type { StatementObserver } from './observe.ts';
import type { SkillStore } from './skills.ts';
import type { VaultStore } from './vault.ts';
import { LocalRunOutputs } from './local/runOutputs.ts';
import { LocalWorkspaces } from './local/workspace.ts';
import type { RunRecordStore, StoredRunRecord } from './runRecords.ts';
import type { RunOutputStore, WorkspaceStore } from './workspaces.ts';

/** The environment variable naming a PostgreSQL store (`postgres://…`). */
export const storeUrlEnv = 'MAGSAG_STORE_URL';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** The project's state folder (`.magsag`): the local backend's home. */
  stateDir: string;
  /** `postgres://…` or `postgresql://…` for PostgreSQL. @default the local state folder */
  url?: string;
  /** Connections in the PostgreSQL pool. @default 10 */
  maxConnections?: number;
  /** @default silentLogger */
  logger?: Logger;
  /** Sees every SQL statement (PostgreSQL only): for metrics. */
  observe?: StatementObserver;
}

/** MAGSAG's state, in the local state folder or in PostgreSQL. */
export interface Store<R extends StoredRunRecord = StoredRunRecord> {
  /** `local`, or `postgres` with `where` naming host, port and database (never the password). */
  readonly kind: 'local' | 'postgres';
  readonly where: string;
  /**
   * The URL it was opened with (PostgreSQL only), for handing the same store to a process of
   * ours. It holds the password: never log it or put it in an error.
   */
  readonly url?: string;
  readonly workspaces: WorkspaceStore;
  readonly runRecords: RunRecordStore<R>;
  /** Skills agents saved (PostgreSQL); `undefined` for the local folder, where the project's skills folder is their home. */
  readonly skills: SkillStore | undefined;
  /** Resolves when the store answers (PostgreSQL: `SELECT 1`); throws `STORE_UNAVAILABLE` otherwise. */
  ping(): Promise<void>;
  /**
   * The PII vault: `file` (the sealed file per workspace `@magsag/pii` reads and writes whole) or
   * `rows` (one sealed row per value). The store never sees a key.
   */
  readonly vault: VaultStore;
  /** The audit log: records whose personal values `@magsag/pii` sealed. */
  readonly audit: AuditStore;
  /** The approval queue of `magsag serve` clients without elicitation. */
  readonly approvals: ApprovalStore;
  readonly runOutputs: RunOutputStore;
  /** Releases connections (no-op for the local backend). */
  close(): Promise<void>;
}

/**
 * Opens the store: the local state folder without `url` (nothing to install, the files MAGSAG has
 * always written), or PostgreSQL, whose schema is created or migrated before this resolves. The
 * PostgreSQL client is loaded only then. Throws `USAGE` for another kind of URL and
 * `STORE_UNAVAILABLE` when PostgreSQL cannot be reached or its schema is newer than this code.
 */
export async function openStore<R extends StoredRunRecord = StoredRunRecord>(options: OpenStoreOptions): Promise<Store<R>> {
  const url = options.url?.trim();
  if (url === undefined || url === '') {
    return localStore<R>(options.stateDir);
  }
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new MagsagError('USAGE', `The store URL must start with postgres:// or postgresql:// (got "${url.split(':')[0]}:…"); leave it out to keep state in the local state folder.`, { data: { scheme: url.split(':')[0] } });
  }
  const { PostgresStore } = await import('./postgres/store.ts');
  const store = await PostgresStore.open({ url, ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}), ...(options.logger ? { logger: options.logger } : {}), ...(options.observe ? { observe: options.observe } : {}) });
  const opened: Store<R> = {
    kind: 'postgres',
    where: store.where,
    workspaces: store.workspaces(),
    runRecords: store.runRecords<R>(),
    runOutputs: store.runOutputs(),
    vault: store.vault(),
    audit: store.audit(),
    approvals: store.approvals(),
    skills: store.skills(),
    ping: () => store.ping(),
    close: () => store.close(),
  };
  // Not enumerable: a store logged or serialised whole does not carry the password along.
  return Object.defineProperty(opened, 'url', { value: url, enumerable: false });
}

/** The local store of a state folder (what {@link openStore} returns without a URL), synchronously. */
export function localStore<R extends StoredRunRecord = StoredRunRecord>(stateDir: string): Store<R> {
  return {
    kind: 'local',
    where: stateDir,
    workspaces: new LocalWorkspaces(stateDir),
    runRecords: new LocalRunRecords<R>(stateDir),
    runOutputs: new LocalRunOutputs(stateDir),
    vault: { kind: 'file', file: (workspaceId) => path.join(stateDir, 'workspaces', assertWorkspaceId(workspaceId, 'workspace'), 'pii-vault.enc') },
    audit: new LocalAudit(stateDir),
    approvals: new LocalApprovals(stateDir),
    skills: undefined,
    ping: async () => {},
    close: async () => {},
  };
}
