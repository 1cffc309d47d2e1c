import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { magsag, repoRoot } from './helpers.ts';

// The GitHub stand-in's data, reset once per test run by globalSetup (`magsag demo reset`).
const issuesFile = path.join(repoRoot, '.magsag', 'demo', 'github', 'issues.json');

interface StoredIssue {
  number: number;
  title: string;
  labels: string[];
  updated_at: string;
}

function storedIssues(): StoredIssue[] {
  const data = JSON.parse(readFileSync(issuesFile, 'utf8')) as { repositories: { owner: string; name: string; issues: StoredIssue[] }[] };
  return data.repositories.find((r) => r.owner === 'magsag-demo' && r.name === 'storefront')!.issues;
}

const labelsOf = (issues: StoredIssue[], n: number): string[] => issues.find((i) => i.number === n)!.labels;

interface RunJson<T> {
  ok: boolean;
  result: T;
  error: { code: string; message: string } | null;
  metrics: { toolBytes: number; toolCallCount: number };
}

function runSkill<T>(args: string[]): { status: number; json: RunJson<T>; stderr: string } {
  const { status, stdout, stderr } = magsag(['run', ...args, '--json']);
  return { status, json: JSON.parse(stdout) as RunJson<T>, stderr };
}

interface Triage {
  repository: string;
  dryRun: boolean;
  now: string;
  counts: { open: number; triaged: number; withSuggestions: number; duplicatePairs: number; stale: number; applied: number };
  duplicates: { a: number; b: number; similarity: number }[];
  applied: { number: number; labels: string[] }[];
  rows: { number: number; title: string; suggested: string[]; duplicateOf?: number; stale: boolean }[];
}

const storefront = { owner: 'magsag-demo', repo: 'storefront' };

describe('github-issue-triage', () => {
  it('--example 0 is a dry run that finds the seed duplicates and stale issues and changes nothing', () => {
    const before = storedIssues();
    const { status, json } = runSkill<Triage>(['github-issue-triage', '--example', '0']);
    expect(status).toBe(0);
    const triage = json.result;
    expect(triage).toMatchObject({ repository: 'magsag-demo/storefront', dryRun: true, applied: [] });
    expect(triage.counts).toMatchObject({ open: 30, triaged: 30, duplicatePairs: 7, stale: 8, applied: 0 });
    // The near-duplicate titles of the seed, each pair once: the Safari button (three issues), slow
    // category images, Apple Pay, password reset mail, accented search.
    expect(triage.duplicates.map((d) => [d.a, d.b])).toEqual([[1, 2], [1, 3], [2, 3], [4, 5], [6, 7], [8, 9], [18, 19]]);
    const row = (n: number) => triage.rows.find((r) => r.number === n);
    expect(row(3)).toMatchObject({ duplicateOf: 1, suggested: ['bug', 'ui'] });
    expect(row(19)).toMatchObject({ duplicateOf: 18, suggested: ['bug'] });
    // Stale: not updated for more than 90 days before the data's own clock (2026-01-15).
    expect(triage.rows.filter((r) => r.stale).map((r) => r.number)).toEqual([6, 11, 14, 16, 18, 21, 24, 28]);
    expect(triage.now.startsWith('2026-01-15')).toBe(true);
    // A compact table: short rows, no bodies.
    for (const r of triage.rows) expect(r.title.length).toBeLessThanOrEqual(48);
    expect(JSON.stringify(triage)).not.toContain('Console shows');
    expect(JSON.stringify(triage).length).toBeLessThan(json.metrics.toolBytes / 4);
    // Nothing was written: every issue it would label still has its labels and its updated_at.
    // (19 and 27 are left out: example 1 labels them for real, and another test file may run it.)
    const after = storedIssues();
    const wouldLabel = triage.rows.filter((r) => r.suggested.length > 0 && r.number !== 19 && r.number !== 27).map((r) => r.number);
    expect(wouldLabel.length).toBeGreaterThanOrEqual(4);
    for (const n of wouldLabel) expect(after.find((i) => i.number === n)).toEqual(before.find((i) => i.number === n));
  });

  it('apply: true without an approval is refused before anything reaches the server (exit 3); the issues file is unchanged', () => {
    const before = storedIssues();
    const refused = runSkill<Triage>(['github-issue-triage', '--input', JSON.stringify({ ...storefront, apply: true, numbers: [5] })]);
    expect(refused.status).toBe(3);
    expect(refused.json.error).toMatchObject({ code: 'TOOL_APPROVAL_REQUIRED', message: expect.stringContaining('github/update_issue') });
    expect(storedIssues()).toEqual(before);
  });

  it('apply: true writes the union of existing and suggested labels; a second dry run has nothing left to suggest', () => {
    const before = storedIssues();
    const applied = runSkill<Triage>(['github-issue-triage', '--input', JSON.stringify({ ...storefront, apply: true, numbers: [5] }), '--approve', 'github/update_issue']);
    expect(applied.status).toBe(0);
    expect(applied.json.result.dryRun).toBe(false);
    const after = storedIssues();
    const labels5 = labelsOf(after, 5);
    expect(labels5).toEqual(expect.arrayContaining([...labelsOf(before, 5), 'performance', 'ui']));
    if (applied.json.result.applied.length > 0) expect(applied.json.result.applied).toEqual([{ number: 5, labels: labels5 }]);
    // Only issue 5 was written: others the rules would label (2, 3, 9) kept their labels.
    for (const n of [2, 3, 9]) expect(labelsOf(after, n)).toEqual(labelsOf(before, n));

    const again = runSkill<Triage>(['github-issue-triage', '--input', JSON.stringify({ ...storefront, numbers: [5, 24], staleDays: 365 })]);
    expect(again.status).toBe(0);
    const rows = again.json.result.rows;
    expect(rows.find((r) => r.number === 5)).toMatchObject({ suggested: [], duplicateOf: 4, stale: false });
    // 380 days idle: still stale at 365 days.
    expect(rows.find((r) => r.number === 24)).toMatchObject({ stale: true });
    expect(again.json.result.counts).toMatchObject({ triaged: 2, stale: 1, applied: 0 });
    expect(labelsOf(storedIssues(), 5)).toEqual(labels5);
  });

  it('refuses bad input with SKILL_INVALID (exit 2)', () => {
    const missing = magsag(['run', 'github-issue-triage', '--input', JSON.stringify({ owner: 'magsag-demo', apply: 'yes' })]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('error SKILL_INVALID');
    expect(missing.stderr).toContain("must have required property 'repo'");
    expect(missing.stderr).toContain('must be boolean');
  });
});

interface Lookup {
  id: string;
  title: string;
  url?: string;
  outline: string[];
  matches: { path: string[]; text: string }[];
  subpages: { id: string; title: string }[];
  stats: { blocks: number; totalMatches: number; notFollowed: number };
}

describe('notion-page-lookup', () => {
  it('--example 0 walks the long Engineering Handbook and returns an outline and the matching passages', () => {
    const { status, json } = runSkill<Lookup>(['notion-page-lookup', '--example', '0']);
    expect(status).toBe(0);
    const page = json.result;
    expect(page.title).toBe('Engineering Handbook');
    // 10 sections of heading_1 > heading_2 (Rules, Details) > heading_3 (Checklist).
    expect(page.outline).toHaveLength(40);
    expect(page.outline.slice(12, 16)).toEqual(['4. Deployments', '  Rules', '  Details', '    Checklist']);
    expect(page.matches.length).toBeGreaterThan(1);
    expect(page.matches.length).toBeLessThanOrEqual(5);
    expect(page.matches[0]).toEqual({ path: ['4. Deployments', 'Rules'], text: 'Deploy freeze: no production deploys on Friday after 15:00 or on public holidays' });
    for (const match of page.matches) expect(match.text.toLowerCase()).toMatch(/deploy|friday/);
    expect(page.subpages).toEqual([{ id: expect.any(String), title: 'Deployment Runbook' }]);
    // All 232 blocks (more than one page of 100 children) were read, and the answer is a sliver of them.
    expect(page.stats.blocks).toBeGreaterThanOrEqual(232);
    expect(page.stats.totalMatches).toBeGreaterThan(page.matches.length);
    expect(JSON.stringify(page).length).toBeLessThan(json.metrics.toolBytes / 50);
  });

  it('looks a page up by id, honours maxDepth and cuts passages', () => {
    const input = { pageId: '272bc09f16e04be984f245e404d16b38', terms: 'canary', maxDepth: 1, maxChars: 40 };
    const { status, json } = runSkill<Lookup>(['notion-page-lookup', '--input', JSON.stringify(input)]);
    expect(status).toBe(0);
    const page = json.result;
    expect(page).toMatchObject({ id: '272bc09f-16e0-4be9-84f2-45e404d16b38', title: 'Deployment Runbook', outline: ['Before you start', 'Steps', 'Rollback'] });
    expect(page.matches).toHaveLength(1);
    expect(page.matches[0]!.path).toEqual(['Steps']);
    expect(page.matches[0]!.text).toContain('canary');
    expect(page.matches[0]!.text.length).toBeLessThanOrEqual(40);
    // Three numbered steps hold code blocks that depth 1 does not read.
    expect(page.stats.notFollowed).toBe(3);
  });

  it('a page the search does not find fails the run with a clear message (exit 1)', () => {
    const byQuery = runSkill<Lookup>(['notion-page-lookup', '--input', JSON.stringify({ query: 'No such page anywhere' })]);
    expect(byQuery.status).toBe(1);
    expect(byQuery.json.error?.message).toContain('No Notion page matches "No such page anywhere"');
  });

  it('refuses input without a query or a page id with SKILL_INVALID (exit 2)', () => {
    const bad = magsag(['run', 'notion-page-lookup', '--input', JSON.stringify({ terms: 'deploy', maxDepth: 0 })]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('error SKILL_INVALID');
    expect(bad.stderr).toContain("must have required property 'query'");
    expect(bad.stderr).toContain('must be >= 1');
  });
});
