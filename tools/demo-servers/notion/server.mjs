#!/usr/bin/env node
// Notion stand-in: an MCP server over local pages with the tool names and argument shapes of Notion's
// official MCP server (makenotion/notion-mcp-server, which names each tool "API-<operationId>" of the
// Notion REST API). Answers are Notion API objects: pages, blocks, paginated lists.
// Data: --data <file> or MAGSAG_DEMO_NOTION_DATA, default .magsag/demo/notion/pages.json.
import { createHash } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { errorResult, jsonResult, readJson, resolveDataFile } from '../lib/dataStore.mjs';

const dataFile = resolveDataFile('notion/pages.json', 'MAGSAG_DEMO_NOTION_DATA');
const botUser = { object: 'user', id: '7f1e0a52-8c3b-4f7a-9d2e-5b6c7d8e9f01' };

const uuid = (seed) => {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** Accepts ids with or without dashes, as Notion does. */
function normalizeId(id) {
  const hex = id.replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Plain text to Notion rich text; `backticks` become code-annotated spans. */
function richText(text) {
  return text
    .split(/(`[^`]+`)/)
    .filter((part) => part !== '')
    .map((part) => {
      const isCode = part.startsWith('`') && part.endsWith('`') && part.length > 1;
      const content = isCode ? part.slice(1, -1) : part;
      return {
        type: 'text',
        text: { content, link: null },
        annotations: { bold: false, italic: false, strikethrough: false, underline: false, code: isCode, color: 'default' },
        plain_text: content,
        href: null,
      };
    });
}

const pageUrl = (page) => `https://www.notion.so/${page.title.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${page.id.replaceAll('-', '')}`;

function pageObject(page) {
  return {
    object: 'page',
    id: page.id,
    created_time: page.created_time,
    last_edited_time: page.last_edited_time,
    created_by: botUser,
    last_edited_by: botUser,
    cover: null,
    icon: page.icon ? { type: 'emoji', emoji: page.icon } : null,
    parent: page.parent,
    archived: false,
    in_trash: false,
    properties: { title: { id: 'title', type: 'title', title: richText(page.title) } },
    url: pageUrl(page),
    public_url: null,
  };
}

/** Expands the compact seed into Notion block objects with ids stable across restarts. */
function buildIndex(data) {
  const pages = new Map();
  const blocks = new Map();
  const children = new Map();
  for (const page of data.pages) pages.set(page.id, page);
  const expand = (items, parentRef, parentId, ownerPage, pathKey) => {
    const ids = [];
    items.forEach((item, index) => {
      const id = uuid(`block:${ownerPage.id}:${pathKey}${index}`);
      const nested = item.children ?? [];
      const content = { rich_text: richText(item.text ?? ''), color: 'default' };
      if (item.type.startsWith('heading_')) content.is_toggleable = false;
      if (item.type === 'to_do') content.checked = Boolean(item.checked);
      if (item.type === 'code') {
        delete content.color;
        content.caption = [];
        content.language = item.language ?? 'plain text';
      }
      blocks.set(id, {
        object: 'block',
        id,
        parent: parentRef,
        created_time: ownerPage.created_time,
        last_edited_time: ownerPage.last_edited_time,
        created_by: botUser,
        last_edited_by: botUser,
        has_children: nested.length > 0,
        archived: false,
        in_trash: false,
        type: item.type,
        [item.type]: content,
      });
      ids.push(id);
      if (nested.length > 0) expand(nested, { type: 'block_id', block_id: id }, id, ownerPage, `${pathKey}${index}.`);
    });
    children.set(parentId, ids);
  };
  for (const page of data.pages) expand(page.blocks, { type: 'page_id', page_id: page.id }, page.id, page, '');
  // A sub-page shows up in its parent's content as a child_page block with the sub-page's id.
  for (const page of data.pages) {
    if (page.parent?.type !== 'page_id' || !pages.has(page.parent.page_id)) continue;
    const parent = pages.get(page.parent.page_id);
    blocks.set(page.id, {
      object: 'block',
      id: page.id,
      parent: { type: 'page_id', page_id: parent.id },
      created_time: page.created_time,
      last_edited_time: page.last_edited_time,
      created_by: botUser,
      last_edited_by: botUser,
      has_children: page.blocks.length > 0,
      archived: false,
      in_trash: false,
      type: 'child_page',
      child_page: { title: page.title },
    });
    children.get(parent.id).push(page.id);
  }
  return { pages, blocks, children };
}

let cache;
function index() {
  // Re-read when the file changes (a `magsag demo reset` while the server runs).
  const data = readJson(dataFile);
  const key = JSON.stringify(data.pages.map((p) => [p.id, p.last_edited_time]));
  if (!cache || cache.key !== key || cache.size !== data.pages.length) cache = { key, size: data.pages.length, ...buildIndex(data) };
  return cache;
}

const notFound = (kind, id) =>
  errorResult(
    JSON.stringify({
      object: 'error',
      status: 404,
      code: 'object_not_found',
      message: `Could not find ${kind} with ID: ${id}. Make sure the relevant pages and databases are shared with your integration.`,
    }),
  );
const invalid = (message) => errorResult(JSON.stringify({ object: 'error', status: 400, code: 'validation_error', message }));

/** Cursor pagination the Notion way: the cursor is the id of the first item of the next page. */
function paginate(items, idOf, startCursor, pageSize) {
  const size = Math.min(Math.max(pageSize ?? 100, 1), 100);
  let start = 0;
  if (startCursor !== undefined) {
    start = items.findIndex((item) => idOf(item) === normalizeId(startCursor));
    if (start < 0) return undefined;
  }
  const results = items.slice(start, start + size);
  const next = items[start + size];
  return { results, next_cursor: next ? idOf(next) : null, has_more: next !== undefined };
}

const requestId = () => uuid(`request:${Date.now()}:${Math.random()}`);

const server = new McpServer({ name: 'Notion API', title: 'Notion (local stand-in)', version: '0.1.0' });

server.registerTool(
  'API-post-search',
  {
    title: 'Search by title',
    description: 'Notion | Search by title',
    inputSchema: {
      query: z.string().optional().describe('The text that the API compares page and database titles against.'),
      sort: z
        .object({
          direction: z.enum(['ascending', 'descending']).describe('The direction to sort. Possible values include `ascending` and `descending`.'),
          timestamp: z.literal('last_edited_time').describe('The name of the timestamp to sort against. Possible values include `last_edited_time`.'),
        })
        .optional()
        .describe('A set of criteria, `direction` and `timestamp` keys, that orders the results. If `sort` is not provided, then the most recently edited results are returned first.'),
      filter: z
        .object({
          value: z.enum(['page', 'database', 'data_source']).describe('The value of the property to filter the results by.'),
          property: z.literal('object').describe('The name of the property to filter by. Currently the only property you can filter by is the object type.'),
        })
        .optional()
        .describe('A set of criteria, `value` and `property` keys, that limits the results to either only pages or only databases.'),
      start_cursor: z.string().optional().describe('A `cursor` value returned in a previous response that limits the response to results starting after the `cursor`.'),
      page_size: z.number().int().min(1).max(100).optional().describe('The number of items from the full list to include in the response. Maximum: `100`.'),
    },
    annotations: { title: 'Search by title', readOnlyHint: true },
  },
  async ({ query, sort, filter, start_cursor, page_size }) => {
    const { pages } = index();
    const needle = (query ?? '').trim().toLowerCase();
    // Only pages exist locally: a filter on databases or data sources finds nothing.
    let found = filter && filter.value !== 'page' ? [] : [...pages.values()].filter((page) => page.title.toLowerCase().includes(needle));
    const ascending = sort?.direction === 'ascending';
    found = found.sort((a, b) => (ascending ? 1 : -1) * (Date.parse(a.last_edited_time) - Date.parse(b.last_edited_time)) || a.title.localeCompare(b.title));
    const page = paginate(found, (p) => p.id, start_cursor, page_size);
    if (!page) return invalid(`start_cursor should be a valid cursor, instead was \`${start_cursor}\`.`);
    return jsonResult({
      object: 'list',
      results: page.results.map(pageObject),
      next_cursor: page.next_cursor,
      has_more: page.has_more,
      type: 'page_or_database',
      page_or_database: {},
      request_id: requestId(),
    });
  },
);

server.registerTool(
  'API-retrieve-a-page',
  {
    title: 'Retrieve a page',
    description: 'Notion | Retrieve a page',
    inputSchema: {
      page_id: z.string().describe('Identifier for a Notion page'),
      filter_properties: z
        .union([z.string(), z.array(z.string())])
        .optional()
        .describe('A list of page property value IDs associated with the page. Use this param to limit the response to a specific page property value or values.'),
    },
    annotations: { title: 'Retrieve a page', readOnlyHint: true },
  },
  async ({ page_id, filter_properties }) => {
    const id = normalizeId(page_id);
    const page = id && index().pages.get(id);
    if (!page) return notFound('page', page_id);
    const object = pageObject(page);
    if (filter_properties !== undefined) {
      const keep = new Set([filter_properties].flat());
      object.properties = Object.fromEntries(Object.entries(object.properties).filter(([name, prop]) => keep.has(name) || keep.has(prop.id)));
    }
    return jsonResult(object);
  },
);

server.registerTool(
  'API-get-block-children',
  {
    title: 'Retrieve block children',
    description: 'Notion | Retrieve block children',
    inputSchema: {
      block_id: z.string().describe('Identifier for a [block](ref:block)'),
      start_cursor: z.string().optional().describe('If supplied, this endpoint will return a page of results starting after the cursor provided. If not supplied, this endpoint will return the first page of results.'),
      page_size: z.number().int().min(1).max(100).optional().describe('The number of items from the full list desired in the response. Maximum: 100'),
    },
    annotations: { title: 'Retrieve block children', readOnlyHint: true },
  },
  async ({ block_id, start_cursor, page_size }) => {
    const id = normalizeId(block_id);
    const { blocks, children } = index();
    if (!id || !children.has(id)) {
      // A leaf block exists but has no children: Notion answers with an empty list.
      if (id && blocks.has(id)) return jsonResult({ object: 'list', results: [], next_cursor: null, has_more: false, type: 'block', block: {}, request_id: requestId() });
      return notFound('block', block_id);
    }
    const page = paginate(children.get(id), (childId) => childId, start_cursor, page_size);
    if (!page) return invalid(`start_cursor should be a valid cursor, instead was \`${start_cursor}\`.`);
    return jsonResult({
      object: 'list',
      results: page.results.map((childId) => blocks.get(childId)),
      next_cursor: page.next_cursor,
      has_more: page.has_more,
      type: 'block',
      block: {},
      request_id: requestId(),
    });
  },
);

server.registerTool(
  'API-retrieve-a-block',
  {
    title: 'Retrieve a block',
    description: 'Notion | Retrieve a block',
    inputSchema: { block_id: z.string().describe('Identifier for a Notion block') },
    annotations: { title: 'Retrieve a block', readOnlyHint: true },
  },
  async ({ block_id }) => {
    const id = normalizeId(block_id);
    const block = id && index().blocks.get(id);
    if (!block) return notFound('block', block_id);
    return jsonResult(block);
  },
);

await server.connect(new StdioServerTransport());
