import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanWorkspaces, createRunner, listWorkspaces, showWorkspace, type ExecuteResult } from '../src/index.ts';
import { tempRunnerConfig } from './helpers.ts';

const temp = tempRunnerConfig();
const runner = createRunner(temp.config);
afterAll(() => temp.cleanup());

function ok(run: ExecuteResult): ExecuteResult {
  if (!run.ok) throw new Error(`run failed: ${JSON.stringify(run.error)}`);
  return run;
}

describe('workspaces', () => {
  it('gives the program a file API confined to its workspace, and lists what it wrote as artifacts', async () => {
    const run = ok(
      await runner.execute({
        code: [
          "await workspace.write('out/report.json', { rows: 3 });",
          "await workspace.write('notes.txt', 'hello');",
          "await workspace.write('tmp.txt', 'gone soon');",
          "await workspace.remove('tmp.txt');",
          "export default { report: await workspace.readJson('out/report.json'), list: await workspace.list(), has: await workspace.exists('tmp.txt') };",
        ].join('\n'),
      }),
    );
    expect(run.result).toEqual({
      report: { rows: 3 },
      list: [
        { path: 'notes.txt', type: 'file', bytes: 5 },
        { path: 'out', type: 'directory', bytes: 0 },
        { path: 'out/report.json', type: 'file', bytes: 15 },
      ],
      has: false,
    });
    expect(run.workspace?.artifacts).toEqual([
      { path: 'notes.txt', bytes: 5 },
      { path: 'out/report.json', bytes: 15 },
    ]);
    expect(readFileSync(path.join(run.workspace?.filesPath ?? '', 'notes.txt'), 'utf8')).toBe('hello');
  });

  it('resumes in an existing workspace and finds its earlier files', async () => {
    const first = ok(await runner.execute({ code: "await workspace.write('state.json', { step: 1 });" }));
    const id = first.workspace?.id ?? '';
    const second = ok(
      await runner.execute({
        workspace: id,
        code: "const s = await workspace.readJson<{ step: number }>('state.json');\nawait workspace.write('state.json', { step: s.step + 1 });\nexport default s.step + 1;",
      }),
    );
    expect(second.result).toBe(2);
    expect(second.workspace?.id).toBe(id);
    const missing = await runner.execute({ workspace: 'no-such-workspace', code: 'export default 1;' });
    expect(missing.error?.code).toBe('WORKSPACE_NOT_FOUND');
    const created = ok(await runner.execute({ workspace: 'named-one', createWorkspace: true, code: 'export default 1;' }));
    expect(created.workspace?.id).toBe('named-one');
  });

  it('writes run.json per run: inputs hash, limits, metrics, status', async () => {
    const run = await runner.execute({ code: "throw new Error('nope');", limits: { cpuMs: 1234 } });
    const record = JSON.parse(readFileSync(path.join(run.workspace?.path ?? '', 'runs', run.runId, 'run.json'), 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ runId: run.runId, status: 'error', errorCode: 'SANDBOX_RUNTIME_ERROR', program: 'program.ts' });
    expect(record['inputsHash']).toMatch(/^[0-9a-f]{64}$/);
    expect(record['limits']).toMatchObject({ cpuMs: 1234 });
    expect(record['metrics']).toMatchObject({ toolCallCount: 0 });
  });

  it('enforces the quota in bytes and in files', async () => {
    const bytes = await runner.execute({ code: "await workspace.write('a.txt', 'x'.repeat(2000));", quota: { maxBytes: 1000 } });
    expect(bytes.error).toMatchObject({ code: 'WORKSPACE_QUOTA', data: { limit: 'maxBytes', value: 1000 } });
    const files = await runner.execute({
      code: "for (let i = 0; i < 5; i++) await workspace.write('f' + i, 'x');",
      quota: { maxFiles: 3 },
    });
    expect(files.error).toMatchObject({ code: 'WORKSPACE_QUOTA', data: { limit: 'maxFiles', value: 3 } });
    const caught = ok(
      await runner.execute({
        code: "try { await workspace.write('a.txt', 'x'.repeat(2000)); } catch (e) { console.log((e as { code: string }).code); }\nexport default await workspace.list();",
        quota: { maxBytes: 1000 },
      }),
    );
    expect(caught.logs[0]?.message).toBe('WORKSPACE_QUOTA');
    expect(caught.result).toEqual([]);
  });

  it('lists, shows and cleans workspaces by age and count', async () => {
    const listed = listWorkspaces({ stateDir: temp.stateDir });
    expect(listed.length).toBeGreaterThan(3);
    const shown = showWorkspace('named-one', { stateDir: temp.stateDir });
    expect(shown.runRecords).toHaveLength(1);
    expect(() => showWorkspace('missing', { stateDir: temp.stateDir })).toThrow(expect.objectContaining({ code: 'WORKSPACE_NOT_FOUND' }));

    // Age one workspace by hand: its metadata says when it was last used.
    const metaFile = path.join(shown.path, 'workspace.json');
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, string>;
    writeFileSync(metaFile, JSON.stringify({ ...meta, updatedAt: '2000-01-01T00:00:00.000Z' }));
    utimesSync(metaFile, new Date(0), new Date(0));
    const dry = cleanWorkspaces({ stateDir: temp.stateDir, maxAgeMs: 24 * 3600 * 1000, dryRun: true });
    expect(dry.removed).toEqual(['named-one']);
    expect(existsSync(shown.path)).toBe(true);
    const cleaned = cleanWorkspaces({ stateDir: temp.stateDir, maxAgeMs: 24 * 3600 * 1000, maxCount: 2 });
    expect(cleaned.removed).toContain('named-one');
    expect(cleaned.kept).toHaveLength(2);
    expect(listWorkspaces({ stateDir: temp.stateDir })).toHaveLength(2);
  });
});
