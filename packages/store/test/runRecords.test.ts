// One suite, two backends: the local state folder and PostgreSQL on a throwaway cluster behave the
// same for run records. Then what only one of them promises: the local files are exactly the ones
// MAGSAG always wrote; PostgreSQL holds across two stores (two replicas) on one database.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MagsagError } from '@magsag/core';
import { openStore, type Store, type StoredRunRecord } from '@magsag/store';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';

/** The runner's record carries more than the store reads; the store keeps it as it is. */
interface Record extends StoredRunRecord {
  program: string;
  metrics: { wallMs: number } | null;
  approvals?: { approvalId: string }[];
}

const ws = (n: number): string => `ws-20261207T040000-${n.toString(16).padStart(32, '0')}`;
const run = (n: number): string => `run-20261207T0400${String(n).padStart(2, '0')}-${n.toString(16).padStart(8, '0')}`;
const iso = (ms: number): string => new Date(ms).toISOString();
const t0 = Date.parse('2026-12-07T04:00:00.000Z');

function record(w: number, r: number, extra: Partial<Record> = {}): Record {
  return {
    runId: run(r),
    workspaceId: ws(w),
    status: 'running',
    startedAt: iso(t0 + r * 1000),
    finishedAt: null,
    program: `p${r}.ts`,
    metrics: null,
    owner: { host: 'replica-a', pid: 100 + r, startedAt: iso(t0) },
    heartbeatAt: iso(t0 + r * 1000),
    ...extra,
  };
}

interface Backend {
  name: string;
  skip?: string;
  open(): Promise<Store<Record>>;
}

const unavailable = postgresUnavailable();
let cluster: TestPostgres | undefined;
const temps: string[] = [];

/** A fresh database on the cluster, so each test starts from an empty schema. */
async function freshDatabase(): Promise<string> {
  return cluster!.freshDatabase('runs');
}

const backends: Backend[] = [
  {
    name: 'local state folder',
    async open() {
      const stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-store-'));
      temps.push(stateDir);
      return openStore<Record>({ stateDir });
    },
  },
  {
    name: 'PostgreSQL',
    ...(unavailable ? { skip: unavailable } : {}),
    async open() {
      return openStore<Record>({ stateDir: '/nonexistent', url: await freshDatabase() });
    },
  },
];

beforeAll(async () => {
  if (!unavailable) cluster = await startPostgres();
});

afterAll(async () => {
  await cluster?.stop();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

for (const backend of backends) {
  describe.skipIf(backend.skip)(`run records: ${backend.name}${backend.skip ? ` (${backend.skip})` : ''}`, () => {
    it('creates, replaces, gets and lists records, keeping every field the runner writes', async () => {
      const store = await backend.open();
      try {
        expect(await store.runRecords.get(ws(1), run(1))).toBeUndefined();
        expect(await store.runRecords.list(ws(1))).toEqual([]);
        await store.runRecords.put(record(1, 2));
        await store.runRecords.put(record(1, 1));
        await store.runRecords.put(record(2, 3));
        const finished = record(1, 1, { status: 'ok', finishedAt: iso(t0 + 5000), metrics: { wallMs: 42 }, approvals: [{ approvalId: 'apr-1234' }] });
        await store.runRecords.put(finished);
        expect(await store.runRecords.get(ws(1), run(1))).toEqual(finished);
        expect(await store.runRecords.get(ws(2), run(1))).toBeUndefined();
        // Oldest run id first; only that workspace's.
        expect((await store.runRecords.list(ws(1))).map((r) => [r.runId, r.status])).toEqual([
          [run(1), 'ok'],
          [run(2), 'running'],
        ]);
        expect(await store.runRecords.list(ws(2))).toEqual([record(2, 3)]);
      } finally {
        await store.close();
      }
    });

    it('marks running records whose owner is gone as interrupted, and nothing else', async () => {
      const store = await backend.open();
      try {
        await store.runRecords.put(record(1, 1)); // owner gone
        await store.runRecords.put(record(1, 2)); // owner alive
        await store.runRecords.put(record(2, 3, { status: 'ok', finishedAt: iso(t0 + 4000) })); // finished: never touched
        await store.runRecords.put(record(2, 4)); // owner gone, another workspace
        const seen: string[] = [];
        const now = t0 + 60_000;
        const marked = await store.runRecords.markInterrupted((r) => {
          seen.push(r.runId);
          return r.owner?.pid !== 102;
        }, now);
        expect(marked.sort()).toEqual([run(1), run(4)]);
        expect(seen.sort()).toEqual([run(1), run(2), run(4)]);
        expect(await store.runRecords.get(ws(1), run(1))).toEqual({ ...record(1, 1), status: 'interrupted', finishedAt: iso(now) });
        expect((await store.runRecords.get(ws(1), run(2)))?.status).toBe('running');
        expect(await store.runRecords.get(ws(2), run(3))).toEqual(record(2, 3, { status: 'ok', finishedAt: iso(t0 + 4000) }));
        // Marked once: a second pass finds nothing to mark.
        expect(await store.runRecords.markInterrupted(() => true, now)).toEqual([run(2)]);
        expect(await store.runRecords.markInterrupted(() => true, now)).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it('leaves a record alone when its heartbeat lands between the check and the mark', async () => {
      const store = await backend.open();
      try {
        await store.runRecords.put(record(1, 1));
        const beat = iso(t0 + 99_000);
        const marked = await store.runRecords.markInterrupted(async (r) => {
          // The run's process beats while the sweep decides it is gone.
          await store.runRecords.put({ ...r, heartbeatAt: beat });
          return true;
        });
        expect(marked).toEqual([]);
        expect(await store.runRecords.get(ws(1), run(1))).toEqual({ ...record(1, 1), heartbeatAt: beat });
        // With no beat in between, the same sweep marks it.
        expect(await store.runRecords.markInterrupted(() => true)).toEqual([run(1)]);
      } finally {
        await store.close();
      }
    });

    it('refuses ids that are not workspace or run ids before touching anything', async () => {
      const store = await backend.open();
      try {
        await expect(store.runRecords.put(record(1, 1, { runId: '../../etc' }))).rejects.toMatchObject({ code: 'USAGE' });
        await expect(store.runRecords.put(record(1, 1, { workspaceId: '../x' }))).rejects.toBeInstanceOf(MagsagError);
        await expect(store.runRecords.get(ws(1), 'run-1; DROP TABLE x')).rejects.toMatchObject({ code: 'USAGE' });
        await expect(store.runRecords.list('ws-../../')).rejects.toBeInstanceOf(MagsagError);
        expect(await store.runRecords.list(ws(1))).toEqual([]);
      } finally {
        await store.close();
      }
    });
  });
}

describe('run records: the local backend writes the files MAGSAG always wrote', () => {
  it('runs/<runId>/run.json, pretty-printed, mode 0600 in folders of mode 0700', async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-store-'));
    temps.push(stateDir);
    const store = await openStore<Record>({ stateDir });
    expect(store.kind).toBe('local');
    const value = record(1, 1);
    await store.runRecords.put(value);
    const file = path.join(stateDir, 'workspaces', ws(1), 'runs', run(1), 'run.json');
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(value, null, 2)}\n`);
    if (process.platform !== 'win32') {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    }
    // A torn record (a process killed mid-write before records were renamed into place) is skipped.
    await store.runRecords.put(record(1, 2));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(stateDir, 'workspaces', ws(1), 'runs', run(2), 'run.json'), '{"runId":');
    expect((await store.runRecords.list(ws(1))).map((r) => r.runId)).toEqual([run(1)]);
  });

  it('refuses a store URL that is not PostgreSQL', async () => {
    await expect(openStore({ stateDir: '/tmp', url: 'mysql://x@y/z' })).rejects.toMatchObject({ code: 'USAGE' });
  });
});
