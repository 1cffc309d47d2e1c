// A throw-away copy of the project for one bench run: the server YAML rewritten so every path that
// pointed into <repo>/.magsag now points into the copy, and the demo data seeded fresh from
// tools/adk/demo-data. Every scenario starts from the same state, and the user's own .magsag/demo
// (and the tests that reset it) are never touched. New server YAML files are picked up as they come.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

export interface BenchProject {
  /** The repository. */
  repoRoot: string;
  /** The copy: holds tools/adk/servers, the generated servers/ modules and catalog, skills/ and .magsag. */
  root: string;
  serversDir: string;
  stateDir: string;
  /** Where the filesystem server's demo files live in the copy. */
  demoDir: string;
  /** Removes the copy. */
  dispose(): void;
}

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Rewrites one relative path of a YAML in `fromDir`: absolute, and moved into the copy when it points into .magsag. */
function relocate(value: string, fromDir: string, repoRoot: string, copyRoot: string): string {
  if (!value.startsWith('./') && !value.startsWith('../')) return value;
  const absolute = path.resolve(fromDir, value);
  const state = path.join(repoRoot, '.magsag');
  if (absolute === state || absolute.startsWith(state + path.sep)) return path.join(copyRoot, '.magsag', path.relative(state, absolute));
  return absolute;
}

function relocateTransport(transport: unknown, fromDir: string, repoRoot: string, copyRoot: string): void {
  if (!isRecord(transport) || transport['type'] !== 'stdio') return;
  const fix = (v: unknown): unknown => (typeof v === 'string' ? relocate(v, fromDir, repoRoot, copyRoot) : v);
  if (Array.isArray(transport['args'])) transport['args'] = transport['args'].map(fix);
  if (typeof transport['cwd'] === 'string') transport['cwd'] = fix(transport['cwd']);
  if (isRecord(transport['env'])) transport['env'] = Object.fromEntries(Object.entries(transport['env']).map(([k, v]) => [k, fix(v)]));
}

/** Creates the copy of the project rooted at `repoRoot`. */
export function createBenchProject(repoRoot: string): BenchProject {
  const root = mkdtempSync(path.join(tmpdir(), 'magsag-bench-mcp-'));
  const source = path.join(repoRoot, 'tools', 'adk', 'servers');
  const serversDir = path.join(root, 'tools', 'adk', 'servers');
  mkdirSync(serversDir, { recursive: true });
  cpSync(path.join(repoRoot, 'magsag.config.yaml'), path.join(root, 'magsag.config.yaml'));
  for (const name of readdirSync(source).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort()) {
    const doc: unknown = parseYaml(readFileSync(path.join(source, name), 'utf8'));
    if (!isRecord(doc)) continue;
    relocateTransport(doc['transport'], source, repoRoot, root);
    if (Array.isArray(doc['fallback'])) for (const t of doc['fallback']) relocateTransport(t, source, repoRoot, root);
    writeFileSync(path.join(serversDir, name), stringifyYaml(doc, { lineWidth: 0 }));
  }
  const stateDir = path.join(root, '.magsag');
  const demoDir = path.join(stateDir, 'demo');
  mkdirSync(demoDir, { recursive: true });
  const seed = path.join(repoRoot, 'tools', 'adk', 'demo-data');
  if (existsSync(seed)) cpSync(seed, demoDir, { recursive: true });
  // The generated modules and the skills, as serve's execute_code and run_skill import them.
  mkdirSync(path.join(root, 'servers'), { recursive: true });
  if (existsSync(path.join(repoRoot, 'servers'))) cpSync(path.join(repoRoot, 'servers'), path.join(root, 'servers'), { recursive: true });
  if (existsSync(path.join(repoRoot, 'skills'))) cpSync(path.join(repoRoot, 'skills'), path.join(root, 'skills'), { recursive: true });
  return {
    repoRoot,
    root,
    serversDir,
    stateDir,
    demoDir,
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
