import MiniSearch from 'minisearch';
import type { CatalogTool } from './catalog.ts';

/** How much `tools search` returns per hit. */
export type SearchDetail = 'name' | 'summary' | 'full';

/** One hit: the JSON shape of `magsag tools search --json`. */
export interface SearchHit {
  server: string;
  tool: string;
  function: string;
  summary?: string;
  signature?: string;
  /** With detail `full`: every parameter, with its description when the server gave one (types are in `signature`). */
  parameters?: { name: string; description?: string }[];
  score: number;
}

/** Options for {@link searchTools}. */
export interface SearchOptions {
  /** Only this server's tools. */
  server?: string;
  /** @default 'summary' */
  detail?: SearchDetail;
  /** @default 10 */
  limit?: number;
}

/** Splits identifiers and prose into lowercase words: `getIssue`, `get-issue`, `API-post-search`. */
function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1);
}

/** A light plural fold so "issue" finds list_issues and "files" finds read_file. */
function fold(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

const indexes = new WeakMap<readonly CatalogTool[], MiniSearch<CatalogTool & { id: number; name: string; params: string }>>();

function indexFor(catalog: readonly CatalogTool[]): MiniSearch<CatalogTool & { id: number; name: string; params: string }> {
  let index = indexes.get(catalog);
  if (!index) {
    // BM25+ over the tool's names, its description and its parameter names.
    index = new MiniSearch({
      fields: ['name', 'description', 'params'],
      storeFields: [],
      tokenize: words,
      processTerm: (term) => fold(term.toLowerCase()),
      searchOptions: { boost: { name: 3, params: 1.5, description: 1 }, prefix: (term) => term.length >= 3, fuzzy: (term) => (term.length >= 5 ? 0.2 : false) },
    });
    index.addAll(
      catalog.map((entry, id) => ({
        ...entry,
        id,
        name: `${entry.tool} ${entry.function} ${entry.server}`,
        params: entry.parameters.map((p) => p.name).join(' '),
      })),
    );
    indexes.set(catalog, index);
  }
  return index;
}

/**
 * Ranks the catalog's tools for `query` without starting any server: exact name matches first,
 * then names that start with the query, then BM25+ relevance over names, descriptions and
 * parameter names.
 */
export function searchTools(catalog: readonly CatalogTool[], query: string, options: SearchOptions = {}): SearchHit[] {
  const detail = options.detail ?? 'summary';
  const limit = options.limit ?? 10;
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const results = indexFor(catalog).search(query, options.server ? { filter: (r) => catalog[r.id as number]!.server === options.server } : {});
  const compact = q.replace(/[^a-z0-9]/g, '');
  const tier = (entry: CatalogTool): number => {
    const names = [entry.tool.toLowerCase(), entry.function.toLowerCase()];
    if (names.includes(q) || names.some((n) => n.replace(/[^a-z0-9]/g, '') === compact)) return 2;
    if (names.some((n) => n.startsWith(q) || n.replace(/[^a-z0-9]/g, '').startsWith(compact))) return 1;
    return 0;
  };
  return results
    .map((r) => ({ entry: catalog[r.id as number]!, score: r.score }))
    .map((hit) => ({ ...hit, tier: tier(hit.entry) }))
    .sort((a, b) => b.tier - a.tier || b.score - a.score || a.entry.server.localeCompare(b.entry.server) || a.entry.tool.localeCompare(b.entry.tool))
    .slice(0, limit)
    .map(({ entry, score }) => ({
      server: entry.server,
      tool: entry.tool,
      function: entry.function,
      ...(detail === 'name' ? {} : { summary: entry.summary }),
      ...(detail === 'full'
        ? {
            signature: entry.signature,
            // Types and optionality are in the signature; this adds what each parameter means.
            parameters: entry.parameters.map((p) => ({ name: p.name, ...(p.description ? { description: p.description } : {}) })),
          }
        : {}),
      score: Math.round(score * 1000) / 1000,
    }));
}
