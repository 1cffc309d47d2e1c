// The store's local backend and the runner read and write the same run records: a run the runner
// executes is what the store gets and lists; records the store puts are what `magsag workspace
// show` lists; and each side's interrupted-run sweep marks what the other wrote. The runner writes
// through the local store now, but `workspace show` and the synchronous sweep still read the
// folder themselves: this keeps the two from drifting apart.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execute, markInterruptedRuns, runIdPattern as runnerRunIdPattern, showWorkspace, Workspace, type RunRecord } from '@magsag/runner';
import { openStore, runIdPattern as storeRunIdPattern } from '@magsag/store';
import { repoRoot } from './helpers.ts';

const stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-store-local-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

// A pid far above any pid_max is never alive; the runner's sweep takes its owner for gone.
const deadOwner = { host: hostname(), pid: 2 ** 30, startedAt: '2026-12-07T03:00:00.000Z' };

describe('run records: the store (local) and the runner share one format', () => {
  it('checks run ids with the same pattern', () => {
    expect(storeRunIdPattern.source).toBe(runnerRunIdPattern.source);
  });

  it("a run the runner executes is the store's record, byte for byte", async () => {
    const run = await execute({
      code: 'export default 6 * 7;',
      root: repoRoot,
      serversDir: path.join(repoRoot, 'servers'),
      skillsDir: path.join(repoRoot, 'skills'),
      stateDir,
      createWorkspace: true,
      typecheck: false,
    });
    expect(run.ok).toBe(true);
    const workspaceId = run.workspace!.id;
    const file = path.join(stateDir, 'workspaces', workspaceId, 'runs', run.runId, 'run.json');
    const store = await openStore<RunRecord>({ stateDir });
    const got = await store.runRecords.get(workspaceId, run.runId);
    expect(got).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    expect(got).toMatchObject({ runId: run.runId, workspaceId, status: 'ok' });
    expect(await store.runRecords.list(workspaceId)).toEqual([got]);
    // Put back unchanged, the file is the same bytes.
    const before = readFileSync(file, 'utf8');
    await store.runRecords.put(got!);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('records the store puts are listed by workspace show and swept by markInterruptedRuns', async () => {
    const workspace = Workspace.open(stateDir, undefined, { create: true });
    const store = await openStore<RunRecord>({ stateDir });
    const base: RunRecord = {
      runId: 'run-20261207T040000-0000000a',
      workspaceId: workspace.id,
      status: 'running',
      errorCode: null,
      program: 'program.ts',
      inputsHash: 'x',
      startedAt: '2026-12-07T04:00:00.000Z',
      finishedAt: null,
      limits: {},
      metrics: null,
      owner: deadOwner,
      heartbeatAt: '2026-12-07T04:00:00.000Z',
    };
    await store.runRecords.put(base);
    await store.runRecords.put({ ...base, runId: 'run-20261207T040001-0000000b', status: 'ok', finishedAt: '2026-12-07T04:00:02.000Z' });
    expect(showWorkspace(workspace.id, { stateDir }).runRecords).toEqual(await store.runRecords.list(workspace.id));
    expect(markInterruptedRuns(stateDir)).toEqual([base.runId]);
    expect(await store.runRecords.get(workspace.id, base.runId)).toMatchObject({ status: 'interrupted', finishedAt: expect.any(String) });

    // And the other way: the store's sweep, with the runner's notion of a gone owner, on a record the runner's format holds.
    const third = { ...base, runId: 'run-20261207T040002-0000000c' };
    await store.runRecords.put(third);
    expect(await store.runRecords.markInterrupted((r) => r.owner?.pid === deadOwner.pid)).toEqual([third.runId]);
    expect(showWorkspace(workspace.id, { stateDir }).runRecords.map((r) => r.status)).toEqual(['interrupted', 'ok', 'interrupted']);
  });
});
