import { MagsagError } from '@magsag/core';

/** A skill saved by an agent (`save_skill`), as the store keeps it: its files, whole. */
export interface StoredSkill {
  name: string;
  /** Grows by one on each overwrite: a replica whose copy is older writes the new files. */
  version: number;
  /** File name (`SKILL.md`, `index.ts`) → text. */
  files: Record<string, string>;
  /** The principal that saved it. */
  savedBy: string;
  savedAt: string;
}

/**
 * Skills agents saved, shared by every replica (PostgreSQL). The local backend has none of its own:
 * there, the project's skills folder is where `save_skill` writes and every command reads.
 */
export interface SkillStore {
  /**
   * Saves a skill and returns its version. Without `overwrite`, a skill of that name already in
   * the store is `SKILL_EXISTS` (another replica saved it first).
   */
  save(skill: { name: string; files: Record<string, string>; savedBy: string; overwrite: boolean }): Promise<number>;
  /** Every saved skill's name and version (no files): what a replica compares with its copies. */
  versions(): Promise<{ name: string; version: number }[]>;
  /** One skill with its files, or `undefined`. */
  get(name: string): Promise<StoredSkill | undefined>;
}

/** Names are the skills folder's: kebab-case, checked before they name a row or a folder. */
export function assertSkillName(name: string): void {
  if (typeof name !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name) || name.length > 64) {
    throw new MagsagError('USAGE', `Skill name "${String(name).slice(0, 80)}" is not kebab-case (e.g. weekly-report).`, { data: { skill: String(name).slice(0, 80) } });
  }
}

/** File names a stored skill may have: one level, no path, no hidden file. */
export function assertSkillFiles(files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(file) || file.includes('..') || typeof text !== 'string') {
      throw new MagsagError('USAGE', `A stored skill file must be a plain file name with text, got "${file.slice(0, 80)}".`, { data: { file: file.slice(0, 80) } });
    }
  }
}
