import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MagsagError } from '@magsag/core';
import { validateAgainstSchema } from '@magsag/mcp-client/config';
import ts from 'typescript';
import { stringify } from 'yaml';
import { skillFrontmatterSchema } from './schema.ts';
import { parseSkillFile, type Skill } from './skills.ts';
import { checkSkills, type CatalogDiagnostic } from './validate.ts';

/** What {@link saveSkill} saves: the `save_skill` tool's arguments, and the folders they go to. */
export interface SaveSkillOptions {
  /** The project root: its `tsconfig.json` type-checks the code. */
  root: string;
  /** The skills folder (`folders.skills`); the skill goes to `<skillsDir>/<name>/`. */
  skillsDir: string;
  /** The generated modules (`folders.modules`), which the code imports as `./servers/<server>/<function>`. */
  serversDir: string;
  /** A kebab-case name, also the folder's. */
  name: string;
  /** What the skill does and when to use it (SKILL.md `description`). */
  description: string;
  /**
   * The code: a module whose default export is `async (input) => result`, as `execute_code` runs it
   * (`./servers/...` and `./skills/...` imports). A program whose default export is a value instead
   * becomes the body of that function.
   */
  code: string;
  /** A JSON Schema (`type: object`) for the input. @default an object with no properties */
  inputSchema?: Record<string, unknown>;
  /** Inputs the skill can be run with (`magsag run <name> --example N`); each must pass `inputSchema`. */
  examples?: { input: unknown; description?: string }[];
  /** Replace a skill of the same name. @default false */
  overwrite?: boolean;
}

/** What {@link saveSkill} wrote. */
export interface SavedSkill {
  name: string;
  dir: string;
  files: string[];
  /** The tools the code imports, as SKILL.md lists them. */
  servers: { server: string; tool: string }[];
  /** How many examples SKILL.md has (`magsag run <name> --example N`). */
  examples: number;
}

const noInput = { type: 'object', properties: {}, additionalProperties: false };

/** A TypeScript type for a JSON Schema, for an input parameter the code left untyped. */
function schemaType(schema: unknown): string {
  if (typeof schema !== 'object' || schema === null) return 'unknown';
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s['enum'])) return s['enum'].map((v) => JSON.stringify(v)).join(' | ') || 'never';
  switch (s['type']) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return `${/^\w+$/.test(schemaType(s['items'])) ? schemaType(s['items']) : `(${schemaType(s['items'])})`}[]`;
    case 'object': {
      const properties = (s['properties'] ?? {}) as Record<string, unknown>;
      const required = new Set(Array.isArray(s['required']) ? s['required'] : []);
      const keys = Object.keys(properties);
      if (keys.length === 0) return s['additionalProperties'] === false ? 'Record<string, never>' : 'Record<string, unknown>';
      return `{ ${keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}${required.has(k) ? '' : '?'}: ${schemaType(properties[k])}`).join('; ')} }`;
    }
    default:
      return 'unknown';
  }
}

/**
 * The code as it is stored in `skills/<name>/index.ts`: sandbox imports become real relative paths,
 * an untyped input parameter gets the schema's type, and a program that exports a value becomes
 * the body of `export default async function run(input)`.
 */
function skillSource(code: string, inputType: string, skillDir: string, serversDir: string): { source: string; servers: { server: string; tool: string }[]; problems: string[] } {
  const servers: { server: string; tool: string }[] = [];
  const toServers = path.relative(skillDir, serversDir).split(path.sep).join('/');
  const rewritten = code.replace(/(from\s+['"])\.\/(servers|skills)\/([^'"]+)(['"])/g, (_m, head: string, kind: string, rest: string, tail: string) => {
    const bare = rest.replace(/(\/index)?\.ts$/, '');
    if (kind === 'skills') return `${head}../${bare}/index.ts${tail}`;
    const [server, tool] = bare.split('/');
    if (server && tool && !servers.some((s) => s.server === server && s.tool === tool)) servers.push({ server, tool });
    return `${head}${toServers}/${bare}.ts${tail}`;
  });
  const file = ts.createSourceFile('index.ts', rewritten, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const isDefault = (s: ts.Statement): boolean =>
    (ts.isExportAssignment(s) && !s.isExportEquals) || (ts.isFunctionDeclaration(s) && (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword));
  const exported = file.statements.find(isDefault);
  if (!exported) return { source: rewritten, servers, problems: ['the code has no default export: end it with `export default async (input) => { ... }`.'] };
  const value = ts.isExportAssignment(exported) ? exported.expression : undefined;
  const fn = ts.isFunctionDeclaration(exported) ? exported : value && (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) ? value : undefined;
  if (fn) {
    const param = fn.parameters[0];
    if (!param || param.type || !ts.isIdentifier(param.name)) return { source: rewritten, servers, problems: [] };
    // `async (input) => ...` under strict TypeScript: the input gets the type its schema describes.
    const parenthesised = fn.getChildren().some((c: ts.Node) => c.kind === ts.SyntaxKind.OpenParenToken);
    const typed = `${param.name.text}: ${inputType}`;
    const start = param.name.getStart();
    const source = `${rewritten.slice(0, start)}${parenthesised ? typed : `(${typed})`}${rewritten.slice(param.name.end)}`;
    return { source, servers, problems: [] };
  }
  // A program: top-level imports stay; the rest becomes the function body; `export default X` becomes `return X`.
  const imports = file.statements.filter(ts.isImportDeclaration).map((s) => s.getText());
  const body = file.statements
    .filter((s) => !ts.isImportDeclaration(s))
    .map((s) => (ts.isExportAssignment(s) ? `return ${s.expression.getText()};` : s.getText()));
  const source = `${imports.join('\n')}${imports.length ? '\n\n' : ''}export default async function run(input: ${inputType}): Promise<unknown> {\n  void input;\n${body
    .join('\n')
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n')}\n}\n`;
  return { source, servers, problems: [] };
}

function skillMarkdown(options: { name: string; description: string; servers: { server: string; tool: string }[]; inputs: Record<string, unknown>; examples: { title: string; input: unknown }[] }): string {
  const { name, description, servers, inputs, examples } = options;
  const meta = { name, description, version: '1.0.0', servers, inputs, outputs: { type: 'object' }, limits: { wallMs: 30000 }, tags: [], examples };
  const properties = Object.entries((inputs['properties'] ?? {}) as Record<string, { description?: unknown }>);
  const inputLines = properties.length
    ? properties.map(([key, p]) => `- \`${key}\`${typeof p?.description === 'string' ? `: ${p.description}` : ''}`).join('\n')
    : 'None.';
  const run = examples.length ? `pnpm magsag run ${name} --example 0` : `pnpm magsag run ${name} --input '{}'`;
  return `---\n${stringify(meta, { lineWidth: 0 })}---\n\n# ${name}\n\n${description}\n\n## Inputs\n\n${inputLines}\n\n## Example\n\n\`\`\`sh\n${run}\n\`\`\`\n\n## Notes\n\nSaved with \`save_skill\` or \`magsag skills save\`; servers it needs: ${servers.length ? [...new Set(servers.map((s) => s.server))].join(', ') : 'none'}.\n`;
}

function refuse(name: string, reasons: string[], diagnostics: CatalogDiagnostic[] = []): MagsagError {
  return new MagsagError('SKILL_INVALID', `Skill "${name}" was not saved:\n${reasons.map((r) => `  - ${r}`).join('\n')}`, { data: { skill: name, reasons, diagnostics } });
}

/**
 * Writes `skills/<name>/` (SKILL.md and index.ts) from code, a description, an input schema and
 * examples, checked with the same checks as `catalog:validate`. Nothing is half-written: the skill
 * is built in a hidden folder beside the others and renamed into place only when it passes.
 * Refuses with `SKILL_INVALID` listing every reason, or `SKILL_EXISTS` when the name is taken and
 * `overwrite` is not set. The `save_skill` tool of `magsag serve` and `magsag skills save` call it.
 */
export function saveSkill(options: SaveSkillOptions): SavedSkill {
  const { name } = options;
  const root = path.resolve(options.root);
  const skillsDir = path.resolve(options.skillsDir);
  const serversDir = path.resolve(options.serversDir);
  const reasons: string[] = [];
  if (!skillFrontmatterSchema.shape.name.safeParse(name).success) throw refuse(name, [`name: "${name}" is not kebab-case (e.g. weekly-report).`]);
  const dir = path.join(skillsDir, name);
  if (existsSync(dir) && options.overwrite !== true) {
    throw new MagsagError('SKILL_EXISTS', `A skill "${name}" already exists (${path.relative(root, dir) || dir}); save under another name, or replace it with \`magsag skills save --overwrite\`.`, {
      data: { skill: name },
    });
  }
  const inputs = options.inputSchema ?? noInput;
  const examples = options.examples
    ? options.examples.map((e, i) => ({ title: e.description?.trim() || `Example ${i}`, input: e.input }))
    : validateAgainstSchema(inputs, {}).length === 0
      ? [{ title: 'Run with no input', input: {} }]
      : [];
  const { source, servers, problems } = skillSource(options.code, schemaType(inputs), dir, serversDir);
  reasons.push(...problems);
  const markdown = skillMarkdown({ name, description: options.description, servers, inputs, examples });

  mkdirSync(skillsDir, { recursive: true });
  const temp = path.join(skillsDir, `.${name}.${randomBytes(4).toString('hex')}.saving`);
  mkdirSync(temp);
  try {
    const file = path.join(temp, 'SKILL.md');
    const entry = path.join(temp, 'index.ts');
    writeFileSync(file, markdown);
    writeFileSync(entry, source);
    let diagnostics: CatalogDiagnostic[] = [];
    try {
      const { meta, body } = parseSkillFile(markdown, path.join(dir, 'SKILL.md'));
      const skill: Skill = { name, dir: temp, file, entry, meta, body };
      diagnostics = checkSkills([skill], { root, skillsDir, serversDir });
    } catch (error) {
      // The frontmatter's own schema: a short description, an input schema that is not an object.
      const e = error as MagsagError;
      reasons.push(...(Array.isArray(e.data?.['issues']) ? (e.data['issues'] as { field: string; message: string }[]).map((i) => `${i.field}: ${i.message}`) : [e.message]));
    }
    // Name the skill's own files, not the hidden folder it was checked in.
    const errors = diagnostics.filter((d) => d.level === 'error').map((d) => ({ ...d, file: d.file.split(temp).join(dir), message: d.message.split(temp).join(dir) }));
    const where = (d: CatalogDiagnostic): string => {
      const at = d.file.startsWith(dir + path.sep) ? `${name}/${path.relative(dir, d.file)}` : path.relative(root, d.file) || d.file;
      return `${at}${d.field ? ` (${d.field})` : ''}`;
    };
    reasons.push(...errors.map((d) => `${where(d)}: ${d.message}`));
    if (reasons.length > 0) throw refuse(name, reasons, errors);
    if (existsSync(dir)) {
      const old = `${temp}.old`;
      renameSync(dir, old);
      renameSync(temp, dir);
      rmSync(old, { recursive: true, force: true });
    } else {
      try {
        renameSync(temp, dir);
      } catch (cause) {
        throw new MagsagError('SKILL_EXISTS', `A skill "${name}" was saved by someone else meanwhile; save under another name.`, { cause, data: { skill: name } });
      }
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  return { name, dir, files: [path.join(dir, 'SKILL.md'), path.join(dir, 'index.ts')], servers, examples: examples.length };
}
