import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connect, isError, jsonOf, tempCopy } from './helpers.ts';

interface Page {
  object: 'page';
  id: string;
  url: string;
  properties: { title: { title: { plain_text: string }[] } };
}
interface Block {
  object: 'block';
  id: string;
  type: string;
  has_children: boolean;
  [key: string]: unknown;
}
interface List<T> {
  object: 'list';
  results: T[];
  next_cursor: string | null;
  has_more: boolean;
}

const titleOf = (page: Page): string => page.properties.title.title.map((t) => t.plain_text).join('');

describe('notion stand-in', () => {
  const data = tempCopy('notion/pages.json');
  let client: Client;

  beforeAll(async () => {
    client = await connect('notion/server.mjs', [], { MAGSAG_DEMO_NOTION_DATA: data.file });
  });
  afterAll(async () => {
    await client.close();
    data.cleanup();
  });

  it("offers the official server's API-<operationId> tools", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['API-post-search', 'API-retrieve-a-page', 'API-get-block-children', 'API-retrieve-a-block']));
    const children = tools.find((tool) => tool.name === 'API-get-block-children')!;
    expect(Object.keys(children.inputSchema.properties ?? {}).sort()).toEqual(['block_id', 'page_size', 'start_cursor']);
  });

  it('searches pages by title, most recently edited first', async () => {
    const all = jsonOf<List<Page>>(await client.callTool({ name: 'API-post-search', arguments: {} }));
    expect(all.results).toHaveLength(10);
    const hits = jsonOf<List<Page>>(
      await client.callTool({ name: 'API-post-search', arguments: { query: 'handbook', filter: { property: 'object', value: 'page' } } }),
    );
    expect(hits.results.map(titleOf)).toEqual(['Engineering Handbook']);
    const paged = jsonOf<List<Page>>(await client.callTool({ name: 'API-post-search', arguments: { page_size: 4 } }));
    expect(paged).toMatchObject({ has_more: true });
    const rest = jsonOf<List<Page>>(await client.callTool({ name: 'API-post-search', arguments: { page_size: 100, start_cursor: paged.next_cursor } }));
    expect(rest.results).toHaveLength(6);
  });

  it('retrieves a page by id, with or without dashes, and 404s on an unknown id', async () => {
    const [handbook] = jsonOf<List<Page>>(await client.callTool({ name: 'API-post-search', arguments: { query: 'Engineering Handbook' } })).results;
    const page = jsonOf<Page>(await client.callTool({ name: 'API-retrieve-a-page', arguments: { page_id: handbook!.id.replaceAll('-', '') } }));
    expect(page.id).toBe(handbook!.id);
    expect(page.url).toContain(handbook!.id.replaceAll('-', ''));
    const missing = await client.callTool({ name: 'API-retrieve-a-page', arguments: { page_id: '00000000-0000-4000-8000-000000000000' } });
    expect(isError(missing)).toBe(true);
    expect(JSON.parse((missing.content as { text: string }[])[0]!.text)).toMatchObject({ status: 404, code: 'object_not_found' });
  });

  it('walks nested block children of the long page with pagination', async () => {
    const [handbook] = jsonOf<List<Page>>(await client.callTool({ name: 'API-post-search', arguments: { query: 'Engineering Handbook' } })).results;
    const blocks: Block[] = [];
    let cursor: string | null = null;
    do {
      const args: Record<string, unknown> = { block_id: handbook!.id, ...(cursor ? { start_cursor: cursor } : {}) };
      const page: List<Block> = jsonOf<List<Block>>(await client.callTool({ name: 'API-get-block-children', arguments: args }));
      blocks.push(...page.results);
      cursor = page.next_cursor;
    } while (cursor);
    expect(blocks.length).toBeGreaterThan(100);
    expect(new Set(blocks.map((b) => b.type))).toEqual(new Set(['paragraph', 'heading_1', 'heading_2', 'heading_3', 'bulleted_list_item', 'to_do', 'quote', 'child_page']));
    const nested = blocks.find((b) => b.type === 'bulleted_list_item' && b.has_children)!;
    const children = jsonOf<List<Block>>(await client.callTool({ name: 'API-get-block-children', arguments: { block_id: nested.id } }));
    expect(children.results.length).toBe(2);
    expect(children.results[0]!.type).toBe('bulleted_list_item');
    const childPage = blocks.find((b) => b.type === 'child_page')!;
    expect(childPage.child_page).toEqual({ title: 'Deployment Runbook' });
    const runbook = jsonOf<List<Block>>(await client.callTool({ name: 'API-get-block-children', arguments: { block_id: childPage.id } }));
    expect(runbook.results.some((b) => b.type === 'numbered_list_item' && b.has_children)).toBe(true);
    const one = jsonOf<Block>(await client.callTool({ name: 'API-retrieve-a-block', arguments: { block_id: nested.id } }));
    expect(one.id).toBe(nested.id);
  });
});
