import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { didYouMean, MagsagError } from '@magsag/core';
import { parse as parseYaml } from 'yaml';
import { skillFrontmatterSchema, type SkillFrontmatter } from './schema.ts';

/** One skill on disk. */
export interface Skill {
  name: string;
  /** The skill's folder. */
  dir: string;
  /** Its SKILL.md. */
  file: string;
  /** Its code: `index.ts`. */
  entry: string;
  meta: SkillFrontmatter;
  /** The Markdown after the frontmatter. */
  body: string;
}

const frontmatterPattern = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;

/** Parses and validates a SKILL.md text; errors name the file and the field. */
export function parseSkillFile(text: string, file: string): { meta: SkillFrontmatter; body: string } {
  const match = frontmatterPattern.exec(text);
  if (!match) {
    throw new MagsagError('SKILL_INVALID', `${file}: no frontmatter. Start SKILL.md with a --- block holding name, description, version, servers, inputs, outputs.`, {
      data: { file },
    });
  }
  let raw: unknown;
  try {
    raw = parseYaml(match[1]!);
  } catch (cause) {
    throw new MagsagError('SKILL_INVALID', `${file}: the frontmatter is not valid YAML: ${(cause as Error).message.split('\n')[0]}`, { cause, data: { file } });
  }
  const parsed = skillFrontmatterSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const field = issue.path.map(String).join('.') || '(frontmatter)';
      return issue.code === 'unrecognized_keys' ? `  field "${[...issue.path, ...issue.keys].join('.')}": unknown field` : `  field "${field}": ${issue.message}`;
    });
    throw new MagsagError('SKILL_INVALID', `${file}: invalid SKILL.md frontmatter:\n${lines.join('\n')}`, {
      data: { file, issues: parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message })) },
    });
  }
  return { meta: parsed.data, body: match[2] ?? '' };
}

/** Loads the skill in `dir` (its SKILL.md and index.ts). */
export function loadSkill(dir: string): Skill {
  const file = path.join(dir, 'SKILL.md');
  const name = path.basename(dir);
  if (!existsSync(file)) throw new MagsagError('SKILL_INVALID', `${dir} has no SKILL.md. Create one with \`magsag skills new ${name}\`.`, { data: { file } });
  const { meta, body } = parseSkillFile(readFileSync(file, 'utf8'), file);
  if (meta.name !== name) {
    throw new MagsagError('SKILL_INVALID', `${file}: field "name" is "${meta.name}" but the folder is ${name}. They must match.`, { data: { file, field: 'name' } });
  }
  const entry = path.join(dir, 'index.ts');
  if (!existsSync(entry)) throw new MagsagError('SKILL_INVALID', `${dir} has no index.ts: a skill default-exports async (input) => output from it.`, { data: { file: entry } });
  return { name, dir, file, entry, meta, body };
}

/** Every skill under `skillsDir`, and one error per folder that failed to load. */
export function loadSkills(skillsDir: string): { skills: Skill[]; errors: MagsagError[] } {
  const skills: Skill[] = [];
  const errors: MagsagError[] = [];
  if (!existsSync(skillsDir)) return { skills, errors };
  for (const name of readdirSync(skillsDir).sort()) {
    const dir = path.join(skillsDir, name);
    if (!statSync(dir).isDirectory() || name.startsWith('.') || name.startsWith('_')) continue;
    try {
      skills.push(loadSkill(dir));
    } catch (error) {
      errors.push(error instanceof MagsagError ? error : new MagsagError('SKILL_INVALID', `${dir}: ${String(error)}`));
    }
  }
  return { skills, errors };
}

/** The skill named `name`; `SKILL_NOT_FOUND` lists the known ones. */
export function findSkill(skillsDir: string, name: string): Skill {
  const dir = path.join(skillsDir, name);
  if (!/^[a-z0-9-]+$/.test(name) || !existsSync(dir)) {
    const known = loadSkills(skillsDir).skills.map((s) => s.name);
    throw new MagsagError('SKILL_NOT_FOUND', `No skill "${name}" in ${skillsDir}.${didYouMean(name, known)} ${known.length ? `Known skills: ${known.join(', ')}.` : 'There are no skills yet.'} Run \`magsag skills list\`.`, {
      data: { skill: name },
    });
  }
  return loadSkill(dir);
}
