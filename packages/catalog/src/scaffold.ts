import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MagsagError, version } from '@magsag/core';
import { stringify } from 'yaml';
import { skillFrontmatterSchema } from './schema.ts';

function checkName(name: string): void {
  if (!skillFrontmatterSchema.shape.name.safeParse(name).success) {
    throw new MagsagError('USAGE', `"${name}" is not a skill name: use kebab-case, e.g. weekly-report.`);
  }
}

function skillMarkdown(name: string, description: string, servers: { server: string; tool: string }[]): string {
  const meta = {
    name,
    description,
    version,
    servers,
    inputs: { type: 'object', properties: {}, additionalProperties: false },
    outputs: { type: 'object' },
    limits: { wallMs: 30000 },
    tags: [],
    examples: [{ title: 'Run with no input', input: {} }],
  };
  return `---\n${stringify(meta, { lineWidth: 0 })}---\n\n# ${name}\n\n${description}\n\n## Inputs\n\nDescribe each field of \`inputs\`.\n\n## Outputs\n\nDescribe what the skill returns (keep it small: the model sees it).\n\n## Example\n\n\`\`\`sh\npnpm magsag run ${name} --example 0\n\`\`\`\n\n## Notes\n\nWhat an operator should know: servers it needs, side effects, limits.\n`;
}

/** Creates `skills/<name>/` with a SKILL.md template and an `index.ts` that type-checks. */
export function scaffoldSkill(skillsDir: string, name: string): { dir: string; files: string[] } {
  checkName(name);
  const dir = path.join(skillsDir, name);
  if (existsSync(dir)) throw new MagsagError('USAGE', `${dir} already exists; pick another name or edit it.`);
  mkdirSync(dir, { recursive: true });
  const files = [path.join(dir, 'SKILL.md'), path.join(dir, 'index.ts')];
  writeFileSync(files[0]!, skillMarkdown(name, `TODO: one sentence on what ${name} does and when to use it.`, []));
  writeFileSync(
    files[1]!,
    `// Import the tools you need by real relative path, e.g.\n// import { echo } from '../../servers/everything/echo.ts';\n\nexport interface Input {}\n\nexport default async function run(input: Input): Promise<Record<string, unknown>> {\n  return { received: input };\n}\n`,
  );
  return { dir, files };
}
