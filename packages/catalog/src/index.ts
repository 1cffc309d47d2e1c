export { skillFrontmatterSchema } from './schema.ts';
export type { SkillFrontmatter } from './schema.ts';
export { findSkill, loadSkill, loadSkills, parseSkillFile } from './skills.ts';
export type { Skill } from './skills.ts';
export { validateCatalog } from './validate.ts';
export type { CatalogDiagnostic, ValidateCatalogOptions } from './validate.ts';
export { exampleInput, prepareSkillRun } from './run.ts';
export type { SkillProgram } from './run.ts';
export { saveSkill, scaffoldSkill } from './scaffold.ts';
