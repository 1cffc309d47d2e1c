// Shared by the stand-in servers: where their data file lives, how it is read, and how changes are
// written back (atomically, so a test or a second process never reads half a file).
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

/** The committed seeds, copied into `.magsag/demo/` by `magsag demo reset`. */
export const seedDir = path.resolve(import.meta.dirname, '../../adk/demo-data');

/**
 * Resolves a server's data file: `--data <file>` on the command line, else the environment variable
 * `envVar`, else `.magsag/demo/<relative>` under the working directory. When the file does not exist
 * yet (no `magsag demo reset` was run), it is created from the committed seed `<seedDir>/<relative>`.
 */
export function resolveDataFile(relative, envVar) {
  const { values } = parseArgs({ options: { data: { type: 'string' } }, strict: false, allowPositionals: true });
  const chosen = typeof values.data === 'string' ? values.data : process.env[envVar];
  const file = path.resolve(chosen ?? path.join('.magsag', 'demo', relative));
  if (!existsSync(file)) {
    const seed = path.join(seedDir, relative);
    if (!existsSync(seed)) {
      throw new Error(`Data file ${file} does not exist and there is no seed at ${seed}. Run \`pnpm magsag demo reset\`.`);
    }
    mkdirSync(path.dirname(file), { recursive: true });
    copyFileSync(seed, file);
    process.stderr.write(`seeded ${file} from ${seed}\n`);
  }
  return file;
}

/** Reads and parses a JSON data file. Read on every call, so edits by others (a reset) are seen. */
export function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Writes JSON through a temporary file and a rename. */
export function writeJson(file, value) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

/** A tool result carrying JSON text, the way the real servers answer. */
export function jsonResult(value) {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }] };
}

/** A tool-level error (`isError: true`) with a message the caller can act on. */
export function errorResult(message) {
  return { isError: true, content: [{ type: 'text', text: message }] };
}
