import { statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { shimModuleId } from '../bridge.ts';
import type { Diagnostic } from '../result.ts';
import { ModuleResolver, programId, type ModuleRoots } from './loader.ts';

const virtualDir = '/__magsag__';
const programFile = `${virtualDir}/program.ts`;
const shimFile = `${virtualDir}/mcpClient.d.ts`;
const globalsFile = `${virtualDir}/globals.d.ts`;
const libDir = `${virtualDir}/lib`;
const realLibDir = path.dirname(ts.getDefaultLibFilePath({}));

/** Types of the tool-call shim, what `@magsag/mcp-client` is inside the sandbox. */
const shimTypes = `export interface ToolContentBlock { type: string; text?: string; data?: string; mimeType?: string; [key: string]: unknown }
export interface ToolCallResult { content: ToolContentBlock[]; structuredContent?: Record<string, unknown>; isError?: boolean }
export declare function callMCPTool(server: string, tool: string, args?: Record<string, unknown>, options?: unknown): Promise<ToolCallResult>;
export declare function callMCPToolData(server: string, tool: string, args?: Record<string, unknown>, options?: unknown): Promise<unknown>;
`;

/** The workspace file API the guest runtime installs as the global `workspace`. */
export const workspaceTypes = `interface MagsagWorkspaceEntry { path: string; type: 'file' | 'directory'; bytes: number }
/** Files of the run's workspace; paths are relative to it. */
interface MagsagWorkspace {
  read(path: string): Promise<string>;
  readJson<T = unknown>(path: string): Promise<T>;
  write(path: string, data: string | object): Promise<{ path: string; bytes: number }>;
  list(path?: string): Promise<MagsagWorkspaceEntry[]>;
  remove(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
}
`;

/**
 * The web globals the guest runtime installs (URL, text encoding, base64, structuredClone, crypto),
 * declared as the DOM library declares them, less what the sandbox lacks (blobs, streams, `encodeInto`,
 * `crypto.subtle`). No `fetch`, timers or other network or event-loop globals: those stay undeclared.
 */
const webGlobalTypes = `interface URLSearchParams {
  readonly size: number;
  append(name: string, value: string): void;
  delete(name: string, value?: string): void;
  get(name: string): string | null;
  getAll(name: string): string[];
  has(name: string, value?: string): boolean;
  set(name: string, value: string): void;
  sort(): void;
  toString(): string;
  forEach(callbackfn: (value: string, key: string, parent: URLSearchParams) => void, thisArg?: unknown): void;
  entries(): IterableIterator<[string, string]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  [Symbol.iterator](): IterableIterator<[string, string]>;
}
declare var URLSearchParams: {
  prototype: URLSearchParams;
  new (init?: string[][] | Record<string, string> | string | URLSearchParams | Iterable<[string, string]>): URLSearchParams;
};
interface URL {
  hash: string; host: string; hostname: string; href: string; readonly origin: string; password: string;
  pathname: string; port: string; protocol: string; search: string; readonly searchParams: URLSearchParams; username: string;
  toString(): string;
  toJSON(): string;
}
declare var URL: {
  prototype: URL;
  new (url: string | URL, base?: string | URL): URL;
  canParse(url: string | URL, base?: string | URL): boolean;
  parse(url: string | URL, base?: string | URL): URL | null;
};
/** UTF-8 only. */
interface TextEncoder { readonly encoding: string; encode(input?: string): Uint8Array }
declare var TextEncoder: { prototype: TextEncoder; new (): TextEncoder };
/** UTF-8 only; a leading byte order mark is dropped; no options (\`fatal\`, \`ignoreBOM\`, \`stream\`). */
interface TextDecoder { readonly encoding: string; decode(input?: ArrayBuffer | ArrayBufferView): string }
declare var TextDecoder: { prototype: TextDecoder; new (label?: 'utf-8' | 'utf8' | 'unicode-1-1-utf-8'): TextDecoder };
interface DOMException extends Error { readonly code: number; readonly message: string; readonly name: string }
declare var DOMException: { prototype: DOMException; new (message?: string, name?: string): DOMException };
declare function atob(data: string): string;
declare function btoa(data: string): string;
declare function structuredClone<T = unknown>(value: T, options?: { transfer?: ArrayBuffer[] }): T;
/** Randomness from the host (node:crypto). */
interface Crypto {
  /** Fills an integer typed array with random values; at most 65536 bytes per call (else a QuotaExceededError). */
  getRandomValues<T extends Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array>(array: T): T;
  randomUUID(): \`\${string}-\${string}-\${string}-\${string}-\${string}\`;
}
declare var crypto: Crypto;
`;

/** The sandbox's globals: only what the guest runtime installs. */
const globalTypes = `interface MagsagConsole {
  log(...args: unknown[]): void; info(...args: unknown[]): void; warn(...args: unknown[]): void;
  error(...args: unknown[]): void; debug(...args: unknown[]): void; trace(...args: unknown[]): void; dir(value: unknown): void;
}
${workspaceTypes}declare var console: MagsagConsole;
declare var workspace: MagsagWorkspace;
${webGlobalTypes}`;

/**
 * One declaration file with what a program sees in the sandbox: `@magsag/mcp-client` as an ambient
 * module (the shim; an installed package's own types take precedence) and the globals. `magsag init`
 * writes it into a project so that editors and `tsc` check programs the way the sandbox's
 * type-checker does, with no `paths` mapping that tools such as tsx would also apply.
 */
export function sandboxDeclarations(): string {
  const shim = shimTypes.trimEnd().split('\n').map((line) => `  ${line.replace(/^export declare /, 'export ')}`).join('\n');
  return `declare module '@magsag/mcp-client' {\n${shim}\n}\n${globalTypes}`;
}

/**
 * The sandbox type-checker's compiler options, as a tsconfig.json spells them: the checker converts
 * them, and `magsag init` writes them into a project's tsconfig.json, so both check alike.
 */
export const sandboxTsconfigOptions = Object.freeze({
  target: 'ES2022',
  module: 'ESNext',
  moduleResolution: 'Bundler',
  moduleDetection: 'force',
  lib: ['ES2023'],
  types: [] as string[],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  allowImportingTsExtensions: true,
  esModuleInterop: true,
  isolatedModules: true,
});

const compilerOptions: ts.CompilerOptions = ts.convertCompilerOptionsFromJson(sandboxTsconfigOptions, '').options;

/** Type-checks programs against the generated modules; keeps one warm LanguageService. */
export interface TypeChecker {
  /** Diagnostics of `source` (errors only), positioned in the program. */
  check(source: string, filename: string): Diagnostic[];
}

/** Options of {@link createTypeChecker}. */
export interface TypeCheckerOptions extends ModuleRoots {
  /** Shares parsed lib files between checkers. @default a registry shared by the process */
  documentRegistry?: ts.DocumentRegistry;
}

const sharedRegistry = ts.createDocumentRegistry();
// Program versions are unique across checkers: the registry shares source files by name and version.
let programVersions = 0;

/**
 * A type-checker for sandbox programs. The first check loads the standard library types
 * (hundreds of ms); later checks reuse them and re-read only files whose mtime changed.
 */
export function createTypeChecker(options: TypeCheckerOptions): TypeChecker {
  const resolver = new ModuleResolver(options);
  let programSource = '';
  let programVersion = 0;
  const fixed = new Map([
    [shimFile, shimTypes],
    [globalsFile, globalTypes],
  ]);
  // The standard library is served from a virtual folder: under node_modules, TypeScript would look
  // for a package.json above every lib file on every check (to learn its module format), and the
  // lib files never change while the process runs, so they are read and versioned once.
  const realLib = (file: string): string | undefined => (file.startsWith(`${libDir}/`) ? path.join(realLibDir, file.slice(libDir.length + 1)) : undefined);
  // Versions of files on disk, read once per check (the service asks for every file's version twice).
  let versions = new Map<string, string>();
  const version = (file: string): string => {
    if (file === programFile) return String(programVersion);
    if (fixed.has(file) || realLib(file) !== undefined) return '1';
    let known = versions.get(file);
    if (known === undefined) {
      try {
        const stat = statSync(file);
        known = `${stat.mtimeMs}:${stat.size}`;
      } catch {
        known = '0';
      }
      versions.set(file, known);
    }
    return known;
  };
  const readText = (file: string): string | undefined => {
    if (file === programFile) return programSource;
    return fixed.get(file) ?? ts.sys.readFile(realLib(file) ?? file);
  };
  const snapshots = new Map<string, { version: string; snapshot: ts.IScriptSnapshot }>();
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => compilerOptions,
    getScriptFileNames: () => [programFile, globalsFile],
    getScriptVersion: version,
    getScriptSnapshot: (file) => {
      const current = version(file);
      const cached = snapshots.get(file);
      if (cached?.version === current) return cached.snapshot;
      const text = readText(file);
      if (text === undefined) return undefined;
      const snapshot = ts.ScriptSnapshot.fromString(text);
      if (file !== programFile) snapshots.set(file, { version: current, snapshot });
      return snapshot;
    },
    getCurrentDirectory: () => virtualDir,
    getDefaultLibFileName: (opts) => `${libDir}/${path.basename(ts.getDefaultLibFilePath(opts))}`,
    fileExists: (file) => fixed.has(file) || file === programFile || ts.sys.fileExists(realLib(file) ?? file),
    readFile: readText,
    resolveModuleNameLiterals: (literals, containingFile) =>
      literals.map((literal) => {
        const importer = containingFile === programFile ? { id: programId, kind: 'program' as const } : resolver.idOfFile(containingFile);
        const resolved = importer ? resolver.resolve(literal.text, importer.id, importer.kind) : undefined;
        if (resolved === undefined) return { resolvedModule: undefined };
        if (resolved === shimModuleId) return { resolvedModule: { resolvedFileName: shimFile, extension: ts.Extension.Dts, isExternalLibraryImport: false } };
        return { resolvedModule: { resolvedFileName: resolved.file, extension: ts.Extension.Ts, isExternalLibraryImport: false } };
      }),
  };
  const service = ts.createLanguageService(host, options.documentRegistry ?? sharedRegistry);
  return {
    check(source, filename) {
      versions = new Map();
      programSource = source;
      programVersion = ++programVersions;
      const diagnostics = [...service.getSyntacticDiagnostics(programFile), ...service.getSemanticDiagnostics(programFile)].filter(
        (d) => d.category === ts.DiagnosticCategory.Error,
      );
      return diagnostics.map((d) => {
        const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
        return { file: filename, line: at.line + 1, column: at.character + 1, message: ts.flattenDiagnosticMessageText(d.messageText, '\n'), tsCode: d.code };
      });
    },
  };
}

const checkers = new Map<string, TypeChecker>();

/** The process-wide checker for these roots, created on first use and kept warm. */
export function sharedTypeChecker(roots: ModuleRoots): TypeChecker {
  const key = `${roots.serversDir}\0${roots.skillsDir}`;
  let checker = checkers.get(key);
  if (!checker) {
    checker = createTypeChecker(roots);
    checkers.set(key, checker);
  }
  return checker;
}
