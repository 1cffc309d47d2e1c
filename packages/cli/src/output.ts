import { redactHostDetails, toMagsagError } from '@magsag/core';
import { resolveProjectPaths } from '@magsag/mcp-client/config';

/** Where a command writes: stdout for results, stderr for progress and errors. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: progress lines are shown only then. */
  interactive: boolean;
}

/** The real process streams. */
export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
};

/** Prints `value` as one JSON document on stdout. */
export function printJson(io: Io, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** Formats rows as an aligned text table. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/**
 * Reports an error that ended a command: `{ error: { code, message } }` on stdout with `--json`,
 * else `error CODE: message` on stderr. The message names paths relative to the project root and
 * hides other host paths and environment values; `--verbose` adds the full error and its stack.
 * Returns the exit code.
 */
export function reportError(io: Io, error: unknown, options: { json?: boolean; verbose?: boolean; root?: string }): 1 | 2 | 3 {
  const e = toMagsagError(error);
  const root = options.root ?? projectRootOrCwd();
  const message = redactHostDetails(e.message, { root });
  if (options.json) printJson(io, { error: { code: e.code, message } });
  else io.stderr(`error ${e.code}: ${message}\n`);
  if (options.verbose && e.stack) io.stderr(`${e.stack}\n`);
  return e.exitCode;
}

/**
 * Awaits `work`; on a terminal, if it takes over a second, says what is going on and how long it
 * has been running (every 5 s) on stderr, so long runs never look stuck.
 */
export async function withProgress<T>(io: Io, label: string, work: Promise<T>, quiet?: { active: boolean }): Promise<T> {
  if (!io.interactive) return work;
  const started = Date.now();
  // Not while a question is on the terminal (an approval prompt).
  const say = (): void => {
    if (!quiet?.active) io.stderr(`${label} (${Math.round((Date.now() - started) / 1000)} s)\n`);
  };
  const first = setTimeout(() => {
    say();
    repeat = setInterval(say, 5000);
  }, 1000);
  let repeat: NodeJS.Timeout | undefined;
  try {
    return await work;
  } finally {
    clearTimeout(first);
    if (repeat) clearInterval(repeat);
  }
}

/** The project root for shortening paths in messages; the working directory when the project config itself is what failed. */
function projectRootOrCwd(): string {
  try {
    return resolveProjectPaths().root;
  } catch {
    return process.cwd();
  }
}
