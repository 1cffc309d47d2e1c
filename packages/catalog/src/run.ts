import { MagsagError } from '@magsag/core';
import { validateAgainstSchema } from '@magsag/mcp-client/config';
import type { RunLimits } from '@magsag/runner';
import type { Skill } from './skills.ts';

/** A skill made ready for the sandbox: the program that calls it, its input and its limits. */
export interface SkillProgram {
  code: string;
  filename: string;
  input: unknown;
  limits: Partial<RunLimits>;
}

/** The input of a skill's Nth example (from 0); `USAGE` when there is none. */
export function exampleInput(skill: Skill, index: number): unknown {
  const example = skill.meta.examples[index];
  if (!example) {
    throw new MagsagError(
      'USAGE',
      `Skill "${skill.name}" has ${skill.meta.examples.length} example${skill.meta.examples.length === 1 ? '' : 's'}; --example ${index} does not exist (they count from 0).`,
    );
  }
  return example.input;
}

/**
 * Validates `input` against the skill's input schema (`SKILL_INVALID` naming each problem) and
 * returns the program that runs the skill in the sandbox: it imports the skill by its virtual path
 * and default-exports its function, which the runner calls with the input.
 */
export function prepareSkillRun(skill: Skill, input: unknown): SkillProgram {
  const problems = validateAgainstSchema(skill.meta.inputs, input);
  if (problems.length > 0) {
    throw new MagsagError(
      'SKILL_INVALID',
      `Input for skill "${skill.name}" does not match its schema (inputs in ${skill.file}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { data: { skill: skill.name, problems } },
    );
  }
  return {
    code: `import skill from './skills/${skill.name}';\nexport default skill;\n`,
    filename: `run-${skill.name}.ts`,
    input,
    limits: skill.meta.limits,
  };
}
