import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { PiiVault, VaultEntry } from '../vault/vault.ts';
import { AhoCorasick } from './ahoCorasick.ts';
import { type Candidate, newCandidate } from './rules.ts';

/** Values of word-like kinds (names, addresses) shorter than this are not searched for (too many false hits). */
export const knownValueMinLength = 4;
/** Values of structured kinds shorter than this are not searched for inside longer strings. */
export const knownStructuredMinLength = 6;
/** Phone, card and SSN digits are searched for when at least this many. */
const knownDigitsMinLength = 8;

/**
 * Kinds whose known values are replaced wherever they occur, also inside longer strings
 * (`alice@example.com1`); other kinds (names, addresses, custom kinds) only between word boundaries.
 */
export const structuredKinds: ReadonlySet<string> = new Set(['EMAIL', 'PHONE', 'IBAN', 'CARD', 'SSN', 'SECRET']);

interface Known {
  kind: string;
  placeholder: string;
  /** Needs a word boundary on both sides. */
  bounded: boolean;
}

function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}

/** Lower-cases `text` keeping every offset (a character whose lower case is longer stays as it is). */
export function foldCase(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) out += c >= 65 && c <= 90 ? String.fromCharCode(c | 0x20) : text[i]!;
    else {
      const one = text[i]!.toLowerCase();
      out += one.length === 1 ? one : text[i]!;
    }
  }
  return out;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
// Characters that may stand between the digits of one phone, card or SSN.
function isDigitSeparator(c: number): boolean {
  return c === 32 || c === 45 || c === 46 || c === 40 || c === 41 || c === 47 || c === 43 || c === 160;
}

/**
 * The digits of `text` as one string, with `|` where a run of digits is interrupted by more than two
 * separators or by anything else, and the offset in `text` of every character of it.
 */
function digitProjection(text: string): { digits: string; at: Int32Array } | undefined {
  const at = new Int32Array(text.length);
  const parts: string[] = [];
  let n = 0;
  let gap = 0;
  let any = false;
  let runStart = -1;
  const flush = (end: number): void => {
    if (runStart !== -1) parts.push(text.slice(runStart, end));
    runStart = -1;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) {
      if (any && gap > 2) {
        flush(i);
        parts.push('|');
        at[n++] = i;
      } else if (any && gap > 0) {
        flush(i - gap);
      }
      if (runStart === -1) runStart = i;
      at[n++] = i;
      any = true;
      gap = 0;
    } else if (any) {
      // A run of digits ends at its first non-digit, whatever it is (a letter or ";" too: keeping
      // it in the run put non-digits into the projection and shifted every offset after it).
      if (gap === 0) flush(i);
      gap = isDigitSeparator(c) && gap <= 2 ? gap + 1 : 3;
    }
  }
  flush(text.length);
  if (n === 0) return undefined;
  return { digits: parts.join(''), at: at.subarray(0, n) };
}

interface Level {
  /** Entries of the vault (creation order) this level covers: [from, to). */
  from: number;
  to: number;
  textPatterns: string[];
  textKnown: Known[];
  digitPatterns: string[];
  digitKnown: Known[];
  /** Indices of the patterns searched with `indexOf`: the first of equal patterns (the automaton keeps the first of a state). */
  textFirst: number[];
  digitFirst: number[];
  /** The automata, built on first need (see {@link naiveScanLimit}). */
  text: AhoCorasick | undefined;
  digits: AhoCorasick | undefined;
  compiled: boolean;
}

/**
 * A level smaller than `levelBase` is searched pattern by pattern (`indexOf`) while the text times
 * the number of patterns stays under this; past it, its automata are built. A small level is
 * rebuilt each time the vault grows, which when tokenizing many short values (every string of a
 * tool result) cost far more than searching those short strings directly.
 */
const naiveScanLimit = 1 << 16;

// Level i holds at most `levelBase * levelFactor ** i` entries; a full level merges into the next.
// Every scan runs one automaton per level (a handful), and each entry is rebuilt O(log n) times.
const levelBase = 256;
const levelFactor = 8;

interface Patterns {
  text: string[];
  digits: string[];
  bounded: boolean;
}

// An entry's patterns never change (its value and kind are fixed); levels are rebuilt as the vault
// grows, and parsing a phone again for each rebuild was most of the cost of tokenizing small values.
const patternCache = new WeakMap<object, Patterns>();

function patternsOf(entry: VaultEntry & { normalized?: string }): Patterns {
  let patterns = patternCache.get(entry);
  if (patterns === undefined) {
    patterns = computePatterns(entry);
    patternCache.set(entry, patterns);
  }
  return patterns;
}

function computePatterns(entry: VaultEntry & { normalized?: string }): Patterns {
  const value = entry.value.trim();
  const structured = structuredKinds.has(entry.kind);
  const text: string[] = [];
  const digits: string[] = [];
  const min = structured ? knownStructuredMinLength : knownValueMinLength;
  if (value.length >= min && (structured || isWordCode(value.charCodeAt(0)))) text.push(foldCase(value));
  const normalized = entry.normalized;
  if (normalized && normalized !== value && normalized.length >= min && entry.kind !== 'PHONE') text.push(foldCase(normalized));
  if (entry.kind === 'PHONE' || entry.kind === 'CARD' || entry.kind === 'SSN') {
    const all = value.replace(/\D/g, '');
    if (all.length >= knownDigitsMinLength) digits.push(all);
    if (entry.kind === 'PHONE') {
      const phone = parsePhoneNumberFromString(normalized?.startsWith('+') ? normalized : value);
      if (phone) {
        const international = `${phone.countryCallingCode}${phone.nationalNumber}`;
        if (international.length >= knownDigitsMinLength) digits.push(international);
        if (phone.nationalNumber.length >= knownDigitsMinLength) digits.push(phone.nationalNumber);
      }
    }
  }
  return { text: [...new Set(text)], digits: [...new Set(digits)], bounded: !structured };
}

function buildLevel(entries: readonly (VaultEntry & { normalized?: string })[], from: number): Level {
  const textPatterns: string[] = [];
  const textKnown: Known[] = [];
  const digitPatterns: string[] = [];
  const digitKnown: Known[] = [];
  for (const entry of entries) {
    const { text, digits, bounded } = patternsOf(entry);
    for (const pattern of text) {
      textPatterns.push(pattern);
      textKnown.push({ kind: entry.kind, placeholder: entry.placeholder, bounded });
    }
    for (const pattern of digits) {
      digitPatterns.push(pattern);
      digitKnown.push({ kind: entry.kind, placeholder: entry.placeholder, bounded: false });
    }
  }
  const level: Level = {
    from,
    to: from + entries.length,
    textPatterns,
    textKnown,
    digitPatterns,
    digitKnown,
    textFirst: firstOfEqual(textPatterns),
    digitFirst: firstOfEqual(digitPatterns),
    text: undefined,
    digits: undefined,
    compiled: false,
  };
  if (entries.length >= levelBase) compile(level);
  return level;
}

function compile(level: Level): void {
  level.text = level.textPatterns.length > 0 ? new AhoCorasick(level.textPatterns) : undefined;
  level.digits = level.digitPatterns.length > 0 ? new AhoCorasick(level.digitPatterns) : undefined;
  level.compiled = true;
}

function firstOfEqual(patterns: readonly string[]): number[] {
  const seen = new Set<string>();
  const first: number[] = [];
  for (let p = 0; p < patterns.length; p++) {
    const pattern = patterns[p]!;
    if (pattern.length === 0 || seen.has(pattern)) continue;
    seen.add(pattern);
    first.push(p);
  }
  return first;
}

/** Every occurrence in `text` of the patterns `which` picks, as {@link AhoCorasick.scan} reports them. */
function naiveScan(patterns: readonly string[], which: readonly number[], text: string, found: (pattern: number, start: number, end: number) => void): void {
  for (const p of which) {
    const pattern = patterns[p]!;
    for (let at = text.indexOf(pattern); at !== -1; at = text.indexOf(pattern, at + 1)) found(p, at, at + pattern.length);
  }
}

/**
 * Finds every raw value the vault holds, in any letter case, with one multi-pattern automaton per
 * level (linear in the text). Structured kinds (email, phone, IBAN, card, SSN, secrets) are found
 * inside longer strings too, phones, cards and SSNs also by their digits whatever the separators;
 * names and other kinds only between word boundaries.
 */
export class KnownValues {
  readonly #vault: PiiVault;
  #generation = -1;
  #levels: Level[] = [];

  constructor(vault: PiiVault) {
    this.#vault = vault;
  }

  // Entries are only appended between loads: index the new ones; start over after a reload. The new
  // entries form a level of their own, merged with the levels before it while those are small or
  // not much larger, so level sizes grow geometrically (few levels, each entry rebuilt O(log n) times).
  #update(): void {
    if (this.#generation !== this.#vault.generation) {
      this.#generation = this.#vault.generation;
      this.#levels = [];
    }
    const levels = this.#levels;
    let from = levels.at(-1)?.to ?? 0;
    const to = this.#vault.size;
    if (from === to) return;
    while (levels.length > 0) {
      const last = levels.at(-1)!;
      const lastSize = last.to - last.from;
      if (lastSize >= levelBase && (to - from) * levelFactor < lastSize) break;
      from = last.from;
      levels.pop();
    }
    levels.push(buildLevel(this.#vault.entriesFrom(from).slice(0, to - from), from));
  }

  /** Pushes a candidate for each known value in `text` (`normalized` holds its placeholder). */
  scan(text: string, out: Candidate[], priority: number): void {
    this.#update();
    if (this.#levels.length === 0 || text.length === 0) return;
    let folded: string | undefined;
    let projection: ReturnType<typeof digitProjection> | null = null;
    for (const level of this.#levels) {
      if (!level.compiled && text.length * (level.textPatterns.length + level.digitPatterns.length) > naiveScanLimit) compile(level);
      if (level.textPatterns.length > 0) {
        folded ??= foldCase(text);
        const known = level.textKnown;
        const scan = level.text ? level.text.scan.bind(level.text) : (t: string, found: (pattern: number, start: number, end: number) => void) => naiveScan(level.textPatterns, level.textFirst, t, found);
        scan(folded, (pattern, start, end) => {
          const k = known[pattern]!;
          if (k.bounded && ((start > 0 && isWordCode(text.charCodeAt(start - 1))) || (end < text.length && isWordCode(text.charCodeAt(end))))) return;
          out.push(newCandidate(k.kind, 'vault', priority, start, end, text.slice(start, end), k.placeholder));
        });
      }
      if (level.digitPatterns.length > 0) {
        if (projection === null) projection = digitProjection(text);
        if (!projection) continue;
        const { digits, at } = projection;
        const known = level.digitKnown;
        const scan = level.digits ? level.digits.scan.bind(level.digits) : (t: string, found: (pattern: number, start: number, end: number) => void) => naiveScan(level.digitPatterns, level.digitFirst, t, found);
        scan(digits, (pattern, start, end) => {
          const k = known[pattern]!;
          const from = at[start]!;
          const to = at[end - 1]! + 1;
          out.push(newCandidate(k.kind, 'vault', priority, from, to, text.slice(from, to), k.placeholder));
        });
      }
    }
  }
}
