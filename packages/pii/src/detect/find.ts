import type { Detector } from './detector.ts';
import { resolveOverlaps } from './overlaps.ts';
import type { KnownValues } from './known.ts';
import { type Candidate, type Encoding, newCandidate, priorities } from './rules.ts';
import { TokenList, cellToken, decodeJsonString, numberToken, scanStructure, stringToken } from './structure.ts';

/** Options for {@link findCandidates}. */
export interface FindOptions {
  /** Raw values already in the vault, found wherever they appear. */
  known?: KnownValues;
  /** Resolve overlaps (the default) or return every raw candidate. */
  resolve?: boolean;
  /** Nesting of encoded text (base64 or percent-encoding inside each other). @internal */
  depth?: number;
}

/** The field-value index of a text without field values (most short strings). */
const noTokens = new Int32Array(0);

/** Base64 and percent-encoded text is decoded and scanned this many levels deep. */
const maxEncodedDepth = 2;
// Field values that stand for no value: masks, nulls, template variables.
const notAValue = /^(?:\*+|x+|•+|-+|null|none|undefined|n\/a|redacted|\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|<[^>]*>)$/i;
// The first characters a match of `notAValue` can start with (most values are tested by this alone).
const notAValueStarts = new Set([...'*xX•-nNuUrR$<'].map((c) => c.charCodeAt(0)));
function isNotAValue(value: string): boolean {
  return notAValueStarts.has(value.charCodeAt(0)) && notAValue.test(value);
}
const placeholderRun = /\[[A-Z][A-Z0-9_]*_\d+\]/g;

/** `[start, end)` of every placeholder in `text`: never tokenized again, never part of a finding. */
export function placeholderSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  if (!text.includes('_')) return spans;
  placeholderRun.lastIndex = 0;
  for (let m = placeholderRun.exec(text); m !== null; m = placeholderRun.exec(text)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

/** True when `text` holds a placeholder. */
export function hasPlaceholder(text: string): boolean {
  if (!text.includes('[')) return false;
  placeholderRun.lastIndex = 0;
  return placeholderRun.test(text);
}

function cellValue(raw: string): { value: string; from: number; to: number } {
  let from = 0;
  let to = raw.length;
  while (from < to && (raw.charCodeAt(from) === 32 || raw.charCodeAt(from) === 9)) from++;
  while (to > from && (raw.charCodeAt(to - 1) === 32 || raw.charCodeAt(to - 1) === 9)) to--;
  if (to - from >= 2 && raw.charCodeAt(from) === 34 && raw.charCodeAt(to - 1) === 34) {
    return { value: raw.slice(from + 1, to - 1).replaceAll('""', '"'), from: from + 1, to: to - 1 };
  }
  return { value: raw.slice(from, to), from, to };
}

function isIntegerLiteral(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c === 45 && i === start))) return false;
  }
  return true;
}

/**
 * The form that gives equal values one placeholder, for a value a field rule found: the same form
 * the pattern rules give (lower-case email, E.164 phone, digits of a card), so a phone under a
 * `Phone` key and the same phone in free text share a placeholder.
 */
export function normalizeValue(kind: string, value: string): string | undefined {
  const trimmed = value.trim();
  switch (kind) {
    case 'EMAIL': {
      // `alice%40example.com` under an `email` key (a query string) shares the plain address's placeholder.
      const lower = trimmed.toLowerCase();
      return lower.includes('%40') ? percentDecoded(lower) : lower;
    }
    case 'PHONE': {
      // Written internationally, its E.164 form is its digits (without a bracketed trunk prefix).
      if (!trimmed.startsWith('+') && !trimmed.startsWith('00')) return undefined;
      const international = trimmed.startsWith('00') ? trimmed.slice(2) : trimmed;
      const digits = (international.includes('(0)') ? international.replace('(0)', '') : international).replace(/\D/g, '');
      return digits.length >= 8 && digits.length <= 15 ? `+${digits}` : undefined;
    }
    case 'CARD':
    case 'SSN':
      return trimmed.replace(/\D/g, '');
    case 'IBAN':
      return trimmed.replace(/\s/g, '').toUpperCase();
    default:
      return undefined;
  }
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The value of a field token as a field rule sees it: JSON-decoded, a cell unquoted. */
function rawFieldValue(text: string, tokens: TokenList, i: number): string {
  const start = tokens.starts[i]!;
  const end = tokens.ends[i]!;
  const type = tokens.type(i);
  if (type === stringToken) return decodeJsonString(text.slice(start + 1, end - 1));
  if (type === cellToken) return cellValue(text.slice(start, end)).value;
  return text.slice(start, end);
}

/** True when a field token holds a value to replace (not blank, a placeholder, `N/A`...). */
function isFieldValue(text: string, tokens: TokenList, i: number): boolean {
  const rule = tokens.field(i)!;
  const type = tokens.type(i);
  if (rule.validate === undefined && (type === stringToken || type === numberToken)) {
    // Most values say so by themselves, read in place: a printable first character no "no value"
    // starts with, and no escape or bracket (so no placeholder) inside.
    const from = type === stringToken ? tokens.starts[i]! + 1 : tokens.starts[i]!;
    const to = type === stringToken ? tokens.ends[i]! - 1 : tokens.ends[i]!;
    const first = text.charCodeAt(from);
    if (from < to && first > 32 && first < 127 && !notAValueStarts.has(first) && isPlainRun(text, from, to)) return true;
  }
  const value = rawFieldValue(text, tokens, i);
  if (value.trim().length === 0 || hasPlaceholder(value) || isNotAValue(value)) return false;
  return !rule.validate || rule.validate(value);
}

/** No backslash (an escape) and no `[` (a placeholder) in `text` from `from` to `to`. */
function isPlainRun(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 91 || c === 92) return false;
  }
  return true;
}

/** The candidate that replaces a field value ({@link isFieldValue}) whole. */
function fieldCandidate(text: string, tokens: TokenList, i: number, into?: Candidate): Candidate {
  const rule = tokens.field(i)!;
  let start = tokens.starts[i]!;
  let end = tokens.ends[i]!;
  const type = tokens.type(i);
  const value = rawFieldValue(text, tokens, i);
  if (type === stringToken) {
    start++;
    end--;
  } else if (type === cellToken) {
    const cell = cellValue(text.slice(start, end));
    end = start + cell.to;
    start += cell.from;
  }
  const normalized = normalizeValue(rule.kind, value);
  if (into === undefined) {
    const candidate = newCandidate(rule.kind, rule.id, priorities.field, start, end, value, normalized);
    candidate.quote = candidate.number = type === numberToken;
    return candidate;
  }
  into.kind = rule.kind;
  into.rule = rule.id;
  into.start = start;
  into.end = end;
  into.value = value;
  into.normalized = normalized;
  into.quote = into.number = type === numberToken;
  return into;
}

/** Where a field value's candidate starts and ends (what {@link fieldCandidate} would say). */
function fieldSpan(text: string, tokens: TokenList, i: number): [number, number] {
  const start = tokens.starts[i]!;
  const end = tokens.ends[i]!;
  const type = tokens.type(i);
  if (type === stringToken) return [start + 1, end - 1];
  if (type === cellToken) {
    const cell = cellValue(text.slice(start, end));
    return [start + cell.from, start + cell.to];
  }
  return [start, end];
}

function isUrlChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 95 || c === 126 || c === 45 || c === 43 || c === 33 || c === 42 || c === 39 || c === 64;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Decoded bytes that read as text: valid UTF-8, no control characters but tab and line breaks. */
export function asText(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  if (text.includes('\uFFFD')) return undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) return undefined;
  }
  return text;
}

// Which ASCII characters a base64 run is made of (either alphabet): letters, digits, + / _ -.
const base64Chars = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (isAsciiAlnum(c) || c === 43 || c === 47 || c === 95 || c === 45) base64Chars[c] = 1;
}
/** A run must be this long to be decoded. */
const minBase64Run = 16;

function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * Base64 runs (standard or URL-safe) that decode to text: maximal runs of base64 characters at
 * least 16 long, with up to two `=` of padding (what `/[A-Za-z0-9+/_-]{16,}={0,2}/g` matches).
 * Outside runs it looks at every 16th character only, and reads no character more than twice; the
 * regex, tried at every start position, re-read every short word and was the costliest step of
 * masking CRM-like JSON.
 */
function base64Runs(text: string, each: (start: number, end: number, decoded: string, urlSafe: boolean) => void): void {
  const n = text.length;
  // Invariant: no run that starts before `i` is left to handle.
  let i = 0;
  while (i + minBase64Run <= n) {
    // A run of 16 or more starting in [i, i + 15] covers i + 15: when that is no base64 character,
    // skip all 16 positions (most text is short words).
    let c = text.charCodeAt(i + minBase64Run - 1);
    if (c >= 128 || base64Chars[c] === 0) {
      i += minBase64Run;
      continue;
    }
    let start = i + minBase64Run - 1;
    while (start > i) {
      const b = text.charCodeAt(start - 1);
      if (b >= 128 || base64Chars[b] === 0) break;
      start--;
    }
    let stop = i + minBase64Run;
    while (stop < n) {
      c = text.charCodeAt(stop);
      if (c >= 128 || base64Chars[c] === 0) break;
      stop++;
    }
    i = stop;
    if (stop - start < minBase64Run) continue;
    let end = stop;
    if (text.charCodeAt(end) === 61) end++;
    if (end > stop && text.charCodeAt(end) === 61) end++;
    i = end;
    let standard = false;
    let urlSafe = false;
    let lower = false;
    let upperOrDigit = false;
    for (let k = start; k < stop; k++) {
      c = text.charCodeAt(k);
      if (c >= 97 && c <= 122) lower = true;
      else if (c === 43 || c === 47) standard = true;
      else if (c === 95 || c === 45) urlSafe = true;
      else upperOrDigit = true;
    }
    if ((standard && urlSafe) || !lower || !upperOrDigit) continue;
    const run = text.slice(start, end);
    if (!urlSafe && run.length % 4 !== 0) continue;
    const decoded = asText(Buffer.from(run, urlSafe ? 'base64url' : 'base64'));
    if (decoded !== undefined && decoded.length >= 6) each(start, end, decoded, urlSafe);
  }
}

/** Percent-encoded runs (`alice%40example.com`) that decode to something else. */
function percentRuns(text: string, each: (start: number, end: number, decoded: string) => void): void {
  let at = text.indexOf('%');
  let done = 0;
  while (at !== -1) {
    if (at < done || !isHex(text.charCodeAt(at + 1)) || !isHex(text.charCodeAt(at + 2))) {
      at = text.indexOf('%', Math.max(at + 1, done));
      continue;
    }
    let start = at;
    while (start > done && isUrlChar(text.charCodeAt(start - 1))) start--;
    let end = at;
    while (end < text.length) {
      const c = text.charCodeAt(end);
      if (c === 37 && isHex(text.charCodeAt(end + 1)) && isHex(text.charCodeAt(end + 2))) end += 3;
      else if (isUrlChar(c)) end++;
      else break;
    }
    done = end;
    let decoded: string | undefined;
    try {
      decoded = decodeURIComponent(text.slice(start, end));
    } catch {
      decoded = undefined;
    }
    if (decoded !== undefined && decoded.length >= 6) each(start, end, decoded);
    at = text.indexOf('%', end);
  }
}

function encodedCandidates(text: string, detector: Detector, options: FindOptions, out: Candidate[]): void {
  const depth = (options.depth ?? 0) + 1;
  if (depth > maxEncodedDepth) return;
  const inner = (start: number, end: number, decoded: string, encoding: Encoding): void => {
    const found = findCandidates(decoded, detector, { ...options, depth, resolve: true });
    if (found.length === 0) return;
    const candidate = newCandidate(found[0]!.kind, 'encoded', priorities.field + 10, start, end, text.slice(start, end), undefined);
    candidate.inner = { text: decoded, candidates: found, encoding };
    out.push(candidate);
  };
  base64Runs(text, (start, end, decoded, urlSafe) => inner(start, end, decoded, urlSafe ? 'base64url' : 'base64'));
  if (text.includes('%')) percentRuns(text, (start, end, decoded) => inner(start, end, decoded, 'percent'));
}

function inRegion(regions: readonly [number, number][], at: number): boolean {
  let lo = 0;
  let hi = regions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [start, end] = regions[mid]!;
    if (at < start) hi = mid - 1;
    else if (at >= end) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * What detection found in a text, resolved (in text order, not overlapping): `candidates`, and the
 * field values no other candidate touches, kept as token indices. A large document is mostly field
 * values; built one by one as they are replaced ({@link eachCandidate}), their candidates die young
 * instead of all living through detection, which in a 13 MB document made the garbage collector
 * copy every one of them and cost more than building them.
 */
export interface Spans {
  text: string;
  tokens: TokenList;
  candidates: Candidate[];
  /** Token indices of the untouched field values, in text order. */
  fields: Int32Array;
  fieldCount: number;
}

/**
 * Calls `visit` with every candidate of `spans` in text order (field values built on the way). With
 * `reuse`, one object carries every field value in turn: `visit` must not keep it past its call.
 */
export function eachCandidate(spans: Spans, visit: (candidate: Candidate) => void, reuse = false): void {
  const { text, tokens, candidates, fields, fieldCount } = spans;
  const scratch = reuse ? newCandidate('', '', priorities.field, 0, 0, '', undefined) : undefined;
  let c = 0;
  for (let f = 0; f < fieldCount; f++) {
    // No other candidate overlaps an untouched field value: the others before it start before it.
    const field = fieldCandidate(text, tokens, fields[f]!, scratch);
    while (c < candidates.length && candidates[c]!.start < field.start) visit(candidates[c++]!);
    visit(field);
  }
  while (c < candidates.length) visit(candidates[c++]!);
}

/** Every candidate of `spans` as one array, in text order. */
export function candidatesOf(spans: Spans): Candidate[] {
  if (spans.fieldCount === 0) return spans.candidates;
  const all: Candidate[] = [];
  eachCandidate(spans, (candidate) => all.push(candidate));
  return all;
}

/**
 * Every personal value in `text`, with its structure in view: JSON values and keys, CSV/TSV cells
 * under their column header, `key: value` lines, free text; values the vault already holds; base64
 * and percent-encoded text that decodes to text. A finding never overlaps a placeholder; in JSON and
 * CSV it lies inside one value (a number only whole, and then it is quoted when replaced).
 */
export function findCandidates(text: string, detector: Detector, options: FindOptions = {}): Candidate[] {
  if (options.resolve === false) {
    const found = collect(text, detector, options);
    for (let f = 0; f < found.fieldCount; f++) found.others.push(fieldCandidate(text, found.tokens, found.fields[f]!));
    return found.others;
  }
  return candidatesOf(findSpans(text, detector, options));
}

/** {@link findCandidates}, with untouched field values left as token indices. */
export function findSpans(text: string, detector: Detector, options: FindOptions = {}): Spans {
  const { tokens, others, fields, fieldCount } = collect(text, detector, options);
  return resolveWithFields(others, { text, tokens, candidates: [], fields, fieldCount });
}

interface Collected {
  tokens: TokenList;
  /** Candidates other than field values, filtered, not resolved. */
  others: Candidate[];
  /** Token indices of field values to replace, in text order. */
  fields: Int32Array;
  fieldCount: number;
}

function collect(text: string, detector: Detector, options: FindOptions): Collected {
  const out: Candidate[] = [];
  if (text.length === 0) return { tokens: new TokenList(), others: out, fields: noTokens, fieldCount: 0 };
  const { tokens, regions } = scanStructure(text, detector.fields);
  // Values under a personal key are replaced whole, by one candidate each. Rules need not look
  // inside a JSON string or number that gets one: a finding inside a JSON value lies inside its
  // quotes, so that candidate is the longest there and wins. A value no field candidate stands for
  // (a placeholder, `N/A`), and cells and `key: value` values, whose spans are looser, stay open to
  // every rule.
  let fieldTotal = 0;
  for (let i = 0; i < tokens.length; i++) if (tokens.fieldIds[i] !== 0 && !tokens.isKey(i)) fieldTotal++;
  const fields = fieldTotal === 0 ? noTokens : new Int32Array(fieldTotal);
  let fieldCount = 0;
  const fieldSpans = fieldTotal === 0 ? noTokens : new Int32Array(fieldTotal);
  let covering = 0;
  if (fieldTotal > 0) {
    for (let i = 0; i < tokens.length; i++) {
      if (tokens.fieldIds[i] === 0 || tokens.isKey(i) || !isFieldValue(text, tokens, i)) continue;
      fields[fieldCount++] = i;
      const type = tokens.type(i);
      if (type === stringToken || type === numberToken) fieldSpans[covering++] = i;
    }
  }
  const covered = (start: number, end: number): boolean => {
    // The last field value starting at or before `start`.
    let lo = 0;
    let hi = covering - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (tokens.starts[fieldSpans[mid]!]! <= start) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found !== -1 && end <= tokens.ends[fieldSpans[found]!]!;
  };
  detector.ruleCandidates(text, out, 0, covering > 0 ? covered : undefined);
  // Field pairs in free text, only between the structured regions.
  let cursor = 0;
  for (const [start, end] of [...regions, [text.length, text.length] as [number, number]]) {
    if (start > cursor) detector.textFieldCandidates(cursor === 0 && start === text.length ? text : text.slice(cursor, start), out, cursor);
    cursor = end;
  }
  for (let i = 0; i < tokens.length; i++) {
    if (tokens.type(i) === cellToken && (tokens.fieldIds[i] === 0 || tokens.isKey(i)) && tokens.ends[i]! - tokens.starts[i]! >= 3) {
      // A cell is its own text: a rule's left boundary (no comma before a phone) does not apply.
      const tokenStart = tokens.starts[i]!;
      const cell = cellValue(text.slice(tokenStart, tokens.ends[i]!));
      detector.ruleCandidates(cell.value.includes('""') ? text.slice(tokenStart + cell.from, tokenStart + cell.to) : cell.value, out, tokenStart + cell.from);
    }
  }
  options.known?.scan(text, out, priorities.field - 5);
  encodedCandidates(text, detector, options, out);

  const placeholders = placeholderSpans(text);
  if (placeholders.length > 0) out.sort((a, b) => a.start - b.start);
  let p = 0;
  // Kept candidates are compacted to the front of `out` (no second array as long as `out`).
  let kept = 0;
  for (let i = 0; i < out.length; i++) {
    const candidate = out[i]!;
    if (placeholders.length > 0) {
      while (p < placeholders.length && placeholders[p]![1] <= candidate.start) p++;
      if (p < placeholders.length && placeholders[p]![0] < candidate.end) continue;
    }
    if (regions.length > 0 && inRegion(regions, candidate.start)) {
      const token = tokens.at(candidate.start);
      if (token === -1) continue;
      const tokenStart = tokens.starts[token]!;
      const tokenEnd = tokens.ends[token]!;
      const type = tokens.type(token);
      if (candidate.end > tokenEnd) continue;
      if (type === stringToken && (candidate.start <= tokenStart || candidate.end >= tokenEnd)) continue;
      if (type === numberToken) {
        // A number is personal data only whole, and only an integer unless a field rule says so.
        if (candidate.start !== tokenStart || candidate.end !== tokenEnd) continue;
        if (!candidate.number && !isIntegerLiteral(text, tokenStart, tokenEnd)) continue;
        candidate.quote = true;
      }
    }
    out[kept++] = candidate;
  }
  out.length = kept;
  // Field values lie inside one token and hold no placeholder by construction: no filter needed.
  return { tokens, others: out, fields, fieldCount };
}

/**
 * {@link resolveOverlaps} of `others` and the field values of `spans` together, where the field
 * values are in text order and do not overlap each other (one per token): a field value no other
 * candidate overlaps is a cluster of its own and is kept as it is, so only the others and the field
 * values they touch are resolved; the rest stay token indices. Same result as resolving all.
 */
export function resolveWithFields(others: Candidate[], spans: Spans): Spans {
  const { text, tokens, fields, fieldCount } = spans;
  if (others.length === 0 || fieldCount === 0) return { ...spans, candidates: resolveOverlaps(others) };
  const starts = new Int32Array(fieldCount);
  const ends = new Int32Array(fieldCount);
  for (let f = 0; f < fieldCount; f++) {
    const [start, end] = fieldSpan(text, tokens, fields[f]!);
    starts[f] = start;
    ends[f] = end;
  }
  const touched = new Uint8Array(fieldCount);
  let count = 0;
  for (const other of others) {
    // The first field value ending after `other` starts (their ends grow with their starts).
    let lo = 0;
    let hi = fieldCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! <= other.start) lo = mid + 1;
      else hi = mid;
    }
    for (let f = lo; f < fieldCount && starts[f]! < other.end; f++) {
      if (touched[f] === 0) count++;
      touched[f] = 1;
    }
  }
  if (count === 0) return { ...spans, candidates: resolveOverlaps(others) };
  const untouched = new Int32Array(fieldCount - count);
  let u = 0;
  for (let f = 0; f < fieldCount; f++) {
    if (touched[f] === 1) others.push(fieldCandidate(text, tokens, fields[f]!));
    else untouched[u++] = fields[f]!;
  }
  return { text, tokens, candidates: resolveOverlaps(others), fields: untouched, fieldCount: u };
}
