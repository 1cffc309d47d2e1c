import type { Diagnostic } from './diagnostics.ts';

/**
 * Words a generated function may not be named: JavaScript reserved words (strict mode, modules),
 * names strict mode forbids as bindings, and names a generated module already uses (`callMCPTool`,
 * the `index` file next to the tool files).
 */
export const reservedNames: ReadonlySet<string> = new Set([
  // ECMAScript reserved words
  'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do',
  'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in',
  'instanceof', 'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof',
  'var', 'void', 'while', 'with', 'yield',
  // reserved in strict mode code (every ES module), or not bindable there
  'implements', 'interface', 'let', 'package', 'private', 'protected', 'public', 'static',
  'arguments', 'eval',
  // globals a module must not shadow, and TypeScript's own type keywords
  'undefined', 'NaN', 'Infinity', 'globalThis', 'any', 'unknown', 'never', 'object', 'string',
  'number', 'boolean', 'symbol', 'bigint',
  // names a generated module or folder already uses
  'callMCPTool', 'index',
]);

/** The suffix that turns a reserved name into a free one: `delete` → `deleteTool`. */
const reservedSuffix = 'Tool';

function lowerLeadingCapitals(word: string): string {
  if (word === word.toUpperCase()) return word.toLowerCase(); // API → api, A → a
  const run = /^[A-Z]+/.exec(word)?.[0].length ?? 0;
  if (run <= 1) return word.charAt(0).toLowerCase() + word.slice(1); // Issue → issue
  return word.slice(0, run - 1).toLowerCase() + word.slice(run - 1); // APIKey → apiKey
}

/**
 * The camelCase identifier for an MCP tool name, before collisions with other tools are resolved:
 * `read_text_file` → `readTextFile`, `API-post-search` → `apiPostSearch`, `git.status` →
 * `gitStatus`, `getTinyImage` stays, `3d-view` → `tool3dView`, `delete` → `deleteTool`. Only ASCII
 * letters and digits survive, so the result is also a portable file name.
 */
export function toolFunctionName(toolName: string): string {
  const words = toolName.split(/[^A-Za-z0-9]+/).filter((word) => word.length > 0);
  if (words.length === 0) return 'tool';
  let name = words
    .map((word, index) => (index === 0 ? lowerLeadingCapitals(word) : word.charAt(0).toUpperCase() + word.slice(1)))
    .join('');
  if (/^[0-9]/.test(name)) name = `tool${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  if (reservedNames.has(name)) name = `${name}${reservedSuffix}`;
  return name;
}

/** The PascalCase stem of a tool's type names: `readTextFile` → `ReadTextFile` (`ReadTextFileInput`). */
export function typeStem(functionName: string): string {
  return functionName.charAt(0).toUpperCase() + functionName.slice(1);
}

/** Plain code-unit order: the same on every machine and locale, unlike `localeCompare`. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What {@link assignToolNames} decided. */
export interface AssignedNames {
  /** MCP tool name → exported function name (also the file name without `.ts`). */
  names: Map<string, string>;
  /** One warning per tool whose name had to change to stay unique. */
  diagnostics: Diagnostic[];
}

/**
 * Gives every tool of one server a unique function (and file) name. Names are compared ignoring
 * case, because `getItem.ts` and `getitem.ts` are the same file on macOS and Windows. When several
 * tools want the same name, the tool whose MCP name already is that identifier keeps it, then the
 * first in code-unit order; the others get `2`, `3`, … in that order. The outcome depends only on
 * the set of names, never on their order in the snapshot.
 */
export function assignToolNames(toolNames: readonly string[], context: { server?: string; file?: string } = {}): AssignedNames {
  const sorted = [...new Set(toolNames)].sort(compareCodeUnits);
  const wanted = new Map(sorted.map((tool) => [tool, toolFunctionName(tool)]));
  const groups = new Map<string, string[]>();
  for (const tool of sorted) {
    const key = wanted.get(tool)!.toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), tool]);
  }
  const taken = new Set<string>();
  const names = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  // First pass: one winner per group keeps its wanted name, so suffixes never steal a base name.
  const losers: string[] = [];
  for (const group of groups.values()) {
    const winner = group.find((tool) => tool === wanted.get(tool)) ?? group[0]!;
    names.set(winner, wanted.get(winner)!);
    taken.add(wanted.get(winner)!.toLowerCase());
    losers.push(...group.filter((tool) => tool !== winner));
  }
  for (const tool of losers.sort(compareCodeUnits)) {
    const base = wanted.get(tool)!;
    let n = 2;
    while (taken.has(`${base}${n}`.toLowerCase())) n++;
    const name = `${base}${n}`;
    taken.add(name.toLowerCase());
    names.set(tool, name);
    const other = [...names].find(([t, f]) => f.toLowerCase() === base.toLowerCase() && t !== tool)?.[0];
    diagnostics.push({
      level: 'warning',
      ...(context.file === undefined ? {} : { file: context.file }),
      ...(context.server === undefined ? {} : { server: context.server }),
      tool,
      message:
        `tool "${tool}" would be named ${base}, which ${other === undefined ? 'is taken' : `tool "${other}" already uses`} ` +
        `(names are compared ignoring case); it is generated as ${name}.`,
    });
  }
  return { names: new Map(sorted.map((tool) => [tool, names.get(tool)!])), diagnostics };
}
