import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MagsagError } from '@magsag/core';
import { formatPlaceholder, parsePlaceholder } from '../kinds.ts';
import { isSealed, open, seal } from './crypto.ts';
import type { VaultKey } from './key.ts';

/** One raw value the vault holds. */
export interface VaultEntry {
  placeholder: string;
  kind: string;
  /** The raw value as first seen. */
  value: string;
  /** `number` when the value was a JSON number (restored as a number when untokenized). */
  type: 'string' | 'number';
  /** The servers the value came from, first one first. */
  origins: string[];
}

/** What {@link PiiVault.tokenize} takes. */
export interface TokenizeInput {
  kind: string;
  value: string | number;
  /**
   * The server the value came from, recorded as an origin; omitted for values a server only echoed
   * (`pii.source: false`), which get a placeholder but no origin.
   */
  server?: string;
  /** The form that makes equal values share a placeholder (lower-case email, E.164 phone...). @default the value */
  normalized?: string;
}

interface VaultData {
  version: 1;
  counters: Record<string, number>;
  entries: (VaultEntry & { normalized: string })[];
}

const aad = 'magsag-pii-vault:v1';
const fileFormat = 'magsag-pii-vault';

/**
 * Placeholders ↔ raw values for one workspace. The same (kind, value) always gets the same
 * placeholder. With a file, {@link PiiVault.save} writes it encrypted with AES-256-GCM.
 */
export class PiiVault {
  /** The encrypted file, or `undefined` for an in-memory vault. */
  readonly file: string | undefined;
  readonly #key: VaultKey | undefined;
  #counters: Record<string, number> = {};
  /** Placeholder → entry, brought up to date with `#list` on first use (masking a large text creates many entries and looks few up). */
  #byPlaceholder = new Map<string, VaultEntry & { normalized: string }>();
  #indexed = 0;
  /** kind → normalized value → entry (two lookups instead of building a `kind\0value` key per call). */
  #byValue = new Map<string, Map<string, VaultEntry & { normalized: string }>>();
  #list: (VaultEntry & { normalized: string })[] = [];
  #version = 0;
  #generation = 0;
  #dirty = false;
  #stamp = '';
  /** Row mode (a PostgreSQL store): entries before this index are stored; those after are pending. */
  #confirmed = 0;
  #confirmedCounters: Record<string, number> = {};
  /** Row mode: origins added to stored entries since they were last pushed. */
  #originChanges = new Map<string, Set<string>>();
  readonly #rows: boolean;

  private constructor(file: string | undefined, key: VaultKey | undefined, rows = false) {
    this.file = file;
    this.#key = key;
    this.#rows = rows;
  }

  /**
   * An in-memory vault mirroring rows of a store (`@magsag/pii` loads them, pushes what is pending,
   * and drops pending values that lost a race with another replica: {@link PiiVault.discardPending}).
   */
  static rows(): PiiVault {
    return new PiiVault(undefined, undefined, true);
  }

  /** An empty vault that lives in memory only. */
  static memory(): PiiVault {
    return new PiiVault(undefined, undefined);
  }

  /** Opens (or starts) the vault stored in `file`, decrypting it with `key`. */
  static open(file: string, key: VaultKey): PiiVault {
    const vault = new PiiVault(path.resolve(file), key);
    vault.#load();
    return vault;
  }

  /** Grows on every change; maskers use it to know when to rebuild. */
  get version(): number {
    return this.#version;
  }

  /** Changes when the vault is (re)loaded from disk: entries seen before may be gone. */
  get generation(): number {
    return this.#generation;
  }

  /** Entries in creation order from `index` on (entries are only ever appended between loads). */
  entriesFrom(index: number): readonly (VaultEntry & { normalized: string })[] {
    return this.#list.slice(index);
  }

  /** Number of values held. */
  get size(): number {
    return this.#list.length;
  }

  /** True when there are changes not yet saved. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /** The placeholder for a value, creating one (`[KIND_n]`) the first time it is seen. */
  tokenize(input: TokenizeInput): string {
    const value = String(input.value);
    const normalized = input.normalized ?? value;
    const ofKind = this.#ofKind(input.kind);
    const existing = ofKind.get(normalized);
    if (existing) {
      if (input.server !== undefined && !existing.origins.includes(input.server)) {
        existing.origins = [...existing.origins, input.server];
        this.#originAdded(existing.placeholder, input.server);
        this.#changed();
      }
      return existing.placeholder;
    }
    const n = (this.#counters[input.kind] ?? 0) + 1;
    this.#counters[input.kind] = n;
    const stored: VaultEntry & { normalized: string } = {
      placeholder: formatPlaceholder(input.kind, n),
      kind: input.kind,
      value,
      type: typeof input.value === 'number' ? 'number' : 'string',
      origins: this.#originsOf(input.server),
      normalized,
    };
    ofKind.set(normalized, stored);
    this.#list.push(stored);
    this.#changed();
    return stored.placeholder;
  }

  /** Records that `server` also returned the value behind `placeholder`. */
  addOrigin(placeholder: string, server: string): void {
    const entry = this.#index().get(placeholder);
    if (entry && !entry.origins.includes(server)) {
      entry.origins = [...entry.origins, server];
      this.#originAdded(placeholder, server);
      this.#changed();
    }
  }

  #originAdded(placeholder: string, server: string): void {
    if (!this.#rows) return;
    let added = this.#originChanges.get(placeholder);
    if (added === undefined) {
      added = new Set();
      this.#originChanges.set(placeholder, added);
    }
    added.add(server);
  }

  /** Row mode: the values not yet stored (creation order) and the origins added to stored ones. */
  pending(): { entries: readonly (VaultEntry & { normalized: string })[]; origins: ReadonlyMap<string, ReadonlySet<string>> } {
    return { entries: this.#list.slice(this.#confirmed), origins: this.#originChanges };
  }

  /** Row mode: everything pending is now stored. */
  confirm(): void {
    this.#confirmed = this.#list.length;
    this.#confirmedCounters = { ...this.#counters };
    this.#originChanges = new Map();
    this.#dirty = false;
  }

  /**
   * Row mode: forgets the values not yet stored (another replica took their placeholders first);
   * the caller loads the stored rows and tokenizes again. Maskers rebuild (`generation` changes).
   */
  discardPending(): void {
    const kept = this.#list.slice(0, this.#confirmed);
    this.#counters = { ...this.#confirmedCounters };
    this.#reindex(kept);
    this.#originChanges = new Map();
    this.#dirty = false;
  }

  /**
   * Row mode: adds stored values (or the origins another replica added to them). A row whose
   * placeholder is known only merges its origins. Values still pending (a masker added them while
   * the rows were read) stay pending after the stored ones, unless a stored row now holds their
   * value or their placeholder.
   */
  applyStored(entries: readonly (VaultEntry & { normalized: string })[]): void {
    if (entries.length === 0) return;
    const pending = this.#list.slice(this.#confirmed);
    if (pending.length > 0) {
      this.#counters = { ...this.#confirmedCounters };
      this.#reindex(this.#list.slice(0, this.#confirmed));
    }
    for (const entry of entries) {
      const known = this.#index().get(entry.placeholder);
      if (known) {
        const more = entry.origins.filter((o) => !known.origins.includes(o));
        if (more.length > 0) {
          known.origins = [...known.origins, ...more];
          this.#version++;
        }
        continue;
      }
      this.#append({ ...entry, origins: [...entry.origins] });
    }
    this.#confirmed = this.#list.length;
    this.#confirmedCounters = { ...this.#counters };
    for (const entry of pending) {
      if (this.#index().has(entry.placeholder) || this.#byValue.get(entry.kind)?.has(entry.normalized)) continue;
      this.#append(entry);
      this.#dirty = true;
    }
  }

  /** The entries of one kind by normalized value, made on first use. */
  #ofKind(kind: string): Map<string, VaultEntry & { normalized: string }> {
    let ofKind = this.#byValue.get(kind);
    if (ofKind === undefined) {
      ofKind = new Map();
      this.#byValue.set(kind, ofKind);
    }
    return ofKind;
  }

  #append(entry: VaultEntry & { normalized: string }): void {
    this.#ofKind(entry.kind).set(entry.normalized, entry);
    this.#list.push(entry);
    const n = parsePlaceholder(entry.placeholder)?.n ?? 0;
    if (n > (this.#counters[entry.kind] ?? 0)) this.#counters[entry.kind] = n;
    this.#version++;
  }

  #reindex(list: (VaultEntry & { normalized: string })[]): void {
    this.#list = list;
    this.#byPlaceholder = new Map();
    this.#indexed = 0;
    this.#byValue = new Map();
    for (const entry of list) this.#ofKind(entry.kind).set(entry.normalized, entry);
    this.#version++;
    this.#generation++;
  }

  /** The entry behind a placeholder. */
  lookup(placeholder: string): VaultEntry | undefined {
    return this.#index().get(placeholder);
  }

  /** The placeholder a value already has, if any. */
  placeholderFor(kind: string, normalized: string): string | undefined {
    return this.#byValue.get(kind)?.get(normalized)?.placeholder;
  }

  /** Every entry, in the order they were created per kind. */
  entries(): VaultEntry[] {
    return this.#list.map(({ normalized: _normalized, ...entry }) => ({ ...entry, origins: [...entry.origins] }));
  }

  /** Writes the vault to its file (atomically, mode 0600) when it changed. No-op in memory. */
  save(): void {
    if (this.file === undefined || this.#key === undefined || !this.#dirty) return;
    const data: VaultData = { version: 1, counters: this.#counters, entries: this.#list };
    const sealed = seal(this.#key, JSON.stringify(data), aad);
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ format: fileFormat, version: 1, alg: 'aes-256-gcm', ...sealed })}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
    this.#dirty = false;
    this.#stamp = this.#fileStamp();
  }

  /** Re-reads the file when another process changed it and this vault has no unsaved changes. */
  reloadIfChanged(): void {
    if (this.file === undefined || this.#dirty) return;
    if (this.#fileStamp() !== this.#stamp) this.#load();
  }

  #index(): Map<string, VaultEntry & { normalized: string }> {
    for (; this.#indexed < this.#list.length; this.#indexed++) {
      const entry = this.#list[this.#indexed]!;
      this.#byPlaceholder.set(entry.placeholder, entry);
    }
    return this.#byPlaceholder;
  }

  // New entries share one origins array per server (a large text creates many entries from one
  // server); an entry's array is replaced, never changed, when an origin is added.
  readonly #sharedOrigins = new Map<string | undefined, string[]>();
  #originsOf(server: string | undefined): string[] {
    let origins = this.#sharedOrigins.get(server);
    if (origins === undefined) {
      // Frozen: `lookup()` hands entries out, and a push by a caller would change every entry sharing it.
      origins = Object.freeze(server === undefined ? [] : [server]) as string[];
      this.#sharedOrigins.set(server, origins);
    }
    return origins;
  }

  #changed(): void {
    this.#version++;
    this.#dirty = true;
  }

  #fileStamp(): string {
    if (this.file === undefined || !existsSync(this.file)) return '';
    const stat = statSync(this.file);
    return `${stat.mtimeMs}:${stat.size}`;
  }

  #load(): void {
    const file = this.file!;
    const key = this.#key!;
    this.#counters = {};
    this.#byPlaceholder = new Map();
    this.#indexed = 0;
    this.#byValue = new Map();
    this.#list = [];
    this.#version++;
    this.#generation++;
    this.#stamp = this.#fileStamp();
    if (!existsSync(file)) return;
    let envelope: unknown;
    try {
      envelope = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new MagsagError('CONFIG_INVALID', `The PII vault ${file} is not a vault file (${(error as Error).message}). Move it away to start an empty vault.`, { cause: error, data: { file } });
    }
    if (!isSealed(envelope) || (envelope as { format?: unknown }).format !== fileFormat) {
      throw new MagsagError('CONFIG_INVALID', `The PII vault ${file} is not a vault file. Move it away to start an empty vault.`, { data: { file } });
    }
    let plaintext: string;
    try {
      plaintext = open(key, envelope, aad);
    } catch (error) {
      throw new MagsagError(
        'PII_VAULT_KEY',
        `Cannot decrypt the PII vault ${file} with the key from ${key.source}: it was written with another key (or altered). Use the key it was written with, or delete ${file} to start an empty vault (placeholders already issued will no longer resolve).`,
        { cause: error, data: { file, keySource: key.source } },
      );
    }
    const data = JSON.parse(plaintext) as VaultData;
    this.#counters = { ...data.counters };
    for (const entry of data.entries) {
      this.#ofKind(entry.kind).set(entry.normalized, entry);
      this.#list.push(entry);
    }
  }
}
