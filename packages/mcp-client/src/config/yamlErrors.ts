// YAML parsing with line numbers, and errors that name the file, the line and the field. Neither the
// YAML parser nor zod loads until a file is parsed: reading the project's folders stays cheap.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';

// require keeps loading synchronous.
const require = createRequire(import.meta.url);
let yamlModule: typeof Yaml | undefined;
export const yaml = (): typeof Yaml => (yamlModule ??= require('yaml') as typeof Yaml);

export interface ParsedYaml {
  doc: Document;
  lineCounter: LineCounter;
}

/** Parses YAML text into a document with line numbers, for errors that name the line. */
export function parseYaml(text: string): ParsedYaml {
  const { LineCounter: Counter, parseDocument } = yaml();
  const lineCounter = new Counter();
  return { doc: parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true }), lineCounter };
}

export function formatPath(segments: readonly PropertyKey[]): string {
  if (segments.length === 0) return '(top level)';
  return segments
    .map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`))
    .join('');
}

/** `:line` of the node at `segments` in the YAML document, or of its nearest existing parent. */
export function locate(doc: Document, lineCounter: LineCounter, segments: readonly PropertyKey[]): string {
  for (let depth = segments.length; depth >= 0; depth--) {
    const node = doc.getIn(segments.slice(0, depth) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
    if (node && (yaml().isScalar(node) || yaml().isMap(node) || 'range' in node) && node.range) {
      return `:${lineCounter.linePos(node.range[0]).line}`;
    }
  }
  return '';
}

function keyLine(doc: Document, lineCounter: LineCounter, parent: readonly PropertyKey[], key: string): string {
  const node = parent.length === 0 ? doc.contents : doc.getIn(parent as (string | number)[], true);
  const { isMap, isScalar } = yaml();
  if (isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
    const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
    if (range) return `:${lineCounter.linePos(range[0]).line}`;
  }
  return locate(doc, lineCounter, parent);
}

/** One line per zod issue, each naming the file, its line and the field, under a one-line summary. */
export function formatConfigIssues(
  file: string,
  doc: Document,
  lineCounter: LineCounter,
  issues: readonly z.core.$ZodIssue[],
  options: { what: string; keysDoc: string },
): string {
  const lines = issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map(
        (key) =>
          `  ${file}${keyLine(doc, lineCounter, issue.path, key)}: unknown field "${formatPath([...issue.path, key])}". ` +
          `Remove it or fix its spelling (see ${options.keysDoc} for the keys).`,
      );
    }
    const field = formatPath(issue.path);
    return [`  ${file}${locate(doc, lineCounter, issue.path)}: field "${field}": ${describeIssue(issue)}`];
  });
  return `${file}: invalid ${options.what} (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union' && issue.path.at(-1) === 'transport') {
    return 'expected transport.type to be one of "stdio" (with command), "http" or "sse" (with url)';
  }
  if (issue.code === 'invalid_union') return 'expected "type" to be one of "stdio", "http", "sse"';
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return `is required (expected ${issue.expected})`;
    // `typeof` says "object" for a list and for null: "expected object, got object" told nothing.
    const got = Array.isArray(issue.input) ? 'array' : issue.input === null ? 'null' : typeof issue.input;
    return `expected ${issue.expected}, got ${got}`;
  }
  return issue.message;
}
