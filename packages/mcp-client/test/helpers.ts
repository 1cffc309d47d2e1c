import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isMagsagError, type MagsagError } from '@magsag/core';
import { fileURLToPath } from 'node:url';

export const fixturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const repoRoot = path.resolve(fixturesDir, '../../../..');

/** A temporary folder of server YAML files, removed by the returned cleanup. */
export function tempServersDir(files: Record<string, string>): { dir: string; cacheDir: string; cleanup: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'magsag-client-'));
  const dir = path.join(root, 'servers');
  execFileSync('mkdir', ['-p', dir]);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return { dir, cacheDir: path.join(root, 'cache'), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Command lines of live processes that contain `marker`: to prove no server outlives its client. */
export function processesWith(marker: string): string[] {
  const out = execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(marker) && !line.startsWith('ps '));
}

/** YAML for a stdio server running `node <args...>`. */
export function stdioYaml(id: string, args: string[], extra = ''): string {
  return [`id: ${id}`, 'transport:', '  type: stdio', '  command: node', '  args:', ...args.map((a) => `    - ${JSON.stringify(a)}`), extra].join('\n') + '\n';
}

/** The MagsagError `promise` rejects with; fails the test when it resolves or throws something else. */
export async function rejection(promise: Promise<unknown>): Promise<MagsagError> {
  try {
    await promise;
  } catch (error) {
    if (isMagsagError(error)) return error;
    throw error;
  }
  throw new Error('expected a MagsagError');
}
