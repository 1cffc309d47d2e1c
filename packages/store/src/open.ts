import { type Logger, MagsagError } from '@magsag/core';
import { LocalRunRecords } from './local/runRecords.ts';
import type { StatementObserver } from './observe.ts';
import type { SkillStore } from './skills.ts';
import type { RunRecordStore, StoredRunRecord } from './runRecords.ts';

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
  readonly runRecords: RunRecordStore<R>;
  /** Skills agents saved (PostgreSQL); `undefined` for the local folder, where the project's skills folder is their home. */
  readonly skills: SkillStore | undefined;
  /** Resolves when the store answers (PostgreSQL: `SELECT 1`); throws `STORE_UNAVAILABLE` otherwise. */
  ping(): Promise<void>;
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
    return { kind: 'local', where: options.stateDir, runRecords: new LocalRunRecords<R>(options.stateDir), skills: undefined, ping: async () => {}, close: async () => {} };
  }
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new MagsagError('USAGE', `The store URL must start with postgres:// or postgresql:// (got "${url.split(':')[0]}:…"); leave it out to keep state in the local state folder.`, { data: { scheme: url.split(':')[0] } });
  }
  const { PostgresStore } = await import('./postgres/store.ts');
  const store = await PostgresStore.open({ url, ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}), ...(options.logger ? { logger: options.logger } : {}), ...(options.observe ? { observe: options.observe } : {}) });
  return { kind: 'postgres', where: store.where, runRecords: store.runRecords<R>(), skills: store.skills(), ping: () => store.ping(), close: () => store.close() };
}
