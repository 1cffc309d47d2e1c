import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isMagsagError, MagsagError } from '@magsag/core';
import { assertSkillFiles, assertSkillName, type SkillStore } from '@magsag/store';

const maxFiles = 20;
const maxFileBytes = 1024 * 1024;

/**
 * Skills agents saved, shared between `serve` replicas through the store. `save_skill` checks and
 * writes a skill into this replica's skills folder as always, then {@link publish} puts its files in
 * the store; {@link refresh} writes skills other replicas saved (or saved anew) into the folder, so
 * the catalog, the type-checker and `run_skill` read them like any other. Each replica keeps its own
 * copy: the folder is a cache of the store for skills saved through it.
 */
export class SharedSkills {
  readonly #store: SkillStore;
  readonly #skillsDir: string;
  readonly #minIntervalMs: number;
  /** Name → the version this replica's folder holds. */
  readonly #held = new Map<string, number>();
  #refreshing: Promise<void> | undefined;
  #refreshedAt = -Infinity;

  constructor(store: SkillStore, skillsDir: string, options: { minIntervalMs?: number } = {}) {
    this.#store = store;
    this.#skillsDir = skillsDir;
    this.#minIntervalMs = options.minIntervalMs ?? 1000;
  }

  /**
   * Brings the folder up to date with the store: one query for the names and versions, then the
   * files of each skill that is new or newer. Calls within `minIntervalMs` of the last share it.
   */
  refresh(force = false): Promise<void> {
    if (this.#refreshing) return this.#refreshing;
    if (!force && performance.now() - this.#refreshedAt < this.#minIntervalMs) return Promise.resolve();
    this.#refreshing = this.#pull().finally(() => {
      this.#refreshedAt = performance.now();
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #pull(): Promise<void> {
    for (const { name, version } of await this.#store.versions()) {
      if (this.#held.get(name) === version) continue;
      const skill = await this.#store.get(name);
      if (!skill) continue;
      this.#write(name, skill.files);
      this.#held.set(name, skill.version);
    }
  }

  /**
   * Puts a skill `save_skill` just wrote into the folder into the store, for every replica. When
   * the store fails, a new skill is removed from the folder again: saved everywhere or nowhere.
   */
  async publish(name: string, savedBy: string, overwrite: boolean): Promise<void> {
    const files = this.#read(name);
    try {
      this.#held.set(name, await this.#store.save({ name, files, savedBy, overwrite }));
    } catch (error) {
      // Another replica saved this name first: its skill wins, here too.
      if (isMagsagError(error) && error.code === 'SKILL_EXISTS') {
        this.#held.delete(name);
        await this.refresh(true).catch(() => {});
      } else if (!overwrite) {
        // Not in the store (it failed): not here either, so a retry saves it whole.
        rmSync(path.join(this.#skillsDir, name), { recursive: true, force: true });
      }
      throw error;
    }
  }

  #read(name: string): Record<string, string> {
    const dir = path.join(this.#skillsDir, name);
    const files: Record<string, string> = {};
    const names = readdirSync(dir).filter((file) => !file.startsWith('.'));
    if (names.length > maxFiles) throw new MagsagError('USAGE', `Skill ${name} has ${names.length} files; a shared skill has at most ${maxFiles}.`, { data: { skill: name } });
    for (const file of names) {
      const full = path.join(dir, file);
      const stat = lstatSync(full);
      if (!stat.isFile()) continue;
      if (stat.size > maxFileBytes) throw new MagsagError('USAGE', `Skill file ${name}/${file} is ${stat.size} bytes; a shared skill's files are at most ${maxFileBytes} bytes.`, { data: { skill: name, file } });
      files[file] = readFileSync(full, 'utf8');
    }
    return files;
  }

  /** Replaces the skill's folder whole: readers see the old one or the new one. */
  #write(name: string, files: Record<string, string>): void {
    // Names come from the database: checked again before they name a folder or a file.
    assertSkillName(name);
    assertSkillFiles(files);
    mkdirSync(this.#skillsDir, { recursive: true });
    const dir = path.join(this.#skillsDir, name);
    const temp = path.join(this.#skillsDir, `.${name}.${randomBytes(4).toString('hex')}.syncing`);
    mkdirSync(temp);
    try {
      for (const [file, text] of Object.entries(files)) writeFileSync(path.join(temp, file), text);
      if (existsSync(dir)) {
        const old = path.join(this.#skillsDir, `.${name}.${randomBytes(4).toString('hex')}.old`);
        renameSync(dir, old);
        renameSync(temp, dir);
        rmSync(old, { recursive: true, force: true });
      } else {
        renameSync(temp, dir);
      }
    } catch (error) {
      rmSync(temp, { recursive: true, force: true });
      throw error;
    }
  }
}
