import type { FieldMatcher, FieldRule } from './fields.ts';

/** A JSON string (its span includes the quotes). */
export const stringToken = 0;
/** A JSON number. */
export const numberToken = 1;
/** A CSV/TSV cell. */
export const cellToken = 2;
/** The value of a `key: value` line. */
export const valueToken = 3;
/** Flag on a token's type: a JSON object key or CSV header cell (tokenized like a value, never by a field rule). */
const keyFlag = 4;

const emptyInt32 = new Int32Array(0);
const emptyUint8 = new Uint8Array(0);
const emptyUint16 = new Uint16Array(0);

/**
 * The values of structured text, in text order, not overlapping: JSON strings and numbers, CSV/TSV
 * cells, values of `key: value` lines. Detection looks at values with their key in view, but
 * replaces spans of the original text. Held in typed arrays, not one object per token: a large
 * document has millions of tokens, and objects that live through the whole scan cost the garbage
 * collector more than the scan itself.
 */
export class TokenList {
  length = 0;
  // Empty until the first token: most texts masked are short values with no structure.
  starts = emptyInt32;
  ends = emptyInt32;
  /** `stringToken`... plus the key flag. */
  types = emptyUint8;
  /** 1 + the index of the token's field rule in {@link TokenList.rules}; 0 for none. */
  fieldIds = emptyUint16;
  /** The field rules tokens refer to. */
  readonly rules: FieldRule[] = [];
  #ruleIds: Map<FieldRule, number> | undefined;
  readonly #capacity: number;

  /** `capacity`: the first allocation (a large document would otherwise grow it a dozen times). */
  constructor(capacity = 64) {
    this.#capacity = capacity;
  }

  push(start: number, end: number, type: number, key: boolean, field: FieldRule | undefined): void {
    if (this.length === this.starts.length) this.#grow();
    const i = this.length++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.types[i] = key ? type | keyFlag : type;
    let id = 0;
    if (field !== undefined) {
      this.#ruleIds ??= new Map();
      id = this.#ruleIds.get(field) ?? 0;
      if (id === 0) {
        this.rules.push(field);
        id = this.rules.length;
        this.#ruleIds.set(field, id);
      }
    }
    this.fieldIds[i] = id;
  }

  /** The token's type (`stringToken`...). */
  type(i: number): number {
    return this.types[i]! & 3;
  }

  /** True for a JSON object key or CSV header cell. */
  isKey(i: number): boolean {
    return (this.types[i]! & keyFlag) !== 0;
  }

  /** The field rule of the token's key or column header, when one matches. */
  field(i: number): FieldRule | undefined {
    const id = this.fieldIds[i]!;
    return id === 0 ? undefined : this.rules[id - 1];
  }

  /** The index of the last token starting at or before `at`, or -1 (binary search). */
  at(at: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= at) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  #grow(): void {
    const size = Math.max(this.#capacity, this.starts.length * 2);
    const starts = new Int32Array(size);
    starts.set(this.starts);
    this.starts = starts;
    const ends = new Int32Array(size);
    ends.set(this.ends);
    this.ends = ends;
    const types = new Uint8Array(size);
    types.set(this.types);
    this.types = types;
    const fieldIds = new Uint16Array(size);
    fieldIds.set(this.fieldIds);
    this.fieldIds = fieldIds;
  }
}

/** The structured parts of a text. Inside a region, a finding must lie inside one token. */
export interface Structure {
  /** Tokens in text order, not overlapping. */
  tokens: TokenList;
  /** `[start, end)` ranges that are JSON documents or CSV tables, in order. */
  regions: [number, number][];
}

/** Only the last segments of a key path decide a field rule; deeper paths are not kept. */
const maxPathKept = 16;
/** A quoted CSV cell may run over line ends for at most this many characters. */
const maxQuotedCell = 4096;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * Where the JSON string starting at `start` (a quote) ends (after its closing quote), or -1 when it
 * does not end on its line (JSON forbids raw line breaks in strings). Reads each character once.
 */
function stringEnd(text: string, start: number): number {
  const n = text.length;
  for (let i = start + 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c === 92) i++;
    else if (c === 10) {
      reached = i;
      return -1;
    }
  }
  reached = n;
  return -1;
}

/** How far the last failed JSON attempt read (a failed attempt's text is not tried again). */
let reached = 0;

function numberEnd(text: string, start: number): number {
  let i = start;
  if (text.charCodeAt(i) === 45) i++;
  const digitsFrom = i;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if ((c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45) i++;
    else break;
  }
  return i > digitsFrom ? i : -1;
}

/**
 * Normalized JSON keys by the text of the key. Most documents repeat a few keys many times: a key
 * is looked up by a hash of its characters in the text and checked in place, so a repeated key
 * costs no string.
 */
class KeyCache {
  readonly #byHash = new Map<number, { raw: string; normalized: string }>();

  normalized(text: string, from: number, to: number, fields: FieldMatcher): string {
    const length = to - from;
    let hash = length;
    if (length <= 64) {
      for (let i = from; i < to; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16_777_619);
      const cached = this.#byHash.get(hash);
      if (cached !== undefined && cached.raw.length === length && text.startsWith(cached.raw, from)) return cached.normalized;
    }
    const raw = text.slice(from, to);
    const normalized = fields.normalize(raw.includes('\\') ? decodeJsonString(raw) : raw);
    if (length <= 64 && this.#byHash.size < 10_000 && !this.#byHash.has(hash)) this.#byHash.set(hash, { raw, normalized });
    return normalized;
  }
}

interface Frame {
  array: boolean;
  /** The field rule every value below inherits (a personal key holding an object or array). */
  rule: FieldRule | undefined;
  /** Whether this frame pushed a key onto the path. */
  keyed: boolean;
}

/**
 * Scans one JSON value starting at `start`. Pushes its tokens and returns where it ends, or -1 when
 * the text there is not JSON (tokens pushed by a failed attempt are removed by the caller).
 * Iterative (no recursion), one pass.
 */
/** Records how far a failed JSON attempt read; returns -1. */
function failAt(at: number): number {
  reached = Math.max(reached, at);
  return -1;
}

/** The first index at or after `i` that is no JSON whitespace. */
function skipSpace(text: string, i: number, n: number): number {
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  return i;
}

// No closures over the position below: a variable a closure captures lives in a heap context, and
// the scanner reads and writes `i` for every character.
function scanJson(text: string, start: number, fields: FieldMatcher, tokens: TokenList, keyCache: KeyCache): number {
  const path: string[] = [];
  const frames: Frame[] = [];
  let i = start;
  // What the scanner expects next.
  let expectValue = true;
  let pendingRule: FieldRule | undefined;
  const n = text.length;
  for (;;) {
    i = skipSpace(text, i, n);
    if (i >= n) return failAt(i);
    const c = text.charCodeAt(i);
    const frame = frames[frames.length - 1];
    if (expectValue) {
      const inherited = frame?.rule;
      const rule = inherited ?? pendingRule;
      pendingRule = undefined;
      if (c === 123 || c === 91) {
        const array = c === 91;
        // A rule for values only (`FieldRule.scalar`) leaves an object to its own keys' rules.
        frames.push({ array, rule: !array && rule?.scalar === true ? undefined : rule, keyed: false });
        i++;
        i = skipSpace(text, i, n);
        const close = array ? 93 : 125;
        if (text.charCodeAt(i) === close) {
          frames.pop();
          i++;
        } else if (array) {
          continue;
        } else {
          expectValue = false;
          continue;
        }
      } else if (c === 34) {
        const end = stringEnd(text, i);
        if (end === -1) return -1;
        tokens.push(i, end, stringToken, false, rule);
        i = end;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        const end = numberEnd(text, i);
        if (end === -1) return failAt(i);
        tokens.push(i, end, numberToken, false, rule);
        i = end;
      } else if (text.startsWith('true', i) || text.startsWith('null', i)) {
        i += 4;
      } else if (text.startsWith('false', i)) {
        i += 5;
      } else {
        return failAt(i);
      }
      // After a value: close containers, or a comma.
      for (;;) {
        const top = frames[frames.length - 1];
        if (!top) return i;
        if (top.keyed) {
          path.pop();
          top.keyed = false;
        }
        i = skipSpace(text, i, n);
        const next = text.charCodeAt(i);
        if (next === 44) {
          i++;
          expectValue = top.array;
          break;
        }
        if (next === (top.array ? 93 : 125)) {
          frames.pop();
          i++;
          continue;
        }
        return failAt(i);
      }
      continue;
    }
    // A key inside an object.
    if (c !== 34 || !frame || frame.array) return failAt(i);
    const end = stringEnd(text, i);
    if (end === -1) return -1;
    tokens.push(i, end, stringToken, true, undefined);
    path.push(keyCache.normalized(text, i + 1, end - 1, fields));
    if (path.length > maxPathKept * 2) path.splice(0, path.length - maxPathKept);
    frame.keyed = true;
    pendingRule = frame.rule ? undefined : fields.matchNormalized(path);
    i = end;
    i = skipSpace(text, i, n);
    if (text.charCodeAt(i) !== 58) return failAt(i);
    i++;
    expectValue = true;
  }
}

/** The text of a JSON string's content (between the quotes), unescaped. */
export function decodeJsonString(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

interface CsvRow {
  cells: [number, number][];
  end: number;
}

/** Parses one CSV record at `start` with `delimiter`; quoted cells may span lines (bounded). */
function csvRow(text: string, start: number, delimiter: number, multiline: boolean): CsvRow | undefined {
  const cells: [number, number][] = [];
  let i = start;
  const n = text.length;
  for (;;) {
    if (text.charCodeAt(i) === 34) {
      const cellStart = i;
      i++;
      for (;;) {
        if (i >= n || i - cellStart > maxQuotedCell) return undefined;
        const c = text.charCodeAt(i);
        if (c === 34) {
          if (text.charCodeAt(i + 1) === 34) {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if ((c === 10 || c === 13) && !multiline) return undefined;
        i++;
      }
      cells.push([cellStart, i]);
    } else {
      const cellStart = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === delimiter || c === 10 || c === 13) break;
        i++;
      }
      cells.push([cellStart, i]);
    }
    const c = i < n ? text.charCodeAt(i) : 10;
    if (c === delimiter) {
      i++;
      continue;
    }
    if (c === 13 && text.charCodeAt(i + 1) === 10) return { cells, end: i + 2 };
    if (c === 10 || c === 13) return { cells, end: Math.min(n, i + 1) };
    return undefined;
  }
}

function lineEnd(text: string, start: number): number {
  const newline = text.indexOf('\n', start);
  return newline === -1 ? text.length : newline + 1;
}

function headerName(text: string, [start, end]: [number, number]): string {
  let value = text.slice(start, end).trim();
  if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replaceAll('""', '"');
  return value;
}

/** Tries a CSV/TSV table (a header and at least one row of as many cells) at `start`. */
function scanCsv(text: string, start: number, fields: FieldMatcher, tokens: TokenList): number {
  const first = text.charCodeAt(start);
  if (first === 10 || first === 13 || first === 32) return -1;
  const lineStop = lineEnd(text, start);
  const line = text.slice(start, lineStop);
  const delimiter = line.includes('\t') ? 9 : line.includes(',') ? 44 : -1;
  if (delimiter === -1) return -1;
  const header = csvRow(text, start, delimiter, false);
  if (!header || header.cells.length < 2) return -1;
  const names = header.cells.map((cell) => headerName(text, cell));
  if (names.some((name) => name.length === 0 || name.length > 64)) return -1;
  const rules = names.map((name) => fields.matchKey(name));
  const rows: CsvRow[] = [];
  let i = header.end;
  while (i < text.length) {
    const row = csvRow(text, i, delimiter, true);
    if (!row || row.cells.length !== names.length) break;
    rows.push(row);
    i = row.end;
  }
  if (rows.length === 0) return -1;
  for (const cell of header.cells) tokens.push(cell[0], cell[1], cellToken, true, undefined);
  for (const row of rows) {
    row.cells.forEach(([cellStart, cellEnd], column) => tokens.push(cellStart, cellEnd, cellToken, false, rules[column]));
  }
  return i;
}

const kvLine = /^[ \t]*(?:[-*][ \t]+)?([A-Za-z][\w .'-]{0,40})[ \t]*[:=][ \t]*(.*)$/;

/** A `Key: value` line whose key is a personal field: its value is a token. */
function scanKeyValue(text: string, start: number, stop: number, fields: FieldMatcher, tokens: TokenList): void {
  const line = text.slice(start, stop).replace(/\r?\n$/, '');
  if (line.length > 4096 || !line.includes(':') && !line.includes('=')) return;
  const match = kvLine.exec(line);
  if (!match) return;
  const rule = fields.matchKey(match[1]!.trim());
  if (!rule) return;
  let valueStart = start + line.length - match[2]!.length;
  // `password: *** api_key: ${KEY}`: the value ends where the next pair starts.
  const next = /\s+[A-Za-z_][\w.-]*[ \t]*[:=][ \t]/.exec(match[2]!);
  let valueEnd = next ? valueStart + next.index : start + line.length;
  while (valueEnd > valueStart && isSpace(text.charCodeAt(valueEnd - 1))) valueEnd--;
  const c = text.charCodeAt(valueStart);
  if ((c === 34 || c === 39) && valueEnd - valueStart >= 2 && text.charCodeAt(valueEnd - 1) === c) {
    valueStart++;
    valueEnd--;
  }
  // `Authorization: Bearer <token>`: the scheme is no secret.
  const scheme = /^(?:Bearer|Basic|Token)[ \t]+/i.exec(text.slice(valueStart, Math.min(valueEnd, valueStart + 16)));
  if (scheme) valueStart += scheme[0].length;
  if (valueEnd <= valueStart || c === 123 || c === 91) return;
  tokens.push(valueStart, valueEnd, valueToken, false, rule);
}

/**
 * Finds the structure of a text in one pass: JSON documents starting at a line start, CSV/TSV tables
 * (a header line, then rows with as many cells), and `Key: value` lines whose key is a personal field.
 * Linear: a failed JSON or CSV attempt is not retried on the lines it already read.
 */
export function scanStructure(text: string, fields: FieldMatcher): Structure {
  // Pretty-printed JSON holds about one token per 16 characters.
  const tokens = new TokenList(Math.max(64, text.length >> 4));
  const regions: [number, number][] = [];
  let keyCache: KeyCache | undefined;
  let pos = 0;
  let jsonFailedUntil = -1;
  while (pos < text.length) {
    let start = pos;
    while (start < text.length && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
    const c = text.charCodeAt(start);
    if ((c === 123 || c === 91) && start >= jsonFailedUntil) {
      const mark = tokens.length;
      reached = start;
      keyCache ??= new KeyCache();
      const end = scanJson(text, start, fields, tokens, keyCache);
      if (end !== -1) {
        regions.push([start, end]);
        pos = end;
        continue;
      }
      tokens.length = mark;
      // Whatever the attempt read is not retried as JSON (a bound on hostile input).
      jsonFailedUntil = Math.max(lineEnd(text, start), reached);
    }
    const stop = lineEnd(text, pos);
    const csvEnd = scanCsv(text, pos, fields, tokens);
    if (csvEnd !== -1) {
      regions.push([pos, csvEnd]);
      pos = csvEnd;
      continue;
    }
    scanKeyValue(text, pos, stop, fields, tokens);
    pos = stop;
  }
  return { tokens, regions };
}
