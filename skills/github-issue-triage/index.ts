import { listIssues } from '../../servers/github/listIssues.ts';
import { updateIssue } from '../../servers/github/updateIssue.ts';
import { defaultSimilarity, defaultStaleDays, labelRules, stopWords, synonyms, titleWidth } from './rules.ts';

export interface Input {
  owner: string;
  repo: string;
  /** Write the suggested labels (default false: a dry run). */
  apply?: boolean;
  /** Days without an update after which an issue is stale. */
  staleDays?: number;
  /** At most this many open issues, newest first. */
  limit?: number;
  /** Report and label only these issues (duplicates are still looked for among all open ones). */
  numbers?: number[];
  /** Title similarity (0..1) from which two issues are likely duplicates. */
  similarity?: number;
  /** The reference time for staleness; default: the newest timestamp among the issues. */
  now?: string;
}

export interface Row {
  number: number;
  title: string;
  suggested: string[];
  duplicateOf?: number;
  stale: boolean;
}

export interface Output {
  repository: string;
  dryRun: boolean;
  now: string;
  counts: { open: number; triaged: number; withSuggestions: number; duplicatePairs: number; stale: number; applied: number };
  duplicates: { a: number; b: number; similarity: number }[];
  applied: { number: number; labels: string[] }[];
  rows: Row[];
}

interface Issue {
  number: number;
  title: string;
  body?: string | null;
  labels: string[];
  created_at: string;
  updated_at: string;
}

interface IssuePage {
  issues: Issue[];
  pageInfo: { hasNextPage: boolean; endCursor: string };
}

const dayMs = 86_400_000;

/** A light stemmer: enough for "pages"/"page", "images"/"image", "slowly"/"slow". */
function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(ss|x|z|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith('ly')) w = w.slice(0, -2);
  return synonyms[w] ?? w;
}

/** The words of a title that say what it is about: lower case, accents folded, stop words and numbers dropped, stemmed. */
export function titleWords(title: string): Set<string> {
  const folded = title.toLowerCase().normalize('NFD').replace(/[\u0300-\u036F]/g, '');
  const words = folded.split(/[^a-z0-9]+/).filter((w) => w.length > 1 && !stopWords.has(w) && !/^\d+$/.test(w));
  return new Set(words.map((w) => synonyms[w] ?? stem(w)));
}

/** Dice coefficient of two word sets: 2|A∩B| / (|A|+|B|). */
export function similarity(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const word of a) if (b.has(word)) shared++;
  return (2 * shared) / (a.size + b.size);
}

/** The labels the rules give an issue (whether or not it has them already). */
export function ruleLabels(title: string, body: string): string[] {
  const text = `${title}\n${body}`;
  return labelRules.filter((rule) => (rule.title?.test(title) ?? false) || (rule.body?.test(text) ?? false)).map((rule) => rule.label);
}

const truncate = (text: string, width: number): string => (text.length <= width ? text : `${text.slice(0, width - 1).trimEnd()}…`);

export default async function run(input: Input): Promise<Output> {
  const { owner, repo } = input;
  const limit = input.limit ?? 300;
  const staleDays = input.staleDays ?? defaultStaleDays;
  const threshold = input.similarity ?? defaultSimilarity;

  // Open issues, newest first, page by page with the cursor.
  const issues: Issue[] = [];
  let after: string | undefined;
  while (issues.length < limit) {
    const page: IssuePage = await listIssues({
      owner,
      repo,
      state: 'OPEN',
      orderBy: 'CREATED_AT',
      direction: 'DESC',
      perPage: Math.min(100, limit - issues.length),
      fields: ['number', 'title', 'body', 'labels', 'created_at', 'updated_at'],
      ...(after ? { after } : {}),
    });
    issues.push(...page.issues.slice(0, limit - issues.length));
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
    after = page.pageInfo.endCursor;
  }

  // The clock: given, or the newest timestamp the server reported (the sandbox clock does not decide).
  let nowMs = input.now === undefined ? Number.NaN : Date.parse(input.now);
  if (input.now !== undefined && Number.isNaN(nowMs)) throw new Error(`now "${input.now}" is not an ISO 8601 timestamp`);
  if (input.now === undefined) {
    nowMs = issues.reduce((max, issue) => Math.max(max, Date.parse(issue.updated_at), Date.parse(issue.created_at)), 0);
  }

  const selected = input.numbers === undefined ? undefined : new Set(input.numbers);
  if (selected) {
    const missing = [...selected].filter((n) => !issues.some((issue) => issue.number === n));
    if (missing.length > 0) throw new Error(`Not open issues of ${owner}/${repo} (or beyond limit ${limit}): ${missing.map((n) => `#${n}`).join(', ')}`);
  }
  const isSelected = (n: number): boolean => selected === undefined || selected.has(n);

  // Likely duplicates: every pair of open issues once; the older issue is the original.
  const oldestFirst = [...issues].sort((x, y) => Date.parse(x.created_at) - Date.parse(y.created_at) || x.number - y.number);
  const words = new Map(oldestFirst.map((issue) => [issue.number, titleWords(issue.title)]));
  const duplicates: Output['duplicates'] = [];
  const duplicateOf = new Map<number, number>();
  for (let i = 0; i < oldestFirst.length; i++) {
    for (let j = i + 1; j < oldestFirst.length; j++) {
      const a = oldestFirst[i]!;
      const b = oldestFirst[j]!;
      const score = similarity(words.get(a.number)!, words.get(b.number)!);
      if (score < threshold) continue;
      if (!duplicateOf.has(b.number)) duplicateOf.set(b.number, duplicateOf.get(a.number) ?? a.number);
      if (isSelected(a.number) || isSelected(b.number)) duplicates.push({ a: Math.min(a.number, b.number), b: Math.max(a.number, b.number), similarity: Math.round(score * 100) / 100 });
    }
  }
  duplicates.sort((x, y) => x.a - y.a || x.b - y.b);

  const rows: (Row & { labels: string[] })[] = issues
    .filter((issue) => isSelected(issue.number))
    .map((issue) => {
      const have = new Set(issue.labels.map((l) => l.toLowerCase()));
      const suggested = ruleLabels(issue.title, issue.body ?? '').filter((label) => !have.has(label.toLowerCase()));
      const original = duplicateOf.get(issue.number);
      return {
        number: issue.number,
        title: truncate(issue.title, titleWidth),
        suggested,
        ...(original === undefined ? {} : { duplicateOf: original }),
        stale: nowMs - Date.parse(issue.updated_at) > staleDays * dayMs,
        labels: issue.labels,
      };
    })
    .sort((x, y) => x.number - y.number);

  const applied: Output['applied'] = [];
  if (input.apply === true) {
    for (const row of rows) {
      if (row.suggested.length === 0) continue;
      const labels = [...row.labels, ...row.suggested];
      await updateIssue({ owner, repo, issue_number: row.number, labels });
      applied.push({ number: row.number, labels });
    }
  }

  // The table lists only issues with something to act on; the counts cover every triaged issue.
  const table: Row[] = rows
    .filter((row) => row.suggested.length > 0 || row.duplicateOf !== undefined || row.stale)
    .map(({ labels: _labels, ...row }) => row);
  return {
    repository: `${owner}/${repo}`,
    dryRun: input.apply !== true,
    now: new Date(nowMs).toISOString(),
    counts: {
      open: issues.length,
      triaged: rows.length,
      withSuggestions: rows.filter((row) => row.suggested.length > 0).length,
      duplicatePairs: duplicates.length,
      stale: rows.filter((row) => row.stale).length,
      applied: applied.length,
    },
    // Rows last: when a long answer is cut for the model, the counts and pairs survive.
    duplicates,
    applied,
    rows: table,
  };
}
