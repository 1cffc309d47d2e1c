#!/usr/bin/env node
// GitHub stand-in: an MCP server over local JSON with the tool names and argument shapes of GitHub's
// official MCP server (github/github-mcp-server), for the issues a triage skill needs.
// Data: --data <file> or MAGSAG_DEMO_GITHUB_DATA, default .magsag/demo/github/issues.json.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { errorResult, jsonResult, readJson, resolveDataFile, writeJson } from '../lib/dataStore.mjs';

const dataFile = resolveDataFile('github/issues.json', 'MAGSAG_DEMO_GITHUB_DATA');

const minimalFields = ['number', 'title', 'body', 'state', 'user', 'labels', 'assignees', 'comments', 'created_at', 'updated_at', 'field_values'];

/** The stand-in's clock: fixed, so the data and every answer stay deterministic. */
function now(data) {
  return process.env.MAGSAG_DEMO_NOW ?? data.referenceDate ?? new Date().toISOString();
}

function findRepo(data, owner, repo) {
  return data.repositories.find((r) => r.owner.toLowerCase() === owner.toLowerCase() && r.name.toLowerCase() === repo.toLowerCase());
}

function notFound(method, url) {
  return errorResult(`${method} https://api.github.com${url}: 404 Not Found []`);
}

function minimalUser(login) {
  return { login, id: stableId(login), profile_url: `https://github.com/${login}`, avatar_url: `https://avatars.githubusercontent.com/u/${stableId(login)}?v=4` };
}

function stableId(text) {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return 10_000 + (hash % 9_000_000);
}

const issueId = (repo, issue) => repo.id * 1000 + issue.number;
const htmlUrl = (repo, issue) => `https://github.com/${repo.owner}/${repo.name}/issues/${issue.number}`;

/** An issue as the official server's `MinimalIssue` renders it. */
function minimalIssue(repo, issue, fields) {
  const full = {
    number: issue.number,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    ...(issue.state_reason ? { state_reason: issue.state_reason } : {}),
    html_url: htmlUrl(repo, issue),
    user: minimalUser(issue.user),
    labels: [...issue.labels],
    assignees: [...issue.assignees],
    comments: issue.comments.length,
    created_at: issue.created_at,
    updated_at: issue.updated_at,
    ...(issue.closed_at ? { closed_at: issue.closed_at } : {}),
  };
  if (!fields || fields.length === 0) return full;
  const keep = new Set(fields);
  return Object.fromEntries(Object.entries(full).filter(([key]) => key === 'number' || keep.has(key)));
}

const encodeCursor = (offset) => Buffer.from(`cursor:${offset}`).toString('base64');
function decodeCursor(cursor) {
  const match = /^cursor:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match ? Number(match[1]) : 0;
}

function sortIssues(issues, key, descending) {
  const value = (issue) => (key === 'comments' ? issue.comments.length : Date.parse(issue[key]));
  return [...issues].sort((a, b) => (descending ? value(b) - value(a) : value(a) - value(b)) || a.number - b.number);
}

const server = new McpServer({ name: 'github-mcp-server', title: 'GitHub (local stand-in)', version: '0.1.0' });

const ownerArg = z.string().describe('Repository owner');
const repoArg = z.string().describe('Repository name');
const issueNumberArg = z.number().describe('The number of the issue');

server.registerTool(
  'list_issues',
  {
    title: 'List issues',
    description: "List issues in a GitHub repository. For pagination, use the 'endCursor' from the previous response's 'pageInfo' in the 'after' parameter.",
    inputSchema: {
      owner: ownerArg,
      repo: repoArg,
      state: z.enum(['OPEN', 'CLOSED']).optional().describe('Filter by state, by default both open and closed issues are returned when not provided'),
      labels: z.array(z.string()).optional().describe('Filter by labels'),
      orderBy: z.enum(['CREATED_AT', 'UPDATED_AT', 'COMMENTS']).optional().describe("Order issues by field. If provided, the 'direction' also needs to be provided."),
      direction: z.enum(['ASC', 'DESC']).optional().describe("Order direction. If provided, the 'orderBy' also needs to be provided."),
      since: z.string().optional().describe('Filter by date (ISO 8601 timestamp)'),
      fields: z.array(z.enum(minimalFields)).optional().describe('Subset of fields to return for each issue. If omitted, all fields are returned.'),
      perPage: z.number().min(1).max(100).optional().describe('Results per page for pagination (min 1, max 100)'),
      after: z.string().optional().describe('Cursor for pagination. Use the cursor from the previous response.'),
    },
    annotations: { title: 'List issues', readOnlyHint: true, idempotentHint: false },
  },
  async ({ owner, repo, state, labels, orderBy, direction, since, fields, perPage, after }) => {
    const data = readJson(dataFile);
    const repository = findRepo(data, owner, repo);
    if (!repository) return errorResult(`failed to list issues: Could not resolve to a Repository with the name '${owner}/${repo}'.`);
    const wanted = labels?.map((label) => label.toLowerCase());
    const sinceMs = since === undefined ? undefined : Date.parse(since);
    if (sinceMs !== undefined && Number.isNaN(sinceMs)) return errorResult(`failed to parse 'since': ${since} is not an ISO 8601 timestamp`);
    let issues = repository.issues.filter(
      (issue) =>
        (state === undefined || issue.state === state.toLowerCase()) &&
        (wanted === undefined || wanted.length === 0 || issue.labels.some((label) => wanted.includes(label.toLowerCase()))) &&
        (sinceMs === undefined || Date.parse(issue.updated_at) >= sinceMs),
    );
    const key = { CREATED_AT: 'created_at', UPDATED_AT: 'updated_at', COMMENTS: 'comments' }[orderBy ?? 'CREATED_AT'];
    issues = sortIssues(issues, key, (direction ?? 'DESC') === 'DESC');
    const offset = after ? decodeCursor(after) : 0;
    const size = perPage ?? 30;
    const page = issues.slice(offset, offset + size);
    return jsonResult({
      issues: page.map((issue) => minimalIssue(repository, issue, fields)),
      pageInfo: {
        hasNextPage: offset + size < issues.length,
        hasPreviousPage: offset > 0,
        startCursor: page.length > 0 ? encodeCursor(offset) : '',
        endCursor: page.length > 0 ? encodeCursor(offset + page.length) : '',
      },
      totalCount: issues.length,
    });
  },
);

server.registerTool(
  'get_issue',
  {
    title: 'Get issue details',
    description: 'Get details of a specific issue in a GitHub repository.',
    inputSchema: { owner: z.string().describe('The owner of the repository'), repo: z.string().describe('The name of the repository'), issue_number: issueNumberArg },
    annotations: { title: 'Get issue details', readOnlyHint: true },
  },
  async ({ owner, repo, issue_number }) => {
    const data = readJson(dataFile);
    const repository = findRepo(data, owner, repo);
    const issue = repository?.issues.find((i) => i.number === issue_number);
    if (!repository || !issue) return notFound('GET', `/repos/${owner}/${repo}/issues/${issue_number}`);
    return jsonResult(minimalIssue(repository, issue));
  },
);

server.registerTool(
  'get_issue_comments',
  {
    title: 'Get issue comments',
    description: 'Get comments for a specific issue in a GitHub repository.',
    inputSchema: {
      owner: ownerArg,
      repo: repoArg,
      issue_number: issueNumberArg,
      page: z.number().min(1).optional().describe('Page number for pagination (min 1)'),
      perPage: z.number().min(1).max(100).optional().describe('Results per page for pagination (min 1, max 100)'),
    },
    annotations: { title: 'Get issue comments', readOnlyHint: true },
  },
  async ({ owner, repo, issue_number, page, perPage }) => {
    const data = readJson(dataFile);
    const repository = findRepo(data, owner, repo);
    const issue = repository?.issues.find((i) => i.number === issue_number);
    if (!repository || !issue) return notFound('GET', `/repos/${owner}/${repo}/issues/${issue_number}/comments`);
    const size = perPage ?? 30;
    const start = ((page ?? 1) - 1) * size;
    return jsonResult(
      issue.comments.slice(start, start + size).map((comment) => ({
        id: comment.id,
        body: comment.body,
        html_url: `${htmlUrl(repository, issue)}#issuecomment-${comment.id}`,
        user: minimalUser(comment.user),
        created_at: comment.created_at,
        updated_at: comment.updated_at,
      })),
    );
  },
);

/** GitHub search syntax, the qualifiers a triage needs: repo:, is:, state:, label:, -label:, no:, author:, assignee:, created:, updated:, and free text. */
function parseSearch(query) {
  const tokens = query.match(/-?[a-z]+:"[^"]*"|-?[a-z]+:\S+|"[^"]*"|\S+/gi) ?? [];
  const filters = [];
  const terms = [];
  let repoFilter;
  for (const token of tokens) {
    const qualifier = /^(-?)([a-z]+):(.*)$/i.exec(token);
    if (!qualifier) {
      const term = token.replace(/^"|"$/g, '').toLowerCase();
      if (term !== '' && !['and', 'or'].includes(term)) terms.push(term);
      continue;
    }
    const [, negate, rawKey, rawValue] = qualifier;
    const key = rawKey.toLowerCase();
    const value = rawValue.replace(/^"|"$/g, '');
    const lower = value.toLowerCase();
    let test;
    if (key === 'repo') repoFilter = lower;
    else if ((key === 'is' || key === 'state') && (lower === 'open' || lower === 'closed')) test = (issue) => issue.state === lower;
    else if (key === 'label') test = (issue) => lower.split(',').some((l) => issue.labels.some((label) => label.toLowerCase() === l));
    else if (key === 'no' && lower === 'label') test = (issue) => issue.labels.length === 0;
    else if (key === 'no' && lower === 'assignee') test = (issue) => issue.assignees.length === 0;
    else if (key === 'author') test = (issue) => issue.user.toLowerCase() === lower;
    else if (key === 'assignee') test = (issue) => issue.assignees.some((a) => a.toLowerCase() === lower);
    else if (key === 'created' || key === 'updated') {
      const m = /^(<=|>=|<|>)?(\d{4}-\d{2}-\d{2}(?:T[\d:]+Z?)?)$/.exec(value);
      if (m) {
        const bound = Date.parse(m[2]);
        const field = `${key}_at`;
        const op = m[1] ?? '=';
        test = (issue) => {
          const t = Date.parse(issue[field]);
          if (op === '<') return t < bound;
          if (op === '<=') return t <= bound;
          if (op === '>') return t > bound;
          if (op === '>=') return t >= bound;
          return issue[field].startsWith(m[2]);
        };
      }
    }
    // is:issue, in:title and other qualifiers that do not narrow local issues are accepted and ignored.
    if (test) filters.push(negate ? (issue) => !test(issue) : test);
  }
  return { filters, terms, repoFilter };
}

server.registerTool(
  'search_issues',
  {
    title: 'Search issues',
    description: 'Search for issues in GitHub repositories using issues search syntax already scoped to is:issue',
    inputSchema: {
      query: z.string().describe('Search query using GitHub issues search syntax'),
      owner: z.string().optional().describe('Optional repository owner. If provided with repo, only issues for this repository are listed.'),
      repo: z.string().optional().describe('Optional repository name. If provided with owner, only issues for this repository are listed.'),
      sort: z
        .enum(['comments', 'reactions', 'reactions-+1', 'reactions--1', 'reactions-smile', 'reactions-thinking_face', 'reactions-heart', 'reactions-tada', 'interactions', 'created', 'updated'])
        .optional()
        .describe('Sort field by number of matches of categories, defaults to best match'),
      order: z.enum(['asc', 'desc']).optional().describe('Sort order'),
      perPage: z.number().min(1).max(100).optional().describe('Results per page for pagination (min 1, max 100)'),
      page: z.number().min(1).optional().describe('Page number for pagination (min 1)'),
    },
    annotations: { title: 'Search issues', readOnlyHint: true, idempotentHint: false },
  },
  async ({ query, owner, repo, sort, order, perPage, page }) => {
    const data = readJson(dataFile);
    const { filters, terms, repoFilter } = parseSearch(query);
    const scope = owner && repo ? `${owner}/${repo}`.toLowerCase() : repoFilter;
    const scored = [];
    for (const repository of data.repositories) {
      if (scope && `${repository.owner}/${repository.name}`.toLowerCase() !== scope) continue;
      for (const issue of repository.issues) {
        if (!filters.every((test) => test(issue))) continue;
        const title = issue.title.toLowerCase();
        const body = issue.body.toLowerCase();
        if (!terms.every((term) => title.includes(term) || body.includes(term))) continue;
        const score = terms.reduce((sum, term) => sum + (title.includes(term) ? 2 : 0) + (body.includes(term) ? 1 : 0), 0);
        scored.push({ repository, issue, score });
      }
    }
    const descending = (order ?? 'desc') === 'desc';
    const value = ({ issue, score }) => {
      if (sort === 'created') return Date.parse(issue.created_at);
      if (sort === 'updated') return Date.parse(issue.updated_at);
      if (sort === 'comments' || sort === 'interactions') return issue.comments.length;
      return sort === undefined ? score : 0;
    };
    scored.sort((a, b) => (descending ? value(b) - value(a) : value(a) - value(b)) || b.issue.number - a.issue.number);
    const size = perPage ?? 30;
    const start = ((page ?? 1) - 1) * size;
    return jsonResult({
      total_count: scored.length,
      incomplete_results: false,
      items: scored.slice(start, start + size).map(({ repository, issue }) => minimalIssue(repository, issue)),
    });
  },
);

server.registerTool(
  'update_issue',
  {
    title: 'Edit issue',
    description: 'Update an existing issue in a GitHub repository.',
    inputSchema: {
      owner: ownerArg,
      repo: repoArg,
      issue_number: z.number().describe('Issue number to update'),
      title: z.string().optional().describe('New title'),
      body: z.string().optional().describe('New description'),
      state: z.enum(['open', 'closed']).optional().describe('New state'),
      state_reason: z.enum(['completed', 'not_planned', 'duplicate', 'reopened']).optional().describe('Reason for the state change, ignored unless state is changed.'),
      labels: z.array(z.string()).optional().describe('New labels'),
      assignees: z.array(z.string()).optional().describe('New assignees'),
      milestone: z.number().optional().describe('New milestone number'),
      type: z.string().optional().describe('New issue type'),
    },
    annotations: { title: 'Edit issue', readOnlyHint: false },
  },
  async ({ owner, repo, issue_number, title, body, state, state_reason, labels, assignees }) => {
    const data = readJson(dataFile);
    const repository = findRepo(data, owner, repo);
    const issue = repository?.issues.find((i) => i.number === issue_number);
    if (!repository || !issue) return notFound('PATCH', `/repos/${owner}/${repo}/issues/${issue_number}`);
    const at = now(data);
    if (title !== undefined) issue.title = title;
    if (body !== undefined) issue.body = body;
    if (labels !== undefined) {
      // Like the REST API: the list replaces the issue's labels, and unknown labels are created.
      issue.labels = [...new Set(labels)];
      for (const label of issue.labels) {
        if (!repository.labels.some((l) => l.name.toLowerCase() === label.toLowerCase())) {
          repository.labels.push({ name: label, color: 'ededed', description: '' });
        }
      }
    }
    if (assignees !== undefined) issue.assignees = [...new Set(assignees)];
    if (state !== undefined && state !== issue.state) {
      issue.state = state;
      issue.state_reason = state === 'closed' ? (state_reason ?? 'completed') : state_reason === 'reopened' ? 'reopened' : null;
      issue.closed_at = state === 'closed' ? at : null;
    }
    issue.updated_at = at;
    writeJson(dataFile, data);
    return jsonResult({ id: String(issueId(repository, issue)), url: htmlUrl(repository, issue) });
  },
);

server.registerTool(
  'add_issue_comment',
  {
    title: 'Add comment to issue',
    description: 'Add a comment to a specific issue in a GitHub repository. Use this tool with pull requests as well (pass the pull request number as issue_number).',
    inputSchema: {
      owner: ownerArg,
      repo: repoArg,
      issue_number: z.number().describe('Issue number to comment on'),
      body: z.string().describe('Comment content'),
    },
    annotations: { title: 'Add comment to issue', readOnlyHint: false },
  },
  async ({ owner, repo, issue_number, body }) => {
    const data = readJson(dataFile);
    const repository = findRepo(data, owner, repo);
    const issue = repository?.issues.find((i) => i.number === issue_number);
    if (!repository || !issue) return notFound('POST', `/repos/${owner}/${repo}/issues/${issue_number}/comments`);
    if (body.trim() === '') return errorResult('body must not be empty');
    const at = now(data);
    const id = Math.max(900_000, ...repository.issues.flatMap((i) => i.comments.map((c) => c.id))) + 1;
    issue.comments.push({ id, user: process.env.MAGSAG_DEMO_GITHUB_USER ?? 'magsag-bot', body, created_at: at, updated_at: at });
    issue.updated_at = at;
    writeJson(dataFile, data);
    return jsonResult({ id: String(id), url: `${htmlUrl(repository, issue)}#issuecomment-${id}` });
  },
);

await server.connect(new StdioServerTransport());
