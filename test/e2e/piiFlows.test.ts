import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { magsag, repoRoot } from './helpers.ts';

const demo = path.join(repoRoot, '.magsag', 'demo');
const raw = ['Grace Hopper', 'grace.hopper@navy-demo.example', '+1 415 555 0132', 'Alan Turing', 'alan.turing@bletchley-demo.example', 'Katherine Johnson'];

const crmContacts = (): { LastName: string; Email: string | null; Phone: string | null; LeadSource: string | null }[] =>
  (JSON.parse(readFileSync(path.join(demo, 'crm', 'records.json'), 'utf8')) as { records: { Contact: never[] } }).records.Contact;

describe('personal data between servers', () => {
  it('moves real contacts from memory into the CRM while the model sees only placeholders', () => {
    const before = crmContacts().filter((c) => c.LeadSource === 'Memory import').length;
    const { status, stdout, stderr } = magsag(['exec', 'examples/importContacts.ts', '--approve', 'crm/create_record', '--json']);
    expect(status).toBe(0);
    const doc = JSON.parse(stdout) as { result: { contact: string }[]; modelView: string; logs: unknown[] };
    expect(doc.result.map((r) => r.contact)).toEqual(['[NAME_1]', '[NAME_2]', '[NAME_3]']);
    for (const value of raw) {
      expect(stdout, value).not.toContain(value);
      expect(stderr, value).not.toContain(value);
    }
    // The CRM received the raw values.
    const imported = crmContacts().filter((c) => c.LeadSource === 'Memory import');
    expect(imported.length - before).toBe(3);
    expect(imported.slice(-3)).toEqual(
      expect.arrayContaining([expect.objectContaining({ LastName: 'Grace Hopper', Email: 'grace.hopper@navy-demo.example', Phone: '+1 415 555 0132' })]),
    );
  });

  it('refuses a flow the policy does not allow, and writes nothing', () => {
    // Other test files may relabel issues meanwhile: compare only issue #1's comments.
    const commentsOfIssue1 = (): unknown[] =>
      (JSON.parse(readFileSync(path.join(demo, 'github', 'issues.json'), 'utf8')) as { repositories: { issues: { number: number; comments: unknown[] }[] }[] }).repositories[0]!.issues.find((i) => i.number === 1)!
        .comments;
    const before = commentsOfIssue1();
    const program = [
      "import { searchNodes } from './servers/memory/searchNodes';",
      "import { addIssueComment } from './servers/github/addIssueComment';",
      "const graph = await searchNodes({ query: 'Grace' });",
      'const grace = graph.entities[0]!;',
      "export default await addIssueComment({ owner: 'magsag-demo', repo: 'storefront', issue_number: 1, body: `Call ${grace.name}: ${grace.observations.join(', ')}` });",
    ].join('\n');
    // Approved, so that the flow policy is what refuses it.
    const { status, stdout, stderr } = magsag(['exec', '-', '--approve', 'github/add_issue_comment', '--json'], { input: program });
    expect(status).toBe(1);
    const doc = JSON.parse(stdout) as { error: { code: string; message: string } };
    expect(doc.error.code).toBe('PII_POLICY_VIOLATION');
    expect(doc.error.message).toMatch(/NAME|EMAIL|PHONE/);
    expect(doc.error.message).toContain('memory');
    expect(doc.error.message).toContain('github');
    for (const value of raw) expect(stdout + stderr, value).not.toContain(value);
    expect(commentsOfIssue1()).toEqual(before);
  });
});
