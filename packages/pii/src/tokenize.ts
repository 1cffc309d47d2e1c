import type { Detector } from './detect/detector.ts';
import type { FieldRule } from './detect/fields.ts';
import { KnownValues } from './detect/known.ts';
import { type Candidate, priorities } from './detect/rules.ts';
import { resolveOverlaps } from './detect/detector.ts';
import type { PiiVault } from './vault/vault.ts';

/** What tokenizing needs: the detector for the origin server, the workspace vault, the origin. */
export interface TokenizeOptions {
  detector: Detector;
  vault: PiiVault;
  /** The server the data came from (recorded in the vault as the value's origin). */
  server: string;
  /**
   * Also replace raw values the vault already holds wherever they appear.
   * @default true
   */
  knownValues?: boolean;
}

/** One value replaced by a placeholder. `start`/`end` are offsets in the original text. */
export interface TokenizedFinding {
  kind: string;
  placeholder: string;
  start: number;
  end: number;
  /** The rule that found it (`vault` for a value the vault already held). */
  rule: string;
}

/** A value replaced inside structured data; `path` leads to the string or number it was in. */
export interface TokenizedValueFinding {
  kind: string;
  placeholder: string;
  path: (string | number)[];
}

const knownCache = new WeakMap<PiiVault, WeakMap<Detector, KnownValues>>();

function knownValues(vault: PiiVault, detector: Detector): KnownValues {
  let byDetector = knownCache.get(vault);
  if (!byDetector) {
    byDetector = new WeakMap();
    knownCache.set(vault, byDetector);
  }
  let known = byDetector.get(detector);
  if (!known) {
    // A value the detector finds whole by itself (an email, a phone) need not be searched for.
    known = new KnownValues(vault, (kind, value) => detector.detect(value).some((f) => f.kind === kind && f.start === 0 && f.end === value.length));
    byDetector.set(detector, known);
  }
  return known;
}

/** Finds and resolves what to replace in `text` (detector findings plus known vault values). */
export function findInText(text: string, detector: Detector, vault: PiiVault | undefined, useKnown = true): Candidate[] {
  const candidates = detector.candidates(text);
  if (vault && useKnown && vault.size > 0) knownValues(vault, detector).scan(text, candidates, priorities.field - 5);
  return resolveOverlaps(candidates);
}

/** Replaces resolved candidates by their placeholders, creating vault entries as needed. */
export function replaceCandidates(
  text: string,
  candidates: readonly Candidate[],
  placeholderOf: (candidate: Candidate) => string,
): { text: string; findings: TokenizedFinding[] } {
  if (candidates.length === 0) return { text, findings: [] };
  const parts: string[] = [];
  const findings: TokenizedFinding[] = [];
  let cursor = 0;
  for (const candidate of candidates) {
    const placeholder = placeholderOf(candidate);
    parts.push(text.slice(cursor, candidate.start), placeholder);
    cursor = candidate.end;
    findings.push({ kind: candidate.kind, placeholder, start: candidate.start, end: candidate.end, rule: candidate.rule });
  }
  parts.push(text.slice(cursor));
  return { text: parts.join(''), findings };
}

/** Replaces every personal value in `text` by its placeholder (`[EMAIL_1]`). */
export function tokenizeText(text: string, options: TokenizeOptions): { text: string; findings: TokenizedFinding[] } {
  const { detector, vault, server } = options;
  const candidates = findInText(text, detector, vault, options.knownValues !== false);
  return replaceCandidates(text, candidates, (candidate) => {
    if (candidate.rule === 'vault') {
      vault.addOrigin(candidate.normalized!, server);
      return candidate.normalized!;
    }
    return vault.tokenize({ kind: candidate.kind, value: candidate.value, normalized: candidate.normalized, server });
  });
}

/**
 * Walks JSON-like data: keys stay, values are tokenized. A value under a field rule's key (a
 * string, a number, or everything inside an object or array) is replaced whole.
 */
export function tokenizeValue(value: unknown, options: TokenizeOptions, path: (string | number)[] = []): { value: unknown; findings: TokenizedValueFinding[] } {
  const findings: TokenizedValueFinding[] = [];
  const result = walk(value, path, undefined, options, findings);
  return { value: result, findings };
}

function walk(value: unknown, path: (string | number)[], field: FieldRule | undefined, options: TokenizeOptions, findings: TokenizedValueFinding[]): unknown {
  if (typeof value === 'string') {
    if (value.length === 0) return value;
    if (field && (!field.validate || field.validate(value))) {
      const placeholder = options.vault.tokenize({ kind: field.kind, value, server: options.server });
      findings.push({ kind: field.kind, placeholder, path });
      return placeholder;
    }
    const { text, findings: found } = tokenizeText(value, options);
    for (const finding of found) findings.push({ kind: finding.kind, placeholder: finding.placeholder, path });
    return text;
  }
  if (typeof value === 'number') {
    if (field && Number.isFinite(value)) {
      const placeholder = options.vault.tokenize({ kind: field.kind, value, server: options.server });
      findings.push({ kind: field.kind, placeholder, path });
      return placeholder;
    }
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => walk(item, [...path, i], field, options, findings));
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const childPath = [...path, key];
      out[key] = walk(child, childPath, field ?? options.detector.fields.match(childPath), options, findings);
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Tokenizes a tool result: `text` blocks, embedded `resource` text, and `structuredContent`.
 * Other blocks (images, audio, links) pass unchanged.
 */
export function tokenizeToolResult<R extends PiiToolResult>(result: R, options: TokenizeOptions): { result: R; findings: TokenizedValueFinding[] } {
  const findings: TokenizedValueFinding[] = [];
  const content = result.content.map((block, i) => {
    if (!isRecord(block)) return block;
    if (block['type'] === 'text' && typeof block['text'] === 'string') {
      const { text, findings: found } = tokenizeText(block['text'], options);
      for (const f of found) findings.push({ kind: f.kind, placeholder: f.placeholder, path: ['content', i, 'text'] });
      return text === block['text'] ? block : { ...block, text };
    }
    if (block['type'] === 'resource' && isRecord(block['resource']) && typeof block['resource']['text'] === 'string') {
      const resource = block['resource'];
      const { text, findings: found } = tokenizeText(resource['text'] as string, options);
      for (const f of found) findings.push({ kind: f.kind, placeholder: f.placeholder, path: ['content', i, 'resource', 'text'] });
      return text === resource['text'] ? block : { ...block, resource: { ...resource, text } };
    }
    return block;
  });
  const next: R = { ...result, content };
  if (result.structuredContent !== undefined) {
    const walked = tokenizeValue(result.structuredContent, options, ['structuredContent']);
    next.structuredContent = walked.value as Record<string, unknown>;
    findings.push(...walked.findings);
  }
  return { result: next, findings };
}
