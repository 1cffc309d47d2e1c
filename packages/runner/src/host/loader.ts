import { MagsagError, suggest } from '@magsag/core';
import { readdirSync, realpathSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { programId, shimModuleId } from '../bridge.ts';
import type { Diagnostic } from '../result.ts';
import { parseSourceMap, type SourceMapLookup } from './sourceMap.ts';
import { transpileModule } from './transpiler.ts';

export { programId };

/** Where the virtual `/servers` and `/skills` folders live on disk. */
export interface ModuleRoots {
  serversDir: string;
  skillsDir: string;
}

/** What a module is; only generated modules and skills may import the tool-call shim. */
export type ModuleKind = 'program' | 'server' | 'skill';

/** A module file found for an import. */
export interface ResolvedFile {
  id: string;
  file: string;
  kind: 'server' | 'skill';
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** `x.d.ts`, `x.d.mts`, `x.d.cts` and TypeScript's `x.d.<ext>.ts`. */
function isDeclarationFile(file: string): boolean {
  return /\.d\.([^./]+\.)?[cm]?ts$/.test(file);
}

function within(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Where a relative specifier points under the virtual project root: `servers` or `skills` and the
 * path below it, or `undefined` when it leaves both (or has empty or `..` parts after normalizing).
 */
function locate(specifier: string, importerId: string): { which: 'servers' | 'skills'; rel: string } | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(importerId), specifier));
  const which = target.startsWith('/servers/') ? 'servers' : target.startsWith('/skills/') ? 'skills' : undefined;
  if (!which) return undefined;
  const rel = target.slice(which.length + 2).replace(/\/$/, '');
  if (!rel || rel.split('/').some((part) => part === '..' || part === '')) return undefined;
  return { which, rel };
}

/**
 * Resolves imports the same way for the loader and the type-checker: `./servers/<id>/<tool>`,
 * `./servers/<id>`, `./skills/<name>` from the program (virtual paths rooted at the project), real
 * relative paths between files under those roots, and `@magsag/mcp-client` from generated modules
 * and skills. Anything else resolves to `undefined`: the import is denied.
 */
export class ModuleResolver {
  readonly roots: ModuleRoots;
  private realRoots: { servers?: string; skills?: string } | undefined;

  constructor(roots: ModuleRoots) {
    this.roots = { serversDir: path.resolve(roots.serversDir), skillsDir: path.resolve(roots.skillsDir) };
  }

  private realRoot(which: 'servers' | 'skills'): string | undefined {
    this.realRoots ??= {};
    if (!(which in this.realRoots)) {
      const dir = which === 'servers' ? this.roots.serversDir : this.roots.skillsDir;
      try {
        this.realRoots[which] = realpathSync(dir);
      } catch {
        this.realRoots[which] = undefined;
      }
    }
    return this.realRoots[which];
  }

  resolve(specifier: string, importerId: string, importerKind: ModuleKind): ResolvedFile | typeof shimModuleId | undefined {
    if (specifier === shimModuleId) return importerKind === 'program' ? undefined : shimModuleId;
    const located = locate(specifier, importerId);
    if (!located) return undefined;
    const { which, rel } = located;
    const prefix = `/${which}/`;
    const candidates = rel.endsWith('.ts')
      ? [rel]
      : rel.endsWith('.js')
        ? [`${rel.slice(0, -3)}.ts`, rel]
        : [`${rel}.ts`, `${rel}/index.ts`];
    const rootDir = which === 'servers' ? this.roots.serversDir : this.roots.skillsDir;
    const realRoot = this.realRoot(which);
    if (!realRoot) return undefined;
    for (const candidate of candidates) {
      // A declaration file holds types only; transpiling it as a module crashes TypeScript.
      if (isDeclarationFile(candidate)) return undefined;
      const file = path.join(rootDir, ...candidate.split('/'));
      if (!isFile(file)) continue;
      if (!within(realRoot, realpathSync(file))) return undefined;
      return { id: prefix + candidate, file, kind: which === 'servers' ? 'server' : 'skill' };
    }
    return undefined;
  }

  /**
   * For an import of the allowed shape (`./servers/<id>/<tool>`, `./servers/<id>`, `./skills/<name>`)
   * that names nothing: the names that do exist nearby, closest first. `undefined` when the
   * specifier is not of an allowed shape at all (then the import is denied, not missing).
   */
  missing(specifier: string, importerId: string): { near: string[] } | undefined {
    const located = locate(specifier, importerId);
    // A declaration file or a file of another kind is not a module: denied, not missing.
    if (!located || nonModuleNote(specifier) !== '') return undefined;
    const { which } = located;
    const rel = located.rel.replace(/\.(ts|js)$/, '');
    const parts = rel.split('/');
    if (!rel || parts.some((part) => part.startsWith('.')) || parts.length > 2) return undefined;
    const rootDir = which === 'servers' ? this.roots.serversDir : this.roots.skillsDir;
    const entries = (dir: string): string[] => {
      try {
        return readdirSync(dir, { withFileTypes: true })
          .filter((e) => !e.name.startsWith('.') && (e.isDirectory() || (e.name.endsWith('.ts') && !isDeclarationFile(e.name))))
          .map((e) => e.name.replace(/\.ts$/, ''))
          .slice(0, 5000);
      } catch {
        return [];
      }
    };
    const [first, second] = parts as [string, string | undefined];
    const firstNames = entries(rootDir).filter((n) => n !== 'index');
    if (second === undefined || !firstNames.includes(first)) {
      return { near: suggest(first, firstNames).map((n) => `./${which}/${n}${second === undefined ? '' : `/${second}`}`) };
    }
    const inner = entries(path.join(rootDir, first)).filter((n) => n !== 'index');
    return { near: suggest(second, inner).map((n) => `./${which}/${first}/${n}`) };
  }

  /** The module id and kind of a file under the roots (for the type-checker's importers). */
  idOfFile(file: string): { id: string; kind: ModuleKind } | undefined {
    const absolute = path.resolve(file);
    for (const [which, dir] of [
      ['servers', this.roots.serversDir],
      ['skills', this.roots.skillsDir],
    ] as const) {
      if (within(dir, absolute) && absolute !== dir) {
        return { id: `/${which}/${path.relative(dir, absolute).split(path.sep).join('/')}`, kind: which === 'servers' ? 'server' : 'skill' };
      }
    }
    return undefined;
  }
}

/** A module transpiled to a CommonJS-style function body. */
export interface TranspiledModule {
  code: string;
  map: SourceMapLookup;
  imports: { specifier: string; pos: number }[];
  diagnostics: Diagnostic[];
}

async function transpile(source: string, fileName: string, displayName: string): Promise<TranspiledModule> {
  const output = await transpileModule(source, fileName, displayName);
  return { code: output.code, map: parseSourceMap(output.mapText), imports: output.imports, diagnostics: output.diagnostics };
}

const fileCache = new Map<string, { key: string; source: string; module: TranspiledModule }>();

/** Reads and transpiles a file, reusing the last result while its mtime and size are unchanged. */
async function transpileFile(file: string, displayName: string): Promise<{ source: string; module: TranspiledModule }> {
  const stat = await fs.stat(file);
  const key = `${stat.mtimeMs}:${stat.size}`;
  const cached = fileCache.get(file);
  if (cached?.key === key) return cached;
  const source = await fs.readFile(file, 'utf8');
  const entry = { key, source, module: await transpile(source, path.basename(file), displayName) };
  fileCache.set(file, entry);
  return entry;
}

/** 1-based line and column of `pos` in `text`. */
export function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: pos - lineStart + 1 };
}

/** One module ready to load into the isolate. */
export interface ModuleRecord {
  id: string;
  /** The name stack traces and diagnostics use. */
  filename: string;
  kind: ModuleKind;
  code: string;
  map: SourceMapLookup;
  /** Import specifier → module id. */
  deps: Record<string, string>;
}

/** The program and every module it reaches. */
export interface ModuleGraph {
  modules: ModuleRecord[];
  /** Display filename → source map, for mapping stack traces. */
  maps: Map<string, SourceMapLookup>;
}

/** Why a specifier that names a file which is no module cannot be imported, or ''. */
function nonModuleNote(specifier: string): string {
  const base = specifier.split('/').pop() ?? '';
  if (isDeclarationFile(base) || /\.d(\.[cm]?js)?$/.test(base)) {
    return ' It names a declaration file, which holds only types: the sandbox globals need no import, and tool types come with the modules under servers/.';
  }
  const extension = /\.([A-Za-z0-9]+)$/.exec(base)?.[1];
  if (extension && !['ts', 'js'].includes(extension)) {
    return ` A .${extension} file is not a module; read data through a tool or the \`workspace\` global instead.`;
  }
  return '';
}

function importNotFound(specifier: string, file: string, at: { line: number; column: number }, near: string[]): MagsagError {
  return new MagsagError(
    'SANDBOX_IMPORT_NOT_FOUND',
    `Import "${specifier}" names no generated module or skill (${file}:${at.line}:${at.column}).` +
      (near.length ? ` Did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : '') +
      ' Find tools with `magsag tools search <words>` (or search_tools), skills with `magsag skills list`; modules are generated by `magsag codegen`.',
    { data: { specifier, file, line: at.line, column: at.column, near } },
  );
}

function importDenied(specifier: string, file: string, at: { line: number; column: number }, kind: ModuleKind): MagsagError {
  const allowed =
    kind === 'program'
      ? './servers/<id>/<tool>, ./servers/<id> and ./skills/<name>'
      : 'files under servers/ and skills/ by relative path, and @magsag/mcp-client';
  return new MagsagError(
    'SANDBOX_IMPORT_DENIED',
    `Import "${specifier}" is not allowed (${file}:${at.line}:${at.column}).${nonModuleNote(specifier)} The sandbox loads only ${allowed}; ` +
      'find tools with `magsag tools search` or by listing servers/, and do the rest in plain code.',
    { data: { specifier, file, line: at.line, column: at.column } },
  );
}

/**
 * Transpiles the program and every module it imports, resolving each import with `resolver`.
 * Throws `SANDBOX_IMPORT_DENIED` for an import outside the allowed set and `SANDBOX_TYPECHECK` (with
 * `data.diagnostics`) for a file that does not parse.
 */
export async function buildModuleGraph(program: { source: string; filename: string }, resolver: ModuleResolver): Promise<ModuleGraph> {
  const modules: ModuleRecord[] = [];
  const maps = new Map<string, SourceMapLookup>();
  const seen = new Set<string>();
  const queue: { id: string; file: string | undefined; kind: ModuleKind }[] = [{ id: programId, file: undefined, kind: 'program' }];
  while (queue.length > 0) {
    const next = queue.shift();
    if (!next || seen.has(next.id)) continue;
    seen.add(next.id);
    const filename = next.kind === 'program' ? program.filename : next.id.slice(1);
    const { source, module: transpiled } =
      next.file === undefined
        ? { source: program.source, module: await transpile(program.source, program.filename.replace(/\.(m|c)?js$/, '.ts'), filename) }
        : await transpileFile(next.file, filename);
    if (transpiled.diagnostics.length > 0) {
      const diagnostics = transpiled.diagnostics;
      const first = diagnostics[0];
      throw new MagsagError(
        'SANDBOX_TYPECHECK',
        `${filename} does not compile: ${first ? `${first.message} (${first.line}:${first.column})` : 'syntax error'}. Fix the syntax and run again.`,
        { data: { diagnostics } },
      );
    }
    const deps: Record<string, string> = {};
    for (const { specifier, pos } of transpiled.imports) {
      const resolved = resolver.resolve(specifier, next.id, next.kind);
      if (resolved === undefined) {
        const missing = resolver.missing(specifier, next.id);
        if (missing) throw importNotFound(specifier, filename, lineColumn(source, pos), missing.near);
        throw importDenied(specifier, filename, lineColumn(source, pos), next.kind);
      }
      if (resolved === shimModuleId) {
        deps[specifier] = shimModuleId;
        continue;
      }
      deps[specifier] = resolved.id;
      if (!seen.has(resolved.id)) queue.push({ id: resolved.id, file: resolved.file, kind: resolved.kind });
    }
    modules.push({ id: next.id, filename, kind: next.kind, code: transpiled.code, map: transpiled.map, deps });
    maps.set(filename, transpiled.map);
  }
  return { modules, maps };
}

/** Rewrites `file:line:col` frames of a guest stack to the original TypeScript positions. */
export function mapStack(stack: string, maps: Map<string, SourceMapLookup>): string {
  return stack
    .split('\n')
    .filter((line) => !line.includes('<isolated-vm') && !line.includes('magsag:runtime'))
    .map((line) =>
      line.replace(/([^\s()]+):(\d+):(\d+)/g, (whole, file: string, l: string, c: string) => {
        const map = maps.get(file);
        const original = map?.original(Number(l) - 1, Number(c) - 1);
        return original ? `${file}:${original.line + 1}:${original.column + 1}` : whole;
      }),
    )
    .join('\n');
}

/** The first frame of a mapped stack that points into one of `files`. */
export function firstLocation(stack: string, files: Set<string>): { file: string; line: number; column: number } | undefined {
  for (const match of stack.matchAll(/([^\s()]+):(\d+):(\d+)/g)) {
    const [, file, line, column] = match;
    if (file && files.has(file)) return { file, line: Number(line), column: Number(column) };
  }
  return undefined;
}
