import { createHmac, hkdfSync } from 'node:crypto';
import { MagsagError } from '@magsag/core';
import { formatPlaceholder, parsePlaceholder } from '../kinds.ts';
import type { PiiVaultRows } from '../store.ts';
import { open, seal } from './crypto.ts';
import type { VaultKey } from './key.ts';
import { PiiVault, type VaultEntry } from './vault.ts';

/** The AAD of a vault row: a row moved to another workspace or placeholder does not decrypt. */
export const rowAad = (workspaceId: string, placeholder: string): string => `magsag-pii-vault:v2:${workspaceId}:${placeholder}`;

/** The key check written to `magsag_keys` by the first replica: an HMAC of a constant, revealing nothing of the key. */
export function keyCheck(key: VaultKey): string {
  return createHmac('sha256', key.bytes()).update('magsag-key-check:v1').digest('hex');
}

/** The blind index key: HKDF-SHA256 of the vault key (info `magsag-vault-index:v1`). */
export function indexKey(key: VaultKey): Buffer {
  return Buffer.from(hkdfSync('sha256', key.bytes(), Buffer.alloc(0), 'magsag-vault-index:v1', 32));
}

/** The blind index of a value: HMAC-SHA256 of workspace, kind and normalized value (zero bytes between). */
export function blindIndex(key: Buffer, workspaceId: string, kind: string, normalized: string): string {
  return createHmac('sha256', key).update(`${workspaceId}\u0000${kind}\u0000${normalized}`).digest('hex');
}

interface RowPayload {
  value: string;
  type: 'string' | 'number';
  normalized: string;
}

/**
 * One workspace's vault over the rows of a PostgreSQL store: an in-memory {@link PiiVault} that
 * catches up with the rows other replicas wrote ({@link pull}) and stores its new values
 * ({@link push}). Operations run one at a time ({@link run}).
 */
export class RowVault {
  readonly vault = PiiVault.rows();
  readonly #workspaceId: string;
  readonly #rows: PiiVaultRows;
  readonly #key: VaultKey;
  readonly #indexKey: Buffer;
  #lastSeq = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(workspaceId: string, rows: PiiVaultRows, key: VaultKey, index: Buffer) {
    this.#workspaceId = workspaceId;
    this.#rows = rows;
    this.#key = key;
    this.#indexKey = index;
  }

  /** Runs `fn` after the operations queued before it (one process's calls in one workspace do not interleave). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Stores what is pending (values a masker added), then loads the rows written since the last load. */
  async pull(): Promise<void> {
    if (this.vault.pending().entries.length > 0 || this.vault.pending().origins.size > 0) await this.push();
    const rows = await this.#rows.entries(this.#workspaceId, this.#lastSeq);
    if (rows.length === 0) return;
    const entries: (VaultEntry & { normalized: string })[] = [];
    for (const row of rows) {
      let payload: RowPayload;
      try {
        payload = JSON.parse(open(this.#key, row.sealed, rowAad(this.#workspaceId, row.placeholder))) as RowPayload;
      } catch (error) {
        throw new MagsagError(
          'PII_VAULT_KEY',
          `Cannot decrypt value ${row.placeholder} of the PII vault of workspace ${this.#workspaceId} in the store with the key from ${this.#key.source}: it was written with another key, or moved from another row.`,
          { cause: error, data: { workspaceId: this.#workspaceId, placeholder: row.placeholder, keySource: this.#key.source } },
        );
      }
      entries.push({ placeholder: row.placeholder, kind: row.kind, value: payload.value, type: payload.type, normalized: payload.normalized, origins: row.origins });
      if (row.seq > this.#lastSeq) this.#lastSeq = row.seq;
    }
    this.vault.applyStored(entries);
  }

  /**
   * Stores the pending values. True when every one got the placeholder this vault gave it; false
   * when another replica stored one of these values, or took one of these placeholders, first:
   * the pending values are then dropped here (they are stored, under the placeholders the store
   * chose), and the caller loads the rows and tokenizes its input again.
   */
  async push(): Promise<boolean> {
    const { entries, origins } = this.vault.pending();
    const changes = [...origins].map(([placeholder, added]) => [placeholder, [...added]] as const);
    const pending = [...entries];
    for (const [placeholder, added] of changes) await this.#rows.addOrigins(this.#workspaceId, placeholder, added);
    if (pending.length === 0) {
      this.vault.confirm();
      return true;
    }
    const stored = await this.#rows.tokenize(
      this.#workspaceId,
      pending.map((entry) => ({
        kind: entry.kind,
        index: blindIndex(this.#indexKey, this.#workspaceId, entry.kind, entry.normalized),
        proposed: parsePlaceholder(entry.placeholder)?.n ?? 1,
        origins: entry.origins,
        make: (n: number) => {
          const placeholder = formatPlaceholder(entry.kind, n);
          const payload: RowPayload = { value: entry.value, type: entry.type, normalized: entry.normalized };
          return { placeholder, sealed: seal(this.#key, JSON.stringify(payload), rowAad(this.#workspaceId, placeholder)) };
        },
      })),
    );
    let same = true;
    for (const [i, row] of stored.entries()) {
      const entry = pending[i]!;
      if (row.placeholder !== entry.placeholder) same = false;
      // Found stored by another replica: our origins join its row.
      else if (!row.created && entry.origins.length > 0) await this.#rows.addOrigins(this.#workspaceId, row.placeholder, entry.origins);
    }
    if (same) this.vault.confirm();
    else this.vault.discardPending();
    return same;
  }
}
