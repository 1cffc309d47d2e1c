// The runner on a PostgreSQL store, as two `serve` replicas would use it: a run on one store
// ("replica A") writes files through the sandbox's synchronous workspace API (the worker asks the
// parent, which holds the only connection), and a second store on the same database ("replica B")
// reads the files, lists the run record and pages its output. Both isolation modes; the quota and
// the owner check as the program sees them; the interrupted-run sweep across stores; a run whose
// workspace call waits on a locked row still stops at its wall clock.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute, listWorkspacesIn, markInterruptedRunsIn, readRunOutputIn, showWorkspaceIn, type ExecuteOptions, type RunRecord } from '@magsag/runner';
import { openStore, type Store } from '@magsag/store';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { repoRoot } from './helpers.ts';

const unavailable = postgresUnavailable();
let cluster: TestPostgres | undefined;
let replicaA: Store<RunRecord>;
let replicaB: Store<RunRecord>;
const stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-ws-store-'));

beforeAll(async () => {
  if (unavailable) return;
  cluster = await startPostgres();
  [replicaA, replicaB] = await Promise.all([openStore<RunRecord>({ stateDir, url: cluster.url }), openStore<RunRecord>({ stateDir, url: cluster.url })]);
});

afterAll(async () => {
  await replicaA?.close();
  await replicaB?.close();
  await cluster?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const base = (): ExecuteOptions => ({
  root: repoRoot,
  serversDir: path.join(repoRoot, 'servers'),
  skillsDir: path.join(repoRoot, 'skills'),
  stateDir,
  typecheck: false,
  store: replicaA,
});

const program = `
const report = { items: Array.from({ length: 50 }, (_, i) => ({ i, name: 'item ' + i })) };
await workspace.write('out/report.json', report);
await workspace.write('scratch.txt', 'temporary');
await workspace.remove('scratch.txt');
const back = await workspace.readJson('out/report.json');
let quota;
try { await workspace.write('huge.txt', 'x'.repeat(5000)); } catch (error) { quota = error.code; }
let escape;
try { await workspace.read('../../etc/passwd'); } catch (error) { escape = error.code; }
console.log('listed', JSON.stringify(await workspace.list()));
export default { count: back.items.length, exists: await workspace.exists('out'), gone: !(await workspace.exists('scratch.txt')), quota, escape, usage: undefined };
`;

describe.skipIf(unavailable)(`the runner on a PostgreSQL store${unavailable ? ` (${unavailable})` : ''}`, () => {
  for (const isolation of ['process', 'inline'] as const) {
    it(`a run (${isolation}) writes through the store, and another replica reads its files, record and output`, async () => {
      const run = await execute({ ...base(), code: program, createWorkspace: true, isolation, quota: { maxBytes: 4096, maxFiles: 20 } });
      expect(run.error).toBeNull();
      expect(run.result).toEqual({ count: 50, exists: true, gone: true, quota: 'WORKSPACE_QUOTA', escape: 'WORKSPACE_PATH_DENIED' });
      const id = run.workspace!.id;
      // Nothing of it in the state folder: the store holds it all.
      expect(existsSync(path.join(stateDir, 'workspaces', id))).toBe(false);
      expect(run.workspace!.artifacts).toEqual([{ path: 'out/report.json', bytes: expect.any(Number) as number }]);

      const report = JSON.parse(await replicaB.workspaces.read(id, 'out/report.json')) as { items: unknown[] };
      expect(report.items).toHaveLength(50);
      expect(await replicaB.workspaces.exists(id, 'huge.txt')).toBe(false);
      expect(await replicaB.workspaces.entries(id, '.')).toEqual([
        { path: 'out', type: 'directory', bytes: 0 },
        { path: 'out/report.json', type: 'file', bytes: run.workspace!.artifacts[0]!.bytes },
      ]);
      expect(await replicaB.workspaces.usage(id)).toEqual({ bytes: run.workspace!.artifacts[0]!.bytes, entries: 2 });

      const shown = await showWorkspaceIn(replicaB, id);
      expect(shown.runRecords.map((r) => [r.runId, r.status])).toEqual([[run.runId, 'ok']]);
      expect(shown).toMatchObject({ id, files: 2, runs: 1 });
      expect((await listWorkspacesIn(replicaB)).map((w) => w.id)).toContain(id);

      const first = await readRunOutputIn(replicaB, id, run.runId, { length: 100 });
      expect(first.next).toBe(100);
      let text = first.text;
      for (let next = first.next; next !== undefined; ) {
        const page = await readRunOutputIn(replicaB, id, run.runId, { offset: next, length: 1000 });
        text += page.text;
        next = page.next;
      }
      const output = JSON.parse(text) as { ok: boolean; result: unknown; logs: { message: string }[] };
      expect(output.ok).toBe(true);
      expect(output.result).toEqual(run.result);
      expect(output.logs[0]!.message).toContain('out/report.json');
    });
  }

  it('keeps the quota for runs on two replicas writing into one workspace at once', async () => {
    const { id } = await replicaA.workspaces.open(undefined, { create: true });
    const quota = { maxBytes: 2500, maxFiles: 1000 };
    // Each run writes ten files of 100 bytes and counts what the quota refused: 4000 bytes asked, 2500 allowed.
    const code = (n: number): string =>
      `let refused = 0; for (let i = 0; i < 10; i++) { try { await workspace.write('r${n}-' + i + '.txt', 'x'.repeat(100)); } catch (e) { if (e.code !== 'WORKSPACE_QUOTA') throw e; refused++; } } export default refused;`;
    const runs = await Promise.all([0, 1, 2, 3].map((n) => execute({ ...base(), store: n % 2 ? replicaB : replicaA, code: code(n), workspace: id, quota })));
    for (const run of runs) expect(run.error).toBeNull();
    const refused = runs.reduce((sum, run) => sum + (run.result as number), 0);
    expect(refused).toBe(15);
    expect(await replicaB.workspaces.usage(id)).toEqual({ bytes: 2500, entries: 25 });
    expect((await replicaA.workspaces.entries(id, '.')).reduce((sum, e) => sum + e.bytes, 0)).toBe(2500);
  });

  it("resumes a workspace on its owner's runs only, and refuses another principal's like a missing one", async () => {
    const first = await execute({ ...base(), code: "await workspace.write('note.txt', 'from alice'); export default 1;", createWorkspace: true, owner: 'alice' });
    expect(first.ok).toBe(true);
    const id = first.workspace!.id;
    const again = await execute({ ...base(), store: replicaB, code: "export default await workspace.read('note.txt');", workspace: id, owner: 'alice' });
    expect(again.result).toBe('from alice');
    const other = await execute({ ...base(), store: replicaB, code: 'export default 1;', workspace: id, owner: 'bob' });
    expect(other.error?.code).toBe('WORKSPACE_NOT_FOUND');
    await expect(readRunOutputIn(replicaB, id, first.runId, { owner: 'bob' })).rejects.toMatchObject({ code: 'WORKSPACE_NOT_FOUND' });
    await expect(readRunOutputIn(replicaB, id, 'run-20200101T000000-00000000', { owner: 'alice' })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it("marks a dead replica's running records interrupted from another store, and leaves live ones", async () => {
    const { id } = await replicaA.workspaces.open(undefined, { create: true });
    const now = Date.now();
    const running = (runId: string, owner: RunRecord['owner'], heartbeatAt: string): RunRecord => ({
      runId,
      workspaceId: id,
      status: 'running',
      errorCode: null,
      program: 'p.ts',
      inputsHash: '',
      startedAt: new Date(now - 120_000).toISOString(),
      finishedAt: null,
      limits: {},
      metrics: null,
      ...(owner ? { owner } : {}),
      heartbeatAt,
    });
    // Replica A on another machine stopped beating two minutes ago; replica C beats still; a dead pid here.
    const stale = running('run-20261207T060000-0000000a', { host: 'replica-a.example', pid: 4242, startedAt: new Date(now - 600_000).toISOString() }, new Date(now - 120_000).toISOString());
    const live = running('run-20261207T060000-0000000b', { host: 'replica-c.example', pid: 4243, startedAt: new Date(now - 600_000).toISOString() }, new Date(now - 5_000).toISOString());
    const deadHere = running('run-20261207T060000-0000000c', { host: hostname(), pid: 2 ** 30, startedAt: new Date(now - 600_000).toISOString() }, new Date(now - 5_000).toISOString());
    for (const record of [stale, live, deadHere]) await replicaA.runRecords.put(record);
    expect((await markInterruptedRunsIn(replicaB, now)).sort()).toEqual([stale.runId, deadHere.runId]);
    expect((await replicaA.runRecords.list(id)).map((r) => r.status)).toEqual(['interrupted', 'running', 'interrupted']);
    expect(await markInterruptedRunsIn(replicaA, now)).toEqual([]);
  });

  it('counts the round trips of workspace calls against cpuMs, as the local calls count their disk time', async () => {
    // 20000 calls cost the isolate itself little CPU; their host time is far over 300 ms.
    const run = await execute({ ...base(), code: "let n = 0; for (let i = 0; i < 20000; i++) if (await workspace.exists('x' + i)) n++; export default n;", createWorkspace: true, limits: { cpuMs: 300 } });
    expect(run.error).toMatchObject({ code: 'SANDBOX_CPU_LIMIT', data: { limit: 'cpuMs', value: 300 } });
    expect((run.error!.data as { hostMs: number }).hostMs).toBeGreaterThan(0);
  });

  for (const isolation of ['process', 'inline'] as const) {
    it(`stops (${isolation}) at its wall clock while a workspace write waits on a lock another replica holds`, async () => {
      const { id } = await replicaA.workspaces.open(undefined, { create: true });
      const holder = new pg.Client({ connectionString: cluster!.url });
      await holder.connect();
      try {
        // Reads and the run's own records go on; the write's INSERT waits.
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE magsag_files IN EXCLUSIVE MODE');
        const run = await execute({ ...base(), isolation, code: "await workspace.write('blocked.txt', 'x'); export default 1;", workspace: id, limits: { wallMs: 1500 } });
        expect(run.error?.code).toBe('SANDBOX_TIMEOUT');
        expect((await replicaB.runRecords.get(id, run.runId))?.status).toBe('error');
      } finally {
        await holder.query('ROLLBACK');
        await holder.end();
      }
      // The sandbox still serves runs afterwards.
      const after = await execute({ ...base(), isolation, code: "await workspace.write('after.txt', 'y'); export default await workspace.read('after.txt');", workspace: id });
      expect(after.result).toBe('y');
    });
  }
});
