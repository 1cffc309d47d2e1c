import type { Sealed } from './vault/crypto.ts';

// What @magsag/pii needs of a @magsag/store `Store`, declared here (structurally) so this package
// does not depend on the store: the CLI opens the store and hands it over.

/** A value as the store keeps it: sealed, its placeholder and kind, its origins. */
export interface PiiStoredRow {
  seq: number;
  placeholder: string;
  kind: string;
  sealed: Sealed;
  origins: string[];
}

/** The PostgreSQL vault (`Store['vault']` of kind `rows`). */
export interface PiiVaultRows {
  readonly kind: 'rows';
  checkKey(purpose: string, mac: string): Promise<boolean>;
  entries(workspaceId: string, after?: number): Promise<PiiStoredRow[]>;
  tokenize(
    workspaceId: string,
    rows: readonly { kind: string; index: string; proposed: number; make(n: number): { placeholder: string; sealed: Sealed }; origins: readonly string[] }[],
  ): Promise<{ placeholder: string; seq: number; created: boolean }[]>;
  addOrigins(workspaceId: string, placeholder: string, origins: readonly string[]): Promise<void>;
}

/** The audit log of a store (`Store['audit']`). */
export interface PiiAuditStore {
  where(runId: string): string;
  append(rows: readonly { runId: string }[]): Promise<void>;
  read(runId: string): Promise<{ line: number; record: { runId: string } }[] | undefined>;
}

/** The parts of a `@magsag/store` `Store` the PII layer uses. */
export interface PiiStore {
  readonly kind: 'local' | 'postgres';
  /** The folder, or `host:port/database`. */
  readonly where: string;
  readonly vault: { readonly kind: 'file'; file(workspaceId: string): string } | PiiVaultRows;
  readonly audit: PiiAuditStore;
}
