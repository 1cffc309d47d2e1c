import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
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

/**
 * Turns a program saved in a workspace into a skill: its `./servers/...` and `./skills/...` imports
 * become real relative paths, its top level becomes the body of the skill's function, and SKILL.md
 * lists the tools it imports.
 */
export function saveSkill(skillsDir: string, name: string, programFile: string, description?: string): { dir: string; files: string[]; servers: { server: string; tool: string }[] } {
  checkName(name);
  if (!existsSync(programFile)) throw new MagsagError('USAGE', `No file ${programFile} to save as a skill.`);
  const dir = path.join(skillsDir, name);
  if (existsSync(dir)) throw new MagsagError('USAGE', `${dir} already exists; pick another name.`);
  const source = readFileSync(programFile, 'utf8');
  const servers: { server: string; tool: string }[] = [];
  const rewritten = source.replace(/(from\s+['"])\.\/(servers|skills)\/([^'"]+)(['"])/g, (_m, head: string, kind: string, rest: string, tail: string) => {
    if (kind === 'servers') {
      const [server, tool] = rest.replace(/\.ts$/, '').split('/');
      if (server && tool) servers.push({ server, tool });
    }
    return `${head}../../${kind}/${rest.replace(/\.ts$/, '')}.ts${tail}`;
  });
  // Top-level imports stay; the rest becomes the function body; `export default X` becomes `return X`.
  const file = ts.createSourceFile('program.ts', rewritten, ts.ScriptTarget.Latest, true);
  const imports = file.statements.filter(ts.isImportDeclaration).map((s) => s.getText());
  const body = file.statements
    .filter((s) => !ts.isImportDeclaration(s))
    .map((s) => {
      if (ts.isExportAssignment(s)) {
        const value = s.expression.getText();
        return ts.isFunctionExpression(s.expression) || ts.isArrowFunction(s.expression) ? `return await (${value})(input);` : `return ${value};`;
      }
      return s.getText();
    });
  mkdirSync(dir, { recursive: true });
  const files = [path.join(dir, 'SKILL.md'), path.join(dir, 'index.ts')];
  writeFileSync(files[0]!, skillMarkdown(name, description ?? `Saved from ${path.basename(programFile)}: describe what it does and when to use it.`, servers));
  writeFileSync(
    files[1]!,
    `${imports.join('\n')}${imports.length ? '\n\n' : ''}export default async function run(input: Record<string, unknown> = {}): Promise<unknown> {\n  void input;\n${body
      .join('\n')
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n')}\n}\n`,
  );
  return { dir, files, servers };
}
