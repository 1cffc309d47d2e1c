// Skills agents save, shared between serve replicas through a real PostgreSQL: the store's rows
// (versions, SKILL_EXISTS between replicas, overwrite), and each replica's skills folder brought up
// to date from them. Every SQL statement is seen by the observer that feeds serve's metrics.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '@magsag/store';
import { SharedSkills } from '../src/serve/sharedSkills.ts';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';

const unavailable = postgresUnavailable();

function writeSkill(skillsDir: string, name: string, body: string): void {
  mkdirSync(path.join(skillsDir, name), { recursive: true });
  writeFileSync(path.join(skillsDir, name, 'SKILL.md'), `---\nname: ${name}\n---\n${body}\n`);
  writeFileSync(path.join(skillsDir, name, 'index.ts'), `export default async () => ${JSON.stringify(body)};\n`);
}

describe.skipIf(unavailable)(`skills shared through PostgreSQL${unavailable ? ` — SKIPPED: ${unavailable}` : ''}`, () => {
  let cluster: TestPostgres;
  let a: Store;
  let b: Store;
  let dirA: string;
  let dirB: string;
  const statements: string[] = [];
  beforeAll(async () => {
    cluster = await startPostgres();
    a = await openStore({ stateDir: mkdtempSync(path.join(tmpdir(), 'magsag-skills-a-')), url: cluster.url, observe: (operation, seconds, ok) => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      if (ok) statements.push(operation);
    } });
    b = await openStore({ stateDir: mkdtempSync(path.join(tmpdir(), 'magsag-skills-b-')), url: cluster.url });
    dirA = mkdtempSync(path.join(tmpdir(), 'magsag-skills-dir-a-'));
    dirB = mkdtempSync(path.join(tmpdir(), 'magsag-skills-dir-b-'));
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await cluster?.stop();
    for (const dir of [dirA, dirB]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a skill saved on one replica appears in the other replica\'s folder, whole', async () => {
    const sharedA = new SharedSkills(a.skills!, dirA);
    const sharedB = new SharedSkills(b.skills!, dirB, { minIntervalMs: 0 });
    writeSkill(dirA, 'weekly-report', 'first');
    await sharedA.publish('weekly-report', 'alice', false);
    expect(existsSync(path.join(dirB, 'weekly-report'))).toBe(false);
    await sharedB.refresh();
    expect(readFileSync(path.join(dirB, 'weekly-report', 'index.ts'), 'utf8')).toBe('export default async () => "first";\n');
    expect(readFileSync(path.join(dirB, 'weekly-report', 'SKILL.md'), 'utf8')).toContain('name: weekly-report');
    expect(await b.skills!.get('weekly-report')).toMatchObject({ version: 1, savedBy: 'alice' });
    // The observer saw the statements, labelled by verb and table.
    expect(statements).toContain('INSERT magsag_skills');
  });

  it('the same name saved on the other replica is SKILL_EXISTS, and that replica ends up with the first skill', async () => {
    const sharedB = new SharedSkills(b.skills!, dirB, { minIntervalMs: 0 });
    writeSkill(dirB, 'race-skill', 'from b');
    const sharedA = new SharedSkills(a.skills!, dirA);
    writeSkill(dirA, 'race-skill', 'from a');
    await sharedA.publish('race-skill', 'alice', false);
    await expect(sharedB.publish('race-skill', 'bob', false)).rejects.toMatchObject({ code: 'SKILL_EXISTS' });
    expect(readFileSync(path.join(dirB, 'race-skill', 'index.ts'), 'utf8')).toContain('from a');
  });

  it('an overwrite makes a new version that other replicas pick up; bad names and files are refused', async () => {
    const sharedA = new SharedSkills(a.skills!, dirA);
    const sharedB = new SharedSkills(b.skills!, dirB, { minIntervalMs: 0 });
    await sharedB.refresh();
    writeSkill(dirA, 'weekly-report', 'second');
    await sharedA.publish('weekly-report', 'alice', true);
    expect((await a.skills!.versions()).find((s) => s.name === 'weekly-report')).toEqual({ name: 'weekly-report', version: 2 });
    await sharedB.refresh();
    expect(readFileSync(path.join(dirB, 'weekly-report', 'index.ts'), 'utf8')).toContain('second');
    await expect(a.skills!.save({ name: '../etc', files: {}, savedBy: 'x', overwrite: false })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(a.skills!.save({ name: 'ok-name', files: { '../x': 'y' }, savedBy: 'x', overwrite: false })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('a store that fails leaves no half-saved skill in the folder', async () => {
    const closed = await openStore({ stateDir: dirA, url: cluster.url });
    await closed.close();
    const shared = new SharedSkills(closed.skills!, dirA);
    writeSkill(dirA, 'lost-skill', 'never shared');
    await expect(shared.publish('lost-skill', 'alice', false)).rejects.toThrow();
    expect(existsSync(path.join(dirA, 'lost-skill'))).toBe(false);
  });
});
