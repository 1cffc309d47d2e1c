import { apiGetBlockChildren } from '../../servers/notion/apiGetBlockChildren.ts';
import { apiPostSearch } from '../../servers/notion/apiPostSearch.ts';
import { apiRetrieveAPage } from '../../servers/notion/apiRetrieveAPage.ts';

export interface Input {
  /** Finds the page by title (Notion search). Give this or `pageId`. */
  query?: string;
  /** The page's id (with or without dashes) or its URL. */
  pageId?: string;
  /** Words to look for in the page's text; default: the words of `query`. */
  terms?: string;
  /** How deep nested blocks are walked (1 = the page's own blocks). */
  maxDepth?: number;
  /** At most this many passages are returned. */
  maxMatches?: number;
  /** Each passage is cut to this many characters. */
  maxChars?: number;
}

export interface Match {
  /** The headings above the passage, outermost first. */
  path: string[];
  text: string;
}

export interface Output {
  id: string;
  title: string;
  url?: string;
  outline: string[];
  matches: Match[];
  subpages: { id: string; title: string }[];
  stats: { blocks: number; totalMatches: number; notFollowed: number };
  alsoFound?: string[];
}

interface RichText {
  plain_text: string;
}

interface Block {
  id: string;
  type: string;
  has_children: boolean;
  [key: string]: unknown;
}

interface Page {
  id: string;
  url?: string;
  properties: Record<string, { type: string; title?: RichText[] }>;
}

interface List<T> {
  results: T[];
  next_cursor: string | null;
  has_more: boolean;
}

interface TreeNode {
  block: Block;
  children: TreeNode[];
}

const stopWords = new Set('a an the and or of to in on at for with from by is are was were be it its this that what how do does i we you our'.split(' '));
const maxBlocks = 3000;
const maxOutline = 100;

const fold = (text: string): string => text.toLowerCase().normalize('NFD').replace(/[\u0300-\u036F]/g, '');

/** The distinct words to look for: lower case, accents folded, stop words dropped. */
export function termsOf(text: string): string[] {
  return [...new Set(fold(text).split(/[^a-z0-9]+/).filter((w) => w.length > 1 && !stopWords.has(w)))];
}

/** How many of the terms start a word of the text. */
function score(text: string, terms: string[]): { hits: number; first: number } {
  const folded = fold(text);
  let hits = 0;
  let first = -1;
  for (const term of terms) {
    const at = new RegExp(`(^|[^a-z0-9])${term}`).exec(folded);
    if (!at) continue;
    hits++;
    const index = at.index + at[1]!.length;
    if (first < 0 || index < first) first = index;
  }
  return { hits, first };
}

/** Cuts a passage to `width` characters around its first hit. */
function excerpt(text: string, first: number, width: number): string {
  if (text.length <= width) return text;
  const start = Math.max(0, Math.min(first - Math.floor(width / 3), text.length - width));
  const body = text.slice(start, start + width - (start > 0 ? 2 : 1)).trim();
  return `${start > 0 ? '…' : ''}${body}${start + width < text.length ? '…' : ''}`;
}

const plain = (rich: RichText[] | undefined): string => (rich ?? []).map((r) => r.plain_text).join('');

/** The text of a block, or undefined for blocks without any (dividers, images, ...). */
function textOf(block: Block): string | undefined {
  const content = block[block.type] as { rich_text?: RichText[]; checked?: boolean; title?: string } | undefined;
  if (!content) return undefined;
  if (block.type === 'child_page' || block.type === 'child_database') return content.title;
  if (!content.rich_text) return undefined;
  const text = plain(content.rich_text);
  if (block.type === 'to_do') return `[${content.checked ? 'x' : ' '}] ${text}`;
  return text;
}

/** A Notion id (32 hex digits, dashes optional) from an id or a page URL. */
function idFrom(text: string): string | undefined {
  const found = text.match(/[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/gi);
  return found?.[found.length - 1];
}

async function findPage(input: Input): Promise<{ page: Page; alsoFound: string[] }> {
  if (input.pageId !== undefined) {
    const id = idFrom(input.pageId);
    if (!id) throw new Error(`No Notion page matches "${input.pageId}": not a page id or URL`);
    try {
      return { page: (await apiRetrieveAPage({ page_id: id })) as Page, alsoFound: [] };
    } catch (error) {
      if (/object_not_found|404/.test(String((error as Error).message))) throw new Error(`No Notion page matches "${input.pageId}"`);
      throw error;
    }
  }
  const query = (input.query ?? '').trim();
  const found = ((await apiPostSearch({ query, filter: { property: 'object', value: 'page' }, page_size: 10 })) as List<Page>).results;
  if (found.length === 0) throw new Error(`No Notion page matches "${query}"`);
  // An exact title wins; otherwise Notion's order (most recently edited first).
  const exact = found.find((page) => titleOf(page).toLowerCase() === query.toLowerCase());
  const page = exact ?? found[0]!;
  return { page, alsoFound: found.filter((p) => p.id !== page.id).slice(0, 5).map(titleOf) };
}

function titleOf(page: Page): string {
  const property = Object.values(page.properties).find((p) => p.type === 'title');
  return plain(property?.title) || '(untitled)';
}

export default async function run(input: Input): Promise<Output> {
  const maxDepth = input.maxDepth ?? 3;
  const maxMatches = input.maxMatches ?? 8;
  const maxChars = input.maxChars ?? 240;
  const terms = termsOf(input.terms ?? input.query ?? '');
  const { page, alsoFound } = await findPage(input);

  let fetched = 0;
  let notFollowed = 0;
  /** Every child of a block, page after page of the cursor. */
  async function childrenOf(id: string): Promise<Block[]> {
    const all: Block[] = [];
    let cursor: string | undefined;
    do {
      const list = (await apiGetBlockChildren({ block_id: id, page_size: 100, ...(cursor ? { start_cursor: cursor } : {}) })) as List<Block>;
      all.push(...list.results);
      cursor = list.has_more && list.next_cursor ? list.next_cursor : undefined;
    } while (cursor);
    fetched += all.length;
    return all;
  }
  /** The block tree to `maxDepth`; sub-pages are listed, not entered. Siblings are fetched in parallel. */
  async function walk(id: string, depth: number): Promise<TreeNode[]> {
    const blocks = await childrenOf(id);
    return Promise.all(
      blocks.map(async (block) => {
        const follow = block.has_children && block.type !== 'child_page' && block.type !== 'child_database';
        if (follow && (depth >= maxDepth || fetched >= maxBlocks)) notFollowed++;
        return { block, children: follow && depth < maxDepth && fetched < maxBlocks ? await walk(block.id, depth + 1) : [] };
      }),
    );
  }
  const tree = await walk(page.id, 1);

  // One pass in document order: the heading stack gives the outline and every passage's path.
  const outlineLevels: { level: number; text: string }[] = [];
  const subpages: Output['subpages'] = [];
  const headings: { level: number; text: string }[] = [];
  const found: { hits: number; order: number; match: Match }[] = [];
  const seen = new Set<string>();
  let order = 0;
  const visit = (nodes: TreeNode[]): void => {
    for (const { block, children } of nodes) {
      const text = textOf(block);
      const heading = /^heading_([1-3])$/.exec(block.type);
      if (heading && text) {
        const level = Number(heading[1]);
        while (headings.length > 0 && headings[headings.length - 1]!.level >= level) headings.pop();
        headings.push({ level, text });
        outlineLevels.push({ level, text });
      } else if (block.type === 'child_page') {
        subpages.push({ id: block.id, title: text ?? '(untitled)' });
      } else if (text && terms.length > 0) {
        const { hits, first } = score(text, terms);
        const path = headings.map((h) => h.text);
        const key = `${path.join('\u0000')}\u0000${text}`;
        // The same text under the same headings (a repeated list item) is one passage.
        if (hits > 0 && !seen.has(key)) {
          seen.add(key);
          found.push({ hits, order: order++, match: { path, text: excerpt(text, first, maxChars) } });
        }
      }
      visit(children);
    }
  };
  visit(tree);
  // Indented two spaces per level below the page's highest heading level.
  const top = Math.min(3, ...outlineLevels.map((h) => h.level));
  const outline = outlineLevels.slice(0, maxOutline).map((h) => `${'  '.repeat(h.level - top)}${h.text}`);
  if (outlineLevels.length > maxOutline) outline.push(`… (${outlineLevels.length - maxOutline} more headings)`);

  // The passages with the most distinct terms first, then in page order.
  found.sort((a, b) => b.hits - a.hits || a.order - b.order);
  return {
    id: page.id,
    title: titleOf(page),
    ...(page.url ? { url: page.url } : {}),
    outline,
    matches: found.slice(0, maxMatches).map((f) => f.match),
    subpages,
    stats: { blocks: fetched, totalMatches: found.length, notFollowed },
    ...(alsoFound.length > 0 ? { alsoFound } : {}),
  };
}
