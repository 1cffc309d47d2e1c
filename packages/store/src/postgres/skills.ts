import { MagsagError } from '@magsag/core';
import { assertSkillFiles, assertSkillName, type SkillStore, type StoredSkill } from '../skills.ts';
import type { PostgresStore } from './store.ts';

/** Saved skills in `magsag_skills`, one row each with its files as JSON. */
export class PostgresSkills implements SkillStore {
  readonly #store: PostgresStore;

  constructor(store: PostgresStore) {
    this.#store = store;
  }

  async save(skill: { name: string; files: Record<string, string>; savedBy: string; overwrite: boolean }): Promise<number> {
    assertSkillName(skill.name);
    assertSkillFiles(skill.files);
    const files = JSON.stringify(skill.files);
    // One statement either way: a new row at version 1, or (overwrite) the next version of the row.
    const result = skill.overwrite
      ? await this.#store.query<{ version: number }>(
          `INSERT INTO magsag_skills (name, version, files, saved_by, saved_at) VALUES ($1, 1, $2, $3, now())
           ON CONFLICT (name) DO UPDATE SET version = magsag_skills.version + 1, files = excluded.files, saved_by = excluded.saved_by, saved_at = excluded.saved_at
           RETURNING version`,
          [skill.name, files, skill.savedBy],
          `saving skill ${skill.name}`,
        )
      : await this.#store.query<{ version: number }>(
          `INSERT INTO magsag_skills (name, version, files, saved_by, saved_at) VALUES ($1, 1, $2, $3, now())
           ON CONFLICT (name) DO NOTHING RETURNING version`,
          [skill.name, files, skill.savedBy],
          `saving skill ${skill.name}`,
        );
    const version = result.rows[0]?.version;
    if (version === undefined) {
      throw new MagsagError('SKILL_EXISTS', `A skill "${skill.name}" was already saved (by another replica); save under another name, or replace it with overwrite.`, { data: { skill: skill.name } });
    }
    return version;
  }

  async versions(): Promise<{ name: string; version: number }[]> {
    const result = await this.#store.query<{ name: string; version: number }>('SELECT name, version FROM magsag_skills ORDER BY name COLLATE "C"', [], 'listing saved skills');
    return result.rows;
  }

  async get(name: string): Promise<StoredSkill | undefined> {
    assertSkillName(name);
    const result = await this.#store.query<{ name: string; version: number; files: Record<string, string>; saved_by: string; saved_at: Date }>(
      'SELECT name, version, files, saved_by, saved_at FROM magsag_skills WHERE name = $1',
      [name],
      `reading skill ${name}`,
    );
    const row = result.rows[0];
    return row ? { name: row.name, version: row.version, files: row.files, savedBy: row.saved_by, savedAt: row.saved_at.toISOString() } : undefined;
  }
}
