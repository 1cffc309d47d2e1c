import type { PiiVault } from '../vault/vault.ts';
import type { Candidate } from './rules.ts';

/** Raw values shorter than this are not searched for in free text (too many false hits). */
export const knownValueMinLength = 4;

interface Known {
  lower: string;
  ascii: boolean;
  kind: string;
  value: string;
  placeholder: string;
}

function fold(c: number): number {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}

function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}

/**
 * Finds, case-insensitively and on word boundaries, every raw value the vault already holds: a
 * name learned from a field rule is then caught in free text too. One hash lookup per word start.
 */
export class KnownValues {
  readonly #vault: PiiVault;
  #generation = -1;
  #indexed = 0;
  #index = new Map<number, Known[]>();
  // One byte per folded two-char prefix (low bytes only): a cheap first filter before the map.
  #filter = new Uint8Array(65_536);

  readonly #redundant: (kind: string, value: string) => boolean;

  /** `redundant` says which values the detectors find anyway (they are not indexed). */
  constructor(vault: PiiVault, redundant: (kind: string, value: string) => boolean = () => false) {
    this.#vault = vault;
    this.#redundant = redundant;
  }

  // Entries are only appended between loads, so index the new ones; start over after a reload.
  #rebuild(): void {
    if (this.#generation !== this.#vault.generation) {
      this.#generation = this.#vault.generation;
      this.#indexed = 0;
      this.#index = new Map();
      this.#filter = new Uint8Array(65_536);
    }
    if (this.#indexed === this.#vault.size) return;
    const fresh = this.#vault.entriesFrom(this.#indexed);
    this.#indexed += fresh.length;
    const touched = new Set<Known[]>();
    for (const entry of fresh) {
      const value = entry.value.trim();
      if (value.length < knownValueMinLength || !isWordCode(value.charCodeAt(0)) || this.#redundant(entry.kind, value)) continue;
      const hash = (fold(value.charCodeAt(0)) << 16) | fold(value.charCodeAt(1));
      this.#filter[((fold(value.charCodeAt(0)) & 0xff) << 8) | (fold(value.charCodeAt(1)) & 0xff)] = 1;
      let list = this.#index.get(hash);
      if (!list) {
        list = [];
        this.#index.set(hash, list);
      }
      // eslint-disable-next-line no-control-regex
      list.push({ lower: value.toLowerCase(), kind: entry.kind, value, placeholder: entry.placeholder, ascii: /^[\x00-\x7f]*$/.test(value) });
      touched.add(list);
    }
    for (const list of touched) list.sort((a, b) => b.lower.length - a.lower.length);
  }

  /** Pushes a candidate for each known value in `text`. */
  scan(text: string, out: Candidate[], priority: number): void {
    this.#rebuild();
    if (this.#index.size === 0) return;
    const filter = this.#filter;
    const n = text.length - 1;
    let prevWord = false;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      const word = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
      if (word && !prevWord && filter[((fold(c) & 0xff) << 8) | (fold(text.charCodeAt(i + 1)) & 0xff)] === 1) {
        this.#matchAt(text, i, out, priority);
      }
      prevWord = word;
    }
  }

  #matchAt(text: string, i: number, out: Candidate[], priority: number): void {
    const list = this.#index.get((fold(text.charCodeAt(i)) << 16) | fold(text.charCodeAt(i + 1)));
    if (!list) return;
    for (const known of list) {
      const end = i + known.lower.length;
      if (end > text.length) continue;
      let same = true;
      for (let k = 2; k < known.lower.length; k++) {
        if (fold(text.charCodeAt(i + k)) !== known.lower.charCodeAt(k)) {
          same = false;
          break;
        }
      }
      if (!same) {
        // Non-ASCII letters: compare the lower-cased slice.
        if (known.ascii || text.slice(i, end).toLowerCase() !== known.lower) continue;
      }
      if (end < text.length && isWordCode(text.charCodeAt(end)) && isWordCode(known.lower.charCodeAt(known.lower.length - 1))) continue;
      out.push({ kind: known.kind, rule: 'vault', priority, start: i, end, value: text.slice(i, end), normalized: known.placeholder });
      return;
    }
  }
}
