import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MagsagError } from '@magsag/core';
import { initialProjectConfig, projectConfigFileName, resolveProjectPaths, type ProjectPaths } from '@magsag/mcp-client/config';
import type { Diagnostic, RefreshedServer } from '@magsag/codegen';
import { importServersFile, type ImportResult, type ImportServersOptions } from './servers.ts';

/** The declarations file `init` writes: the sandbox's `@magsag/mcp-client` and globals, for editors and `tsc`. */
export const envDeclarationsFile = 'magsag-env.d.ts';

/** Options of {@link initProject}. */
export interface InitOptions {
  /** `--from`: an `mcpServers` (or VS Code `servers`) JSON file to import into the new project. */
  from?: string;
  /** `--refresh`: take tool snapshots from the servers (the imported ones, else all enabled). */
  refresh?: boolean;
  /** How `--from` treats ids that exist (`--force`, `--rename`, `--prefix`, `--keep-secrets`). */
  import?: ImportServersOptions;
  /** `--servers-dir` / `--state-dir` given to the command, which win over the new config. */
  serversDir?: string;
  stateDir?: string;
}

/** What `magsag init` did; `--json` prints it. */
export interface InitResult {
  /** The project root, absolute. */
  project: string;
  configFile: string;
  /** Files written, relative to the project. */
  created: string[];
  /** Files changed (a line added to .gitignore, scripts added to package.json). */
  updated: string[];
  /** Files that were already right or are the user's own, left as they were, with why. */
  kept: { file: string; note: string }[];
  imported?: ImportResult;
  refreshed?: { ok: boolean; servers: RefreshedServer[]; diagnostics: Diagnostic[] };
  /** What to run next. */
  next: string[];
}

/** The package.json scripts `init` adds, so the project's CI runs `npm run mcp:codegen:check`. */
export const codegenScripts: Readonly<Record<string, string>> = Object.freeze({
  'mcp:codegen': 'magsag codegen',
  'mcp:codegen:check': 'magsag codegen --check',
});

function writeAtomic(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

/** A tsconfig.json with the sandbox type-checker's settings, so editors and `tsc` check programs as it does. */
function tsconfigText(paths: ProjectPaths, compilerOptions: Readonly<Record<string, unknown>>): string {
  const rel = (dir: string): string => path.relative(paths.root, dir).split(path.sep).join('/') || '.';
  return `${JSON.stringify({ compilerOptions, include: ['*.ts', rel(paths.modulesDir), rel(paths.skillsDir), envDeclarationsFile] }, null, 2)}\n`;
}

/** The `.gitignore` line for the state folder, when it is inside the project. */
function stateIgnoreLine(paths: ProjectPaths): string | undefined {
  const rel = path.relative(paths.root, paths.stateDir);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return `/${rel.split(path.sep).join('/')}/`;
}

/**
 * Makes `dir` a MAGSAG project: `magsag.config.yaml`, the servers folder, `.gitignore` lines for the
 * state folder, a tsconfig.json and `magsag-env.d.ts` for editors and `tsc`, and the codegen scripts
 * in package.json when there is one. Files that exist are kept (and said so); nothing is overwritten.
 * With `from`, imports an mcpServers file (all or nothing); with `refresh`, snapshots the servers'
 * tools so `magsag codegen` has something to generate from.
 */
export async function initProject(dir: string, options: InitOptions = {}): Promise<InitResult> {
  const root = path.resolve(dir);
  if (existsSync(root) && !statSync(root).isDirectory()) throw new MagsagError('USAGE', `${root} is a file, not a folder: give magsag init the folder to make a project of.`);
  mkdirSync(root, { recursive: true });
  const configFile = path.join(root, projectConfigFileName);
  const result: InitResult = { project: root, configFile, created: [], updated: [], kept: [], next: [] };
  if (existsSync(configFile)) result.kept.push({ file: projectConfigFileName, note: 'already a project; its settings are kept' });
  else {
    writeAtomic(configFile, initialProjectConfig());
    result.created.push(projectConfigFileName);
  }
  // Validates the config (an existing one may be broken: say so before writing anything else).
  const paths = resolveProjectPaths({
    project: root,
    ...(options.serversDir === undefined ? {} : { serversDir: options.serversDir }),
    ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }),
  });
  const relative = (file: string): string => path.relative(root, file).split(path.sep).join('/');

  if (!existsSync(paths.serversDir)) {
    mkdirSync(paths.serversDir, { recursive: true });
    result.created.push(`${relative(paths.serversDir)}/`);
  }

  const ignoreLine = stateIgnoreLine(paths);
  if (ignoreLine !== undefined) {
    const gitignore = path.join(root, '.gitignore');
    const current = existsSync(gitignore) ? readFileSync(gitignore, 'utf8') : undefined;
    const bare = ignoreLine.replace(/^\/|\/$/g, '');
    const present = current?.split(/\r?\n/).some((line) => [ignoreLine, bare, `${bare}/`, `/${bare}`].includes(line.trim()));
    if (present) result.kept.push({ file: '.gitignore', note: `already ignores ${ignoreLine}` });
    else {
      const prefix = current === undefined || current === '' || current.endsWith('\n') ? (current ?? '') : `${current}\n`;
      writeAtomic(gitignore, `${prefix}# MAGSAG state: caches, workspaces, the PII vault, run records\n${ignoreLine}\n`);
      (current === undefined ? result.created : result.updated).push('.gitignore');
    }
  }

  const { sandboxDeclarations, sandboxTsconfigOptions } = await import('@magsag/runner');
  const envFile = path.join(root, envDeclarationsFile);
  const envText = `// Written by \`magsag init\`: what programs see inside the MAGSAG sandbox (the \`@magsag/mcp-client\`\n// that generated modules import, and the globals), so editors and tsc check them as the sandbox does.\n${sandboxDeclarations()}`;
  if (!existsSync(envFile)) {
    writeAtomic(envFile, envText);
    result.created.push(envDeclarationsFile);
  } else if (readFileSync(envFile, 'utf8') !== envText) {
    writeAtomic(envFile, envText);
    result.updated.push(envDeclarationsFile);
  } else result.kept.push({ file: envDeclarationsFile, note: 'up to date' });

  const tsconfig = path.join(root, 'tsconfig.json');
  if (existsSync(tsconfig)) {
    result.kept.push({
      file: 'tsconfig.json',
      note: `yours; for programs to type-check as in the sandbox, add ${envDeclarationsFile} to its files or include`,
    });
  } else {
    writeAtomic(tsconfig, tsconfigText(paths, sandboxTsconfigOptions));
    result.created.push('tsconfig.json');
  }

  const packageJson = path.join(root, 'package.json');
  if (existsSync(packageJson)) {
    const pkgText = readFileSync(packageJson, 'utf8');
    let pkg: { scripts?: Record<string, string> } & Record<string, unknown>;
    try {
      pkg = JSON.parse(pkgText) as typeof pkg;
    } catch (cause) {
      throw new MagsagError('CONFIG_INVALID', `${packageJson} is not valid JSON (${(cause as Error).message}); fix it, then run magsag init again.`, { cause, data: { file: packageJson } });
    }
    const scripts = { ...pkg.scripts };
    const added: string[] = [];
    for (const [name, command] of Object.entries(codegenScripts)) {
      if (scripts[name] === undefined) {
        scripts[name] = command;
        added.push(name);
      } else if (scripts[name] !== command) result.kept.push({ file: 'package.json', note: `script "${name}" is yours ("${scripts[name]}"); magsag init would have set "${command}"` });
    }
    if (added.length > 0) {
      const indent = /^[ \t]+/m.exec(pkgText)?.[0] ?? '  ';
      writeAtomic(packageJson, `${JSON.stringify({ ...pkg, scripts }, null, indent)}\n`);
      result.updated.push('package.json');
    }
  }

  if (options.from !== undefined) {
    result.imported = importServersFile(path.resolve(options.from), paths.serversDir, options.import ?? {});
  }
  if (options.refresh) {
    const { refreshSnapshots } = await import('@magsag/codegen');
    const ids = result.imported?.written.map((w) => w.id);
    const refreshed = await refreshSnapshots({ serversDir: paths.serversDir, ...(ids === undefined ? {} : { servers: ids }) });
    result.refreshed = { ok: refreshed.ok, servers: refreshed.servers, diagnostics: refreshed.diagnostics };
  }

  const snapshotted = result.refreshed?.ok === true;
  if (!snapshotted) result.next.push(result.imported || options.from ? 'magsag codegen --refresh' : 'magsag servers import <claude_desktop_config.json>, then magsag codegen --refresh');
  else result.next.push('magsag codegen');
  result.next.push('magsag exec <program.ts>   (programs import ./servers/<server>/<tool>)');
  if (existsSync(packageJson)) result.next.push('npm run mcp:codegen:check   (in CI: fails when the generated modules are stale)');
  return result;
}
