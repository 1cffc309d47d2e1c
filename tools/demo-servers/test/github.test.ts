import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connect, isError, jsonOf, tempCopy } from './helpers.ts';

interface Issue {
  number: number;
  title: string;
  state: string;
  labels: string[];
  comments: number;
  user: { login: string };
  html_url: string;
  updated_at: string;
}

const repo = { owner: 'magsag-demo', repo: 'storefront' };

describe('github stand-in', () => {
  const data = tempCopy('github/issues.json');
  let client: Client;

  beforeAll(async () => {
    client = await connect('github/server.mjs', ['--data', data.file]);
  });
  afterAll(async () => {
    await client.close();
    data.cleanup();
  });

  it("offers the official server's issue tools with their argument names", async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    for (const name of ['list_issues', 'get_issue', 'search_issues', 'update_issue', 'add_issue_comment', 'get_issue_comments']) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(Object.keys(byName.get('list_issues')!.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['owner', 'repo', 'state', 'labels', 'orderBy', 'direction', 'since', 'perPage', 'after']),
    );
    expect(byName.get('update_issue')!.inputSchema.required).toEqual(['owner', 'repo', 'issue_number']);
  });

  it('lists open issues page by page with cursors', async () => {
    const first = jsonOf<{ issues: Issue[]; pageInfo: { hasNextPage: boolean; endCursor: string }; totalCount: number }>(
      await client.callTool({ name: 'list_issues', arguments: { ...repo, state: 'OPEN', perPage: 20 } }),
    );
    expect(first.totalCount).toBe(30);
    expect(first.issues).toHaveLength(20);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = jsonOf<{ issues: Issue[]; pageInfo: { hasNextPage: boolean } }>(
      await client.callTool({ name: 'list_issues', arguments: { ...repo, state: 'OPEN', perPage: 20, after: first.pageInfo.endCursor } }),
    );
    expect(second.issues).toHaveLength(10);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const numbers = [...first.issues, ...second.issues].map((issue) => issue.number);
    expect(new Set(numbers).size).toBe(30);
    expect([...first.issues, ...second.issues].every((issue) => issue.state === 'open')).toBe(true);
  });

  it('gets one issue, and answers 404 for a missing one', async () => {
    const issue = jsonOf<Issue>(await client.callTool({ name: 'get_issue', arguments: { ...repo, issue_number: 1 } }));
    expect(issue).toMatchObject({ number: 1, title: 'Checkout button does nothing on Safari 17', state: 'open', labels: ['bug', 'ui'] });
    expect(issue.html_url).toBe('https://github.com/magsag-demo/storefront/issues/1');
    const missing = await client.callTool({ name: 'get_issue', arguments: { ...repo, issue_number: 999 } });
    expect(isError(missing)).toBe(true);
  });

  it('searches with GitHub qualifiers and free text', async () => {
    const safari = jsonOf<{ total_count: number; items: Issue[] }>(
      await client.callTool({ name: 'search_issues', arguments: { query: 'repo:magsag-demo/storefront is:open safari checkout' } }),
    );
    expect(safari.items.map((i) => i.number).sort((a, b) => a - b)).toEqual([1, 2, 3]);
    const unlabelled = jsonOf<{ total_count: number; items: Issue[] }>(
      await client.callTool({ name: 'search_issues', arguments: { query: 'is:open no:label', ...repo, perPage: 100 } }),
    );
    expect(unlabelled.total_count).toBeGreaterThan(3);
    expect(unlabelled.items.every((i) => i.labels.length === 0 && i.state === 'open')).toBe(true);
    const security = jsonOf<{ items: Issue[] }>(await client.callTool({ name: 'search_issues', arguments: { query: 'label:security is:closed' } }));
    expect(security.items.map((i) => i.number)).toEqual([35]);
  });

  it('applies labels and comments, and both persist in the data file', async () => {
    const updated = jsonOf<{ id: string; url: string }>(
      await client.callTool({ name: 'update_issue', arguments: { ...repo, issue_number: 2, labels: ['bug', 'duplicate'] } }),
    );
    expect(updated.url).toBe('https://github.com/magsag-demo/storefront/issues/2');
    const comment = jsonOf<{ id: string; url: string }>(
      await client.callTool({ name: 'add_issue_comment', arguments: { ...repo, issue_number: 2, body: 'Likely a duplicate of #1.' } }),
    );
    expect(comment.url).toContain('/issues/2#issuecomment-');

    const issue = jsonOf<Issue>(await client.callTool({ name: 'get_issue', arguments: { ...repo, issue_number: 2 } }));
    expect(issue.labels).toEqual(['bug', 'duplicate']);
    expect(issue.comments).toBe(1);
    const comments = jsonOf<{ body: string }[]>(await client.callTool({ name: 'get_issue_comments', arguments: { ...repo, issue_number: 2 } }));
    expect(comments.map((c) => c.body)).toEqual(['Likely a duplicate of #1.']);

    const stored = JSON.parse(readFileSync(data.file, 'utf8')) as { referenceDate: string; repositories: { issues: (Issue & { comments: unknown[] })[] }[] };
    const onDisk = stored.repositories[0]!.issues.find((i) => i.number === 2)!;
    expect(onDisk.labels).toEqual(['bug', 'duplicate']);
    expect(onDisk.comments).toHaveLength(1);
    // The stand-in's clock is the fixed reference date: answers stay deterministic.
    expect(onDisk.updated_at).toBe(stored.referenceDate);
  });
});
