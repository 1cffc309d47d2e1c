/** An AES-256-GCM ciphertext (all base64), sealed and opened by `@magsag/pii`: the store never sees a key. */
export interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

/** One vault value as PostgreSQL keeps it: sealed, with the AAD binding its workspace and placeholder. */
export interface SealedVaultRow {
  /** Grows with every insert and origin change in the workspace: the place a replica catches up from. */
  seq: number;
  placeholder: string;
  kind: string;
  sealed: Sealed;
  /** The servers the value came from (server ids, no personal data). */
  origins: string[];
}

/** A value to store, as {@link VaultRowStore.tokenize} takes it. */
export interface NewVaultRow {
  kind: string;
  /** The blind index: an HMAC of the value under a key the store never sees. Equal values, equal index. */
  index: string;
  /** The number the caller would like (its own next one): used when it is above every number of the kind. */
  proposed: number;
  /** The row for number `n`: the placeholder and the value sealed for it (called inside the transaction). */
  make(n: number): { placeholder: string; sealed: Sealed };
  origins: readonly string[];
}

/** Where a value ended up: its placeholder, new or found (another replica stored it first). */
export interface TokenizedRow {
  placeholder: string;
  seq: number;
  created: boolean;
}

/** The local backend's vault: one sealed file per workspace, read and written whole by `@magsag/pii` as always. */
export interface VaultFiles {
  readonly kind: 'file';
  /** `<stateDir>/workspaces/<workspaceId>/pii-vault.enc`. */
  file(workspaceId: string): string;
}

/** The PostgreSQL vault: one sealed row per value. Every method may throw `STORE_UNAVAILABLE`. */
export interface VaultRowStore {
  readonly kind: 'rows';
  /**
   * The key check of `purpose` (`vault`): stores `mac` when there is none yet (the first replica),
   * and answers whether the stored one equals `mac`. `mac` reveals nothing of the key.
   */
  checkKey(purpose: string, mac: string): Promise<boolean>;
  /** A workspace's rows changed after `after` (`seq` order); all of them without it. */
  entries(workspaceId: string, after?: number): Promise<SealedVaultRow[]>;
  /**
   * Stores values, in one transaction serialised per workspace: a value whose index is already
   * stored keeps its placeholder (`created: false`); a new one gets `max(proposed, highest + 1)`.
   * Two different values never get one placeholder (unique per workspace).
   */
  tokenize(workspaceId: string, rows: readonly NewVaultRow[]): Promise<TokenizedRow[]>;
  /** Adds origins to a stored value (its `seq` moves on, so other replicas see them). */
  addOrigins(workspaceId: string, placeholder: string, origins: readonly string[]): Promise<void>;
}

/** The vault: files in the state folder, or rows in PostgreSQL. */
export type VaultStore = VaultFiles | VaultRowStore;
