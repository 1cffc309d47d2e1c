import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { validateAgainstSchema } from '@magsag/mcp-client/config';
import ts from 'typescript';
import { loadSkills, type Skill } from './skills.ts';

/** One problem `catalog:validate` found. */
export interface CatalogDiagnostic {
  level: 'error' | 'warning';
  skill?: string;
  file: string;
  field?: string;
  message: string;
}

/** Options for {@link validateCatalog}. */
export interface ValidateCatalogOptions {
  /** The project root (holds `skills/`, `servers/` and `tsconfig.json`). */
  root: string;
  /** @default <root>/skills */
  skillsDir?: string;
  /** The generated modules. @default <root>/servers */
  serversDir?: string;
  /** Type-check the skills' code. @default true */
  typecheck?: boolean;
}

interface CatalogTool {
  server: string;
  tool: string;
  function: string;
}

function skillSources(skill: Skill): string[] {
  return readdirSync(skill.dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.includes('node_modules'))
    .map((f) => path.join(skill.dir, f));
}

/**
 * Checks every skill: valid frontmatter; every `{ server, tool }` it names exists in the generated
 * catalog; its code imports nothing but generated modules, other skills and its own files, and
 * type-checks under the repo's tsconfig; its examples pass its input schema; its body shows the
 * command that runs it. Returns diagnostics (naming file and field) instead of stopping at the first.
 */
export function validateCatalog(options: ValidateCatalogOptions): { ok: boolean; skills: number; diagnostics: CatalogDiagnostic[] } {
  const skillsDir = options.skillsDir ?? path.join(options.root, 'skills');
  const { skills, errors } = loadSkills(skillsDir);
  const diagnostics: CatalogDiagnostic[] = errors.map((error) => ({ level: 'error', file: String(error.data?.['file'] ?? skillsDir), message: error.message }));
  diagnostics.push(...checkSkills(skills, options));
  return { ok: !diagnostics.some((d) => d.level === 'error'), skills: skills.length, diagnostics };
}

/**
 * The checks of {@link validateCatalog} on skills already loaded: `saveSkill` runs them on a skill
 * before it is moved into place.
 */
export function checkSkills(skills: readonly Skill[], options: ValidateCatalogOptions): CatalogDiagnostic[] {
  // Absolute: imports are resolved to absolute paths and compared with these folders.
  const skillsDir = path.resolve(options.skillsDir ?? path.join(options.root, 'skills'));
  const serversDir = path.resolve(options.serversDir ?? path.join(options.root, 'servers'));
  const diagnostics: CatalogDiagnostic[] = [];

  let catalog: CatalogTool[] = [];
  const catalogFile = path.join(serversDir, 'catalog.json');
  try {
    catalog = (JSON.parse(readFileSync(catalogFile, 'utf8')) as { tools: CatalogTool[] }).tools;
  } catch {
    diagnostics.push({ level: 'error', file: catalogFile, message: `cannot read ${catalogFile}; run \`magsag codegen\`.` });
  }

  const allSources: string[] = [];
  for (const skill of skills) {
    const at = { skill: skill.name, file: skill.file };
    skill.meta.servers.forEach(({ server, tool }, index) => {
      if (!catalog.some((t) => t.server === server)) {
        diagnostics.push({ level: 'error', ...at, field: `servers[${index}].server`, message: `server "${server}" has no generated modules in ${serversDir}.` });
      } else if (!catalog.some((t) => t.server === server && (t.tool === tool || t.function === tool))) {
        diagnostics.push({ level: 'error', ...at, field: `servers[${index}].tool`, message: `server "${server}" has no tool "${tool}" (see servers/${server}/README.md).` });
      }
    });
    skill.meta.examples.forEach((example, index) => {
      for (const problem of validateAgainstSchema(skill.meta.inputs, example.input)) {
        diagnostics.push({ level: 'error', ...at, field: `examples[${index}].input`, message: `example "${example.title}" fails the input schema: ${problem}` });
      }
    });
    if (!skill.body.includes(`magsag run ${skill.name}`)) {
      diagnostics.push({ level: 'error', ...at, field: 'body', message: `the body should show the command that runs it: \`pnpm magsag run ${skill.name} --example 0\`.` });
    }
    for (const source of skillSources(skill)) {
      allSources.push(source);
      for (const ref of ts.preProcessFile(readFileSync(source, 'utf8'), true, true).importedFiles) {
        const spec = ref.fileName;
        const target = spec.startsWith('.') ? path.resolve(path.dirname(source), spec) : undefined;
        const inside = (dir: string): boolean => target !== undefined && (target === dir || target.startsWith(dir + path.sep));
        if (!(inside(serversDir) || inside(skillsDir))) {
          diagnostics.push({
            level: 'error',
            skill: skill.name,
            file: source,
            message: `imports "${spec}": a skill may import only generated modules (../../servers/<id>/<tool>) and other skills.`,
          });
        } else if (inside(serversDir) && !existsSync(target!.replace(/(\.ts)?$/, '.ts')) && !existsSync(path.join(target!, 'index.ts'))) {
          diagnostics.push({ level: 'error', skill: skill.name, file: source, message: `imports "${spec}", which does not exist; run \`pnpm magsag tools ls\` to see the modules.` });
        }
      }
    }
  }

  if (options.typecheck !== false && allSources.length > 0) {
    const configFile = path.join(options.root, 'tsconfig.json');
    const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    // Declarations at the top of skills/ (the sandbox's `workspace` global) apply to every skill.
    const declarations = existsSync(skillsDir) ? readdirSync(skillsDir).filter((f) => f.endsWith('.d.ts')).map((f) => path.join(skillsDir, f)) : [];
    const program = ts.createProgram([...allSources, ...declarations], { ...(parsed?.options ?? { strict: true }), noEmit: true });
    for (const d of ts.getPreEmitDiagnostics(program)) {
      if (!d.file || !allSources.includes(path.resolve(d.file.fileName))) continue;
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
      const file = path.resolve(d.file.fileName);
      diagnostics.push({
        level: 'error',
        skill: skills.find((sk) => file.startsWith(sk.dir + path.sep))?.name ?? path.basename(path.dirname(file)),
        file: `${d.file.fileName}:${line + 1}:${character + 1}`,
        message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
      });
    }
  }
  return diagnostics;
}
