import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inferSchema, mergeInferredSchemas } from './infer.ts';

type JsonObject = Record<string, unknown>;

/** Where recorded shapes live in a project's state folder: `<stateDir>/shapes/<server>/<tool>.json`. */
export function shapesDir(stateDir: string): string {
  return path.join(stateDir, 'shapes');
}

const fileOf = (stateDir: string, server: string, tool: string): string =>
  path.join(shapesDir(stateDir), encodeURIComponent(server), `${encodeURIComponent(tool)}.json`);

/**
 * `--record-shapes`: merges the shape of one parsed, PII-tokenized result into the tool's recorded
 * shape in the state folder (the same inference as `codegen --sample`: no value and no personal key
 * is stored). Returns true when the recorded shape changed. `magsag codegen --sample` merges the
 * recorded shapes into `inferredOutputSchema`.
 */
export function recordShape(stateDir: string, server: string, tool: string, data: unknown): boolean {
  const file = fileOf(stateDir, server, tool);
  const seen = inferSchema([data]);
  let next = seen;
  if (existsSync(file)) {
    try {
      next = mergeInferredSchemas([JSON.parse(readFileSync(file, 'utf8')) as JsonObject, seen]);
    } catch {
      // An unreadable file is replaced by what was seen now.
    }
  }
  const text = `${JSON.stringify(next, null, 2)}\n`;
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return false;
  // Private like the rest of the state folder (folders 0700, files 0600).
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written aside and renamed: a reader never sees half a file.
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  renameSync(temp, file);
  return true;
}

/** Every recorded shape of the state folder: server → tool → schema. */
export function readRecordedShapes(stateDir: string): Map<string, Map<string, JsonObject>> {
  const out = new Map<string, Map<string, JsonObject>>();
  const root = shapesDir(stateDir);
  if (!existsSync(root)) return out;
  for (const serverDir of readdirSync(root).sort()) {
    const tools = new Map<string, JsonObject>();
    for (const name of readdirSync(path.join(root, serverDir)).sort()) {
      if (!name.endsWith('.json')) continue;
      try {
        tools.set(decodeURIComponent(name.slice(0, -'.json'.length)), JSON.parse(readFileSync(path.join(root, serverDir, name), 'utf8')) as JsonObject);
      } catch {
        // A broken file is skipped; the next recorded result rewrites it.
      }
    }
    if (tools.size > 0) out.set(decodeURIComponent(serverDir), tools);
  }
  return out;
}
