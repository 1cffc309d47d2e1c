import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { magsag, repoRoot } from './helpers.ts';

interface Doc {
  ok: boolean;
  result: Record<string, unknown> | null;
  modelView: string;
  logs: unknown[];
  workspace: { id: string; path: string } | null;
  error: { code: string; message: string } | null;
}

const run = (skill: string, args: string[]): { status: number; doc: Doc; stdout: string } => {
  const out = magsag(['run', skill, ...args, '--json']);
  return { status: out.status, doc: JSON.parse(out.stdout) as Doc, stdout: out.stdout };
};

describe('salary-band-lookup', () => {
  it('condenses the rows of one role, level and location into a band', () => {
    const { status, doc } = run('salary-band-lookup', ['--example', '0']);
    expect(status).toBe(0);
    const band = doc.result as { currency: string; min: number; max: number; midpoint: number; rows: number; sources: string[] };
    expect(band).toMatchObject({ role: 'software-engineer', level: 'senior', location: 'Berlin', currency: 'EUR' });
    expect(band.rows).toBeGreaterThanOrEqual(5);
    expect(band.min).toBeLessThan(band.max);
    expect(band.midpoint).toBe(Math.round((band.min + band.max) / 2));
  });

  it('names the known values when the role does not exist, and rejects a bad level before running', () => {
    const unknown = run('salary-band-lookup', ['--input', '{"role":"wizard","level":"mid","location":"Berlin"}']);
    expect(unknown.status).toBe(1);
    expect(unknown.doc.error?.message).toContain('Known roles: ');
    expect(unknown.doc.error?.message).toContain('software-engineer');
    expect(magsag(['run', 'salary-band-lookup', '--input', '{"role":"designer","level":"godlike","location":"Berlin"}']).status).toBe(2);
  });
});

describe('supabase-sql-readonly', () => {
  it('returns the count and first rows and writes the whole result to the workspace as CSV', () => {
    const { status, doc } = run('supabase-sql-readonly', ['--input', JSON.stringify({ sql: 'SELECT role, level, location, min_salary FROM salary_bands ORDER BY id', maxRows: 3 })]);
    expect(status).toBe(0);
    const out = doc.result as { rowCount: number; rows: unknown[]; truncated: boolean; csv: string; columns: string[] };
    expect(out.rowCount).toBeGreaterThanOrEqual(10_000);
    expect(out.rows).toHaveLength(3);
    expect(out.truncated).toBe(true);
    expect(out.columns).toEqual(['role', 'level', 'location', 'min_salary']);
    const csv = readFileSync(path.join(doc.workspace!.path, 'files', out.csv), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe('role,level,location,min_salary');
    expect(csv).toHaveLength(out.rowCount + 1);
    // The model view carries the first rows, not ten thousand.
    expect(doc.modelView.length).toBeLessThan(5000);
  });

  it.each([
    ['DELETE FROM salary_bands', 'Only SELECT or WITH'],
    ['SELECT 1; DROP TABLE salary_bands', 'Only one statement'],
    ['WITH gone AS (DELETE FROM salary_bands RETURNING *) SELECT count(*) FROM gone', 'cannot use "DELETE"'],
    ['SELECT * INTO copy_of_bands FROM salary_bands', 'cannot use "INTO"'],
    ['/* SELECT */ UPDATE salary_bands SET min_salary = 0', 'Only SELECT or WITH'],
  ])('refuses %s', (sql, message) => {
    const { status, doc } = run('supabase-sql-readonly', ['--input', JSON.stringify({ sql })]);
    expect(status).toBe(1);
    expect(doc.error?.message).toContain(message);
  });

  it('ignores keywords inside comments and quoted text', () => {
    const { status, doc } = run('supabase-sql-readonly', ['--input', JSON.stringify({ sql: "SELECT 'drop table x; delete' AS note, $$ update $$ AS body -- insert\n" })]);
    expect(status).toBe(0);
    expect(doc.result).toMatchObject({ rowCount: 1, rows: [{ note: 'drop table x; delete' }] });
    // Nothing was changed: the table still has every row.
    const count = run('supabase-sql-readonly', ['--input', '{"sql":"SELECT count(*)::int AS n FROM salary_bands"}']);
    expect((count.doc.result as { rows: { n: number }[] }).rows[0]!.n).toBeGreaterThanOrEqual(10_000);
  });
});

describe('doc-gen', () => {
  it('writes the packet with real values to the vault and shows the model only placeholders', () => {
    const { status, doc, stdout } = run('doc-gen', ['--example', '0', '--approve', 'vault/write_file']);
    expect(status).toBe(0);
    const out = doc.result as { path: string; summary: string; template: string };
    expect(out.template).toBe('software-engineer:senior');
    for (const raw of ['Ada Lovelace', 'ada.lovelace@example.com', '+44 20 7946 0958']) expect(stdout).not.toContain(raw);
    expect(out.summary).toContain('[NAME_1]');
    expect(out.summary).toContain('[EMAIL_1]');
    const packet = readFileSync(path.join(repoRoot, '.magsag/demo/vault', out.path), 'utf8');
    expect(packet).toContain('Dear Ada Lovelace,');
    expect(packet).toContain('ada.lovelace@example.com');
    expect(packet).toContain('+44 20 7946 0958');
    expect(packet).toMatch(/Base salary: EUR [\d,]+ per year/);
    expect(out.path).not.toMatch(/ada|lovelace/i);
  });

  it('falls back to the default template and rejects a profile that fails its schema', () => {
    const { status, doc } = run('doc-gen', ['--example', '1', '--approve', 'vault/write_file']);
    expect(status).toBe(0);
    expect(doc.result).toMatchObject({ template: 'default' });
    const bad = magsag(['run', 'doc-gen', '--input', JSON.stringify({ candidate: { full_name: 'X', email: 'not-an-email', phone: '1', role: 'designer', level: 'mid', location: 'London' } })]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('/candidate/email: must match format "email"');
    const offers = path.join(repoRoot, '.magsag/demo/vault/Offers');
    expect(existsSync(offers) ? readdirSync(offers).filter((f) => f.includes('designer-mid')) : []).toEqual([]);
  });
});
