import { type Logger, MagsagError } from '@magsag/core';
import { LocalRunRecords } from './local/runRecords.ts';
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
  const store = await PostgresStore.open({ url, ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}), ...(options.logger ? { logger: options.logger } : {}) });
  const opened: Store<R> = {
    kind: 'postgres',
    where: store.where,
    workspaces: store.workspaces(),
    runRecords: store.runRecords<R>(),
    runOutputs: store.runOutputs(),
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
    close: async () => {},
  };
}
