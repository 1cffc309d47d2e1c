import type { Detector } from './detect/detector.ts';
import type { FieldRule } from './detect/fields.ts';
import { type Spans, asText, eachCandidate, findSpans, hasPlaceholder, normalizeValue } from './detect/find.ts';
import { KnownValues } from './detect/known.ts';
import { type ThreadSpans, findOffThread, offThreadMinChars } from './detect/offThread.ts';
import { type Candidate, encodeAs } from './detect/rules.ts';
import type { PiiVault } from './vault/vault.ts';

/**
 * Texts longer than this are not masked but withheld whole (a bound on the cost of one call).
 * @default 64 MiB of UTF-16 code units
 */
export const defaultMaxMaskChars = 64 * 1024 * 1024;

/** What tokenizing needs: the detector for the origin server, the workspace vault, the origin. */
export interface TokenizeOptions {
  detector: Detector;
  vault: PiiVault;
  /** The server the data came from. */
  server: string;
  /**
   * Record `server` as the origin of the values it returned (its YAML's `pii.source`). A server that
   * only echoes what it was sent is no origin: its values get placeholders, but cannot flow back.
   * @default true
   */
  source?: boolean;
  /**
   * Also replace raw values the vault already holds wherever they appear.
   * @default true
   */
  knownValues?: boolean;
  /** @default defaultMaxMaskChars */
  maxChars?: number;
  /** Spans already found for long texts on the detection thread ({@link tokenizeToolResultAsync}). */
  found?: ReadonlyMap<string, ThreadSpans>;
}

/** One value replaced by a placeholder. `start`/`end` are offsets in the original text. */
export interface TokenizedFinding {
  kind: string;
  placeholder: string;
  start: number;
  end: number;
  /** The rule that found it (`vault` for a value the vault already held, `encoded` inside base64 or percent-encoding). */
  rule: string;
}

/** A value replaced inside structured data; `path` leads to the string or number it was in. */
export interface TokenizedValueFinding {
  kind: string;
  placeholder: string;
  path: (string | number)[];
}

const knownCache = new WeakMap<PiiVault, KnownValues>();

/** The known-value matcher of a vault (built lazily, kept up to date as the vault grows). */
export function knownValuesOf(vault: PiiVault): KnownValues {
  let known = knownCache.get(vault);
  if (!known) {
    known = new KnownValues(vault);
    knownCache.set(vault, known);
  }
  return known;
}

/**
 * Finds and resolves what to replace in `text` (detector findings plus known vault values). Field
 * values are built as {@link replaceSpans} reaches them (see {@link Spans}).
 */
export function findInText(text: string, detector: Detector, vault: PiiVault | undefined, useKnown = true): Spans {
  return findSpans(text, detector, vault && useKnown && vault.size > 0 ? { known: knownValuesOf(vault) } : {});
}

/** The text that stands for a text over the size limit. */
export function withheldText(length: number, maxChars: number): string {
  return `[withheld by MAGSAG: ${length} characters, over the PII masking limit of ${maxChars}; ask the tool for less]`;
}

/** Receives each replaced span (offsets in the original text) from {@link replaceSpans}. */
export type OnReplaced = (kind: string, placeholder: string, start: number, end: number, rule: string) => void;

const partsPerChunk = 2048;

/**
 * Replaces resolved candidates by their placeholders (creating vault entries as needed) and returns
 * the new text; `onReplaced`, when given, hears of each replacement. No finding objects are built
 * when nobody needs them (the model view only needs the text). `placeholderOf` must not keep the
 * candidate it is given: field values of {@link Spans} share one object.
 */
export function replaceSpans(text: string, candidates: readonly Candidate[] | Spans, placeholderOf: (candidate: Candidate) => string, onReplaced?: OnReplaced): string {
  const list = 'fieldCount' in candidates ? candidates : undefined;
  if (list ? list.candidates.length === 0 && list.fieldCount === 0 : (candidates as readonly Candidate[]).length === 0) return text;
  // Joined every few thousand parts: one array of every part of a large document outlives the young
  // generation, and each new string stored in it is then an old-to-young reference the collector
  // must track (building the output of 13 MB of CRM JSON took 30% less time).
  const chunks: string[] = [];
  const parts: string[] = [];
  let cursor = 0;
  const replace = (candidate: Candidate): void => {
    if (parts.length >= partsPerChunk) {
      chunks.push(parts.join(''));
      parts.length = 0;
    }
    parts.push(text.slice(cursor, candidate.start));
    cursor = candidate.end;
    if (candidate.inner) {
      const { start, end } = candidate;
      const inner = replaceSpans(candidate.inner.text, candidate.inner.candidates, placeholderOf, onReplaced && ((kind, placeholder) => onReplaced(kind, placeholder, start, end, 'encoded')));
      parts.push(encodeAs(candidate.inner.encoding, inner));
      return;
    }
    const placeholder = placeholderOf(candidate);
    parts.push(candidate.quote ? `"${placeholder}"` : placeholder);
    onReplaced?.(candidate.kind, placeholder, candidate.start, candidate.end, candidate.rule);
  };
  // `replace` and `placeholderOf` read a candidate during the call only: field values share one object.
  if (list) eachCandidate(list, replace, true);
  else for (const candidate of candidates as readonly Candidate[]) replace(candidate);
  parts.push(text.slice(cursor));
  if (chunks.length === 0) return parts.join('');
  chunks.push(parts.join(''));
  return chunks.join('');
}

/** Replaces resolved candidates by their placeholders, creating vault entries as needed. */
export function replaceCandidates(
  text: string,
  candidates: readonly Candidate[] | Spans,
  placeholderOf: (candidate: Candidate) => string,
): { text: string; findings: TokenizedFinding[] } {
  const findings: TokenizedFinding[] = [];
  const masked = replaceSpans(text, candidates, placeholderOf, (kind, placeholder, start, end, rule) => findings.push({ kind, placeholder, start, end, rule }));
  return { text: masked, findings };
}

function numberValue(candidate: Candidate): string | number {
  if (!candidate.number) return candidate.value;
  const n = Number(candidate.value);
  return Number.isFinite(n) && String(n) === candidate.value ? n : candidate.value;
}

/** Replaces every personal value in `text` by its placeholder (`[EMAIL_1]`). */
export function tokenizeText(text: string, options: TokenizeOptions): { text: string; findings: TokenizedFinding[] } {
  const { detector, vault, server } = options;
  const maxChars = options.maxChars ?? defaultMaxMaskChars;
  if (text.length > maxChars) return { text: withheldText(text.length, maxChars), findings: [{ kind: 'WITHHELD', placeholder: '', start: 0, end: text.length, rule: 'limit' }] };
  const origin = options.source === false ? undefined : server;
  // Found on the detection thread, unless the vault gained values since (they were not searched for).
  const found = options.found?.get(text);
  const candidates = found !== undefined && found.vaultSize === vault.size ? found.spans : findInText(text, detector, vault, options.knownValues !== false);
  return replaceCandidates(text, candidates, (candidate) => {
    if (candidate.rule === 'vault') {
      if (origin !== undefined) vault.addOrigin(candidate.normalized!, origin);
      return candidate.normalized!;
    }
    return vault.tokenize({ kind: candidate.kind, value: numberValue(candidate), normalized: candidate.normalized, ...(origin === undefined ? {} : { server: origin }) });
  });
}

/**
 * Walks JSON-like data: keys and values are tokenized alike. A value under a field rule's key (a
 * string, a number, or everything inside an object or array) is replaced whole; a placeholder never
 * is. One pass: the key path is a stack, copied only into a finding.
 */
export function tokenizeValue(value: unknown, options: TokenizeOptions, path: (string | number)[] = []): { value: unknown; findings: TokenizedValueFinding[] } {
  const findings: TokenizedValueFinding[] = [];
  const keys = path.filter((segment): segment is string => typeof segment === 'string').map((key) => options.detector.fields.normalize(key));
  const result = walk(value, [...path], keys, undefined, options, findings);
  return { value: result, findings };
}

function tokenizeField(value: string | number, field: FieldRule, options: TokenizeOptions): string | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
  if (typeof value === 'string' && (value.trim().length === 0 || hasPlaceholder(value))) return undefined;
  if (field.validate && !field.validate(String(value))) return undefined;
  const normalized = typeof value === 'string' ? normalizeValue(field.kind, value) : undefined;
  return options.vault.tokenize({ kind: field.kind, value, ...(normalized === undefined ? {} : { normalized }), ...(options.source === false ? {} : { server: options.server }) });
}

function walk(value: unknown, path: (string | number)[], keys: string[], field: FieldRule | undefined, options: TokenizeOptions, findings: TokenizedValueFinding[]): unknown {
  if (typeof value === 'string' || typeof value === 'number') {
    const placeholder = field ? tokenizeField(value, field, options) : undefined;
    if (placeholder !== undefined) {
      findings.push({ kind: field!.kind, placeholder, path: [...path] });
      return placeholder;
    }
    if (typeof value === 'number' || value.length === 0) return value;
    const { text, findings: found } = tokenizeText(value, options);
    for (const finding of found) findings.push({ kind: finding.kind, placeholder: finding.placeholder, path: [...path] });
    return text;
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => {
      path.push(i);
      const out = walk(item, path, keys, field, options, findings);
      path.pop();
      return out;
    });
  }
  if (value !== null && typeof value === 'object') {
    // A rule for values only (`FieldRule.scalar`) leaves an object to its own keys' rules.
    if (field?.scalar === true) field = undefined;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      path.push(key);
      keys.push(options.detector.fields.normalize(key));
      // Keys are data too (`{ "alice@example.com": true }`).
      const masked = key.length >= 3 ? tokenizeText(key, options) : { text: key, findings: [] };
      for (const finding of masked.findings) findings.push({ kind: finding.kind, placeholder: finding.placeholder, path: [...path] });
      out[masked.text] = walk(child, path, keys, field ?? options.detector.fields.matchNormalized(keys), options, findings);
      keys.pop();
      path.pop();
    }
    return out;
  }
  return value;
}

/** A tool result as MCP returns it (content blocks, optional structured content). */
export interface PiiToolResult {
  content: unknown[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  [key: string]: unknown;
}

/** Options for {@link tokenizeToolResult}. */
export interface ToolResultOptions extends TokenizeOptions {
  /**
   * Binary blobs (images, audio, binary resources) the PII layer cannot read: `withhold` replaces
   * them with a text block saying so; `allow` passes them (the server's `pii.blobs`). Blobs that
   * decode to text are always decoded, tokenized and encoded again.
   * @default 'withhold'
   */
  blobs?: 'withhold' | 'allow';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The text block that stands for a binary blob that was withheld. */
export function withheldBlob(what: string, mimeType: unknown, bytes: number, server: string): { type: 'text'; text: string } {
  const mime = typeof mimeType === 'string' ? `${mimeType}, ` : '';
  return {
    type: 'text',
    text: `[${what} withheld by MAGSAG: ${mime}${bytes} bytes of binary data that cannot be checked for personal data. If this server's binary content may reach the sandbox, set \`pii: { blobs: allow }\` in the YAML of ${server}.]`,
  };
}

type BlobOutcome = { data: string; findings: TokenizedFinding[] } | { withheld: number } | undefined;

function tokenizeBlob(data: string, options: ToolResultOptions): BlobOutcome {
  const bytes = Buffer.from(data, 'base64');
  const text = asText(bytes);
  if (text !== undefined) {
    const { text: masked, findings } = tokenizeText(text, options);
    return findings.length === 0 ? undefined : { data: Buffer.from(masked, 'utf8').toString('base64'), findings };
  }
  return options.blobs === 'allow' ? undefined : { withheld: bytes.length };
}

/** Replaces, at any depth, objects holding a base64 `data` or `blob` with a `mimeType` the way content blocks are. */
function blobsIn(value: unknown, options: ToolResultOptions, findings: TokenizedValueFinding[], path: (string | number)[]): unknown {
  if (Array.isArray(value)) return value.map((item, i) => blobsIn(item, options, findings, [...path, i]));
  if (!isRecord(value)) return value;
  const key = typeof value['mimeType'] === 'string' ? (typeof value['data'] === 'string' ? 'data' : typeof value['blob'] === 'string' ? 'blob' : undefined) : undefined;
  if (key !== undefined) {
    const outcome = tokenizeBlob(value[key] as string, options);
    if (outcome && 'withheld' in outcome) {
      findings.push({ kind: 'BLOB', placeholder: '', path });
      return withheldBlob(typeof value['type'] === 'string' ? `${value['type']} content` : 'content', value['mimeType'], outcome.withheld, options.server);
    }
    if (outcome) {
      for (const f of outcome.findings) findings.push({ kind: f.kind, placeholder: f.placeholder, path: [...path, key] });
      return { ...value, [key]: outcome.data };
    }
    return value;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, blobsIn(v, options, findings, [...path, k])]));
}

/**
 * Tokenizes a tool result: every string of every content block (text, resource text, links' names
 * and URIs, keys too), blobs (decoded and tokenized when they are text, withheld when binary unless
 * `blobs: allow`), and `structuredContent`, keys and values.
 */
export function tokenizeToolResult<R extends PiiToolResult>(result: R, options: ToolResultOptions): { result: R; findings: TokenizedValueFinding[] } {
  const findings: TokenizedValueFinding[] = [];
  const content = result.content.map((block, i) => {
    if (!isRecord(block)) return block;
    const type = block['type'];
    const resource = isRecord(block['resource']) ? block['resource'] : undefined;
    // The base64 payload: `data` of images and audio, `blob` of an embedded resource.
    const blobHolder = typeof block['data'] === 'string' ? block : typeof resource?.['blob'] === 'string' ? resource : undefined;
    const blobKey = blobHolder === block ? 'data' : 'blob';
    let blob: { data: string; findings: TokenizedFinding[] } | undefined;
    if (blobHolder) {
      const outcome = tokenizeBlob(blobHolder[blobKey] as string, options);
      if (outcome && 'withheld' in outcome) {
        findings.push({ kind: 'BLOB', placeholder: '', path: ['content', i] });
        return withheldBlob(typeof type === 'string' ? `${type} content` : 'content', blobHolder['mimeType'], outcome.withheld, options.server);
      }
      blob = outcome;
      if (blob) for (const f of blob.findings) findings.push({ kind: f.kind, placeholder: f.placeholder, path: ['content', i, ...(blobHolder === block ? [] : ['resource']), blobKey] });
    }
    // Every other string: text, resource text, uri, name, title, description, _meta...
    const { type: _type, ...rest } = block;
    if (blobHolder === block) delete rest['data'];
    if (blobHolder === resource && resource) rest['resource'] = Object.fromEntries(Object.entries(resource).filter(([key]) => key !== 'blob' && key !== 'mimeType'));
    const walked = tokenizeValue(rest, options, ['content', i]);
    for (const finding of walked.findings) findings.push(finding);
    if (walked.findings.length === 0 && !blob) return block;
    const next: Record<string, unknown> = { type, ...(walked.value as Record<string, unknown>) };
    if (blobHolder === block) next['data'] = blob ? blob.data : block['data'];
    if (resource) {
      next['resource'] = { ...(next['resource'] as Record<string, unknown>), ...(typeof resource['mimeType'] === 'string' ? { mimeType: resource['mimeType'] } : {}) };
      if (blobHolder === resource) (next['resource'] as Record<string, unknown>)['blob'] = blob ? blob.data : resource['blob'];
    }
    if (typeof block['mimeType'] === 'string') next['mimeType'] = block['mimeType'];
    return next;
  });
  const next: R = { ...result, content };
  if (result.structuredContent !== undefined) {
    // Blobs inside structured content too (the filesystem's read_media_file repeats its blocks there).
    const structured = blobsIn(result.structuredContent, options, findings, ['structuredContent']);
    const walked = tokenizeValue(structured, options, ['structuredContent']);
    next.structuredContent = walked.value as Record<string, unknown>;
    for (const finding of walked.findings) findings.push(finding);
  }
  return { result: next, findings };
}

/** Every string of `value` (keys too, and blobs decoded to text) at least `min` characters long. */
function longTexts(value: unknown, min: number, out: Set<string>): void {
  if (typeof value === 'string') {
    if (value.length >= min) out.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) longTexts(item, min, out);
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (key.length >= min) out.add(key);
    // A base64 payload is tokenized as the text it decodes to.
    if ((key === 'data' || key === 'blob') && typeof child === 'string' && typeof value['mimeType'] === 'string') {
      if (child.length >= min) {
        const text = asText(Buffer.from(child, 'base64'));
        if (text !== undefined) out.add(text);
      }
      continue;
    }
    longTexts(child, min, out);
  }
}

/**
 * {@link tokenizeToolResult} with detection in long texts done on the detection thread (see
 * `offThreadMinChars`), so that a large result does not hold the calling thread for the whole scan;
 * placeholders are still assigned here, in order, in the one vault.
 */
export async function tokenizeToolResultAsync<R extends PiiToolResult>(result: R, options: ToolResultOptions): Promise<{ result: R; findings: TokenizedValueFinding[] }> {
  const texts = new Set<string>();
  longTexts(result, offThreadMinChars, texts);
  const maxChars = options.maxChars ?? defaultMaxMaskChars;
  const found = new Map<string, ThreadSpans>();
  for (const text of texts) {
    if (text.length > maxChars) continue;
    const spans = await findOffThread(text, options.detector, options.vault, options.knownValues !== false);
    if (spans) found.set(text, spans);
  }
  return tokenizeToolResult(result, found.size === 0 ? options : { ...options, found });
}
