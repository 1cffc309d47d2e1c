import MiniSearch from 'minisearch';
import type { CatalogTool } from './catalog.ts';

/** How much `tools search` returns per hit. */
export type SearchDetail = 'name' | 'summary' | 'full';

/** One tool hit: the JSON shape of `magsag tools search --json`. */
export interface ToolHit {
  kind: 'tool';
  server: string;
  tool: string;
  function: string;
  summary?: string;
  /**
   * The tool's approval policy, so that code calling an `approve` tool can expect to wait for a
   * person, or a denial: with detail `full` always, with `summary` only when it is not `allow` (most
   * tools are; ten hits of `"policy":"allow"` cost a model 50 tokens to learn nothing).
   */
  policy?: 'allow' | 'approve' | 'block';
  signature?: string;
  /** With detail `full`: every parameter, with its description when the server gave one (types are in `signature`). */
  parameters?: { name: string; description?: string }[];
  score: number;
}

/** One skill hit: run it with `run_skill` (or `magsag run <name>`). */
export interface SkillHit {
  kind: 'skill';
  name: string;
  summary?: string;
  /** With detail `full`: the skill's input schema (SKILL.md `inputs`). */
  inputs?: unknown;
  score: number;
}

/** One hit of {@link searchTools}: a tool or a skill. */
export type SearchHit = ToolHit | SkillHit;

/** A skill as search sees it. */
export interface SearchableSkill {
  name: string;
  description: string;
  /** Its input schema; property names are searched. */
  inputs: unknown;
  /** The servers it uses: `server` filters skills by them. */
  servers: readonly string[];
}

/** Options for {@link searchTools}. */
export interface SearchOptions {
  /** Only this server's tools (and the skills that use it). */
  server?: string;
  /** Skills to rank next to the tools. @default [] */
  skills?: readonly SearchableSkill[];
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

interface Entry {
  id: number;
  name: string;
  description: string;
  params: string;
}

function buildIndex(entries: Entry[]): MiniSearch<Entry> {
  // BM25+ over the names, the description and the parameter names.
  const index = new MiniSearch<Entry>({
    fields: ['name', 'description', 'params'],
    storeFields: [],
    tokenize: words,
    processTerm: (term) => fold(term.toLowerCase()),
    searchOptions: { boost: { name: 3, params: 1.5, description: 1 }, prefix: (term) => term.length >= 3, fuzzy: (term) => (term.length >= 5 ? 0.2 : false) },
  });
  index.addAll(entries);
  return index;
}

const propertyNames = (schema: unknown): string =>
  Object.keys(((schema as { properties?: unknown } | null)?.properties ?? {}) as Record<string, unknown>).join(' ');

// One index over the tools and the skills, so that their BM25 scores are comparable (two indexes
// weigh each term by their own corpus: a skill's words, rare among six skills, outscored tools).
// Kept per catalog, rebuilt when the skills change (they are re-read on every search).
const indexes = new WeakMap<readonly CatalogTool[], { skillsKey: string; index: MiniSearch<Entry> }>();

function indexFor(catalog: readonly CatalogTool[], skills: readonly SearchableSkill[]): MiniSearch<Entry> {
  const skillsKey = skills.map((skill) => `${skill.name}\u0000${skill.description}\u0000${propertyNames(skill.inputs)}`).join('\u0001');
  const held = indexes.get(catalog);
  if (held && held.skillsKey === skillsKey) return held.index;
  const index = buildIndex([
    ...catalog.map((entry, id) => ({ id, name: `${entry.tool} ${entry.function} ${entry.server}`, description: entry.description, params: entry.parameters.map((p) => p.name).join(' ') })),
    ...skills.map((skill, i) => ({ id: catalog.length + i, name: `${skill.name} skill`, description: skill.description, params: propertyNames(skill.inputs) })),
  ]);
  indexes.set(catalog, { skillsKey, index });
  return index;
}

/** The first sentence of a description, as a one-line summary. */
function firstSentence(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  const end = line.search(/[.!?](\s|$)/);
  return end < 0 ? line : line.slice(0, end + 1);
}

/**
 * Ranks the catalog's tools, and the skills when given, for `query` without starting any server:
 * exact name matches first, then names that start with the query, then BM25+ relevance over
 * names, descriptions and parameter names. Each hit says its `kind`.
 */
export function searchTools(catalog: readonly CatalogTool[], query: string, options: SearchOptions = {}): SearchHit[] {
  const detail = options.detail ?? 'summary';
  const limit = options.limit ?? 10;
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const skills = options.skills ?? [];
  const compact = q.replace(/[^a-z0-9]/g, '');
  const tier = (names: string[]): number => {
    if (names.includes(q) || names.some((n) => n.replace(/[^a-z0-9]/g, '') === compact)) return 2;
    if (names.some((n) => n.startsWith(q) || n.replace(/[^a-z0-9]/g, '').startsWith(compact))) return 1;
    return 0;
  };
  const n = catalog.length;
  const server = options.server;
  const hits = indexFor(catalog, skills)
    .search(query, server ? { filter: (r) => ((r.id as number) < n ? catalog[r.id as number]!.server === server : skills[(r.id as number) - n]!.servers.includes(server)) } : {})
    .map((r) => {
      const id = r.id as number;
      if (id < n) {
        const entry = catalog[id]!;
        return { group: entry.server, key: entry.tool, tier: tier([entry.tool.toLowerCase(), entry.function.toLowerCase()]), score: r.score, tool: entry, skill: undefined };
      }
      const skill = skills[id - n]!;
      return { group: skill.name, key: '', tier: tier([skill.name]), score: r.score, tool: undefined, skill };
    });
  return hits
    .sort((a, b) => b.tier - a.tier || b.score - a.score || a.group.localeCompare(b.group) || a.key.localeCompare(b.key))
    .slice(0, limit)
    .map(({ tool, skill, score }): SearchHit => {
      const rounded = Math.round(score * 1000) / 1000;
      if (skill) {
        return {
          kind: 'skill',
          name: skill.name,
          ...(detail === 'name' ? {} : { summary: firstSentence(skill.description) }),
          ...(detail === 'full' ? { inputs: skill.inputs } : {}),
          score: rounded,
        };
      }
      const entry = tool!;
      return {
        kind: 'tool',
        server: entry.server,
        tool: entry.tool,
        function: entry.function,
        ...(detail === 'name' ? {} : { summary: entry.summary }),
        // A catalog generated before approvals has no policy: nothing is claimed.
        ...(entry.policy && (detail === 'full' || (detail === 'summary' && entry.policy !== 'allow')) ? { policy: entry.policy } : {}),
        ...(detail === 'full'
          ? {
              signature: entry.signature,
              // Types and optionality are in the signature; this adds what each parameter means.
              parameters: entry.parameters.map((p) => ({ name: p.name, ...(p.description ? { description: p.description } : {}) })),
            }
          : {}),
        score: rounded,
      };
    });
}
