import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunner, newWorkspaceId, Workspace } from '../src/index.ts';
import { tempRunnerConfig } from './helpers.ts';

const temp = tempRunnerConfig();
afterAll(() => temp.cleanup());

/** Bytes and entries really on disk under a workspace's files/ folder. */
function onDisk(dir: string): { bytes: number; entries: number } {
  let bytes = 0;
  let entries = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    entries++;
    if (entry.isFile()) bytes += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return { bytes, entries };
}

// Each run writes 1 KiB files until the quota refuses one, then reports how many it wrote.
const writer = (tag: string): string =>
  [
    'let n = 0;',
    'try {',
    `  for (;;) { await workspace.write('${tag}-' + n + '.txt', 'x'.repeat(1024)); n++; }`,
    '} catch (error) {',
    '  globalThis.failure = String(error?.code ?? error);',
    '}',
    'export default { n, failure: globalThis.failure };',
  ].join('\n');

describe('workspace quota under concurrent runs', () => {
  it.each([2, 4])('%i runs writing into one workspace at once never exceed maxBytes', async (count) => {
    const quota = { maxBytes: 40 * 1024, maxFiles: 10_000 };
    const runner = createRunner({ ...temp.config, quota, typecheck: false });
    const id = newWorkspaceId();
    Workspace.open(temp.stateDir, id, { create: true, quota });
    const runs = await Promise.all(Array.from({ length: count }, (_, i) => runner.execute({ code: writer(`r${i}`), workspace: id })));
    for (const run of runs) {
      expect(run.error).toBeNull();
      expect(run.result).toMatchObject({ failure: 'WORKSPACE_QUOTA' });
    }
    const written = runs.reduce((sum, run) => sum + (run.result as { n: number }).n, 0);
    const files = path.join(temp.stateDir, 'workspaces', id, 'files');
    const disk = onDisk(files);
    expect(disk.bytes).toBeLessThanOrEqual(quota.maxBytes);
    expect(disk.bytes).toBe(written * 1024);
    // The quota is reached, not merely approached: the runs between them filled it.
    expect(disk.bytes).toBe(quota.maxBytes);
    expect(new Workspace(temp.stateDir, id, quota).usage()).toEqual(disk);
  });

  it('counts folders against maxFiles: a deep directory tree stops at the quota', async () => {
    const quota = { maxBytes: 10 * 1024 * 1024, maxFiles: 50 };
    const runner = createRunner({ ...temp.config, quota, typecheck: false });
    const run = await runner.execute({
      code: [
        "let dir = 'd';",
        'let made = 0;',
        'try {',
        "  for (let i = 0; i < 1000; i++) { await workspace.write(dir + '/f', ''); await workspace.remove(dir + '/f'); dir += '/d'; made++; }",
        '} catch (error) { globalThis.code = error.code; }',
        'export default { made, code: globalThis.code };',
      ].join('\n'),
    });
    expect(run.result).toMatchObject({ code: 'WORKSPACE_QUOTA' });
    const disk = onDisk(path.join(temp.stateDir, 'workspaces', run.workspace!.id, 'files'));
    expect(disk.entries).toBeLessThanOrEqual(quota.maxFiles);
    expect((run.result as { made: number }).made).toBeLessThan(quota.maxFiles);
  });

  it('a refused write leaves nothing behind: no file, no folder, no temporary file', async () => {
    const quota = { maxBytes: 1000, maxFiles: 100 };
    const runner = createRunner({ ...temp.config, quota, typecheck: false });
    const run = await runner.execute({
      code: "try { await workspace.write('a/b/c/big.txt', 'x'.repeat(5000)); } catch (error) { globalThis.code = error.code; }\nexport default globalThis.code;",
    });
    expect(run.result).toBe('WORKSPACE_QUOTA');
    const wsDir = path.join(temp.stateDir, 'workspaces', run.workspace!.id);
    expect(readdirSync(path.join(wsDir, 'files'))).toEqual([]);
    expect(readdirSync(wsDir).filter((name) => name.includes('tmp') || name.startsWith('.write'))).toEqual([]);
  });

  it('keeps the state folder private: folders 0700, files 0600', async () => {
    const run = await createRunner({ ...temp.config, typecheck: false }).execute({ code: "await workspace.write('x/y.txt', 'hi');\nexport default 1;" });
    expect(run.ok).toBe(true);
    const root = path.join(temp.stateDir, 'workspaces', run.workspace!.id);
    for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
      const mode = statSync(path.join(entry.parentPath, entry.name)).mode & 0o777;
      expect([entry.name, mode.toString(8)]).toEqual([entry.name, entry.isDirectory() ? '700' : '600']);
    }
  });
});
