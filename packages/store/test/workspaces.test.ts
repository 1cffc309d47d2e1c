// One suite, two backends: workspaces, their files, the quota and run outputs behave the same in
// the local state folder and in PostgreSQL. Then what only PostgreSQL must add: the quota holds for
// writers on two stores (two replicas) of one database.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MagsagError } from '@magsag/core';
import { openStore, type Store } from '@magsag/store';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';

const quota = { maxBytes: 1000, maxFiles: 10 };
const run = (n: number): string => `run-20261207T0500${String(n).padStart(2, '0')}-${n.toString(16).padStart(8, '0')}`;

interface Backend {
  name: string;
  skip?: string;
  open(): Promise<Store>;
}

const unavailable = postgresUnavailable();
let cluster: TestPostgres | undefined;
const temps: string[] = [];

async function freshDatabase(): Promise<string> {
  return cluster!.freshDatabase('ws');
}

const backends: Backend[] = [
  {
    name: 'local state folder',
    async open() {
      const stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-store-ws-'));
      temps.push(stateDir);
      return openStore({ stateDir });
    },
  },
  {
    name: 'PostgreSQL',
    ...(unavailable ? { skip: unavailable } : {}),
    async open() {
      return openStore({ stateDir: '/nonexistent', url: await freshDatabase() });
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

async function failure(promise: Promise<unknown>): Promise<MagsagError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MagsagError) return error;
    throw error;
  }
  throw new Error('expected a MagsagError');
}

for (const backend of backends) {
  describe.skipIf(backend.skip)(`workspaces: ${backend.name}${backend.skip ? ` (${backend.skip})` : ''}`, () => {
    it('writes, reads, lists, removes and counts files and folders', async () => {
      const store = await backend.open();
      try {
        const { id } = await store.workspaces.open(undefined, { create: true });
        const w = store.workspaces;
        expect(await w.usage(id)).toEqual({ bytes: 0, entries: 0 });
        expect(await w.write(id, 'out/deep/report.json', '{"ok":true}', quota)).toEqual({ path: 'out/deep/report.json', bytes: 11 });
        expect(await w.write(id, './notes.txt', 'héllo', quota)).toEqual({ path: 'notes.txt', bytes: 6 });
        expect(await w.write(id, 'out/b.txt', 'b', quota)).toEqual({ path: 'out/b.txt', bytes: 1 });
        // Folders are entries: out, out/deep, and three files.
        expect(await w.usage(id)).toEqual({ bytes: 18, entries: 5 });
        expect(await w.read(id, 'notes.txt')).toBe('héllo');
        expect(await w.entries(id, '.')).toEqual([
          { path: 'notes.txt', type: 'file', bytes: 6 },
          { path: 'out', type: 'directory', bytes: 0 },
          { path: 'out/b.txt', type: 'file', bytes: 1 },
          { path: 'out/deep', type: 'directory', bytes: 0 },
          { path: 'out/deep/report.json', type: 'file', bytes: 11 },
        ]);
        expect(await w.entries(id, 'out/deep')).toEqual([{ path: 'out/deep/report.json', type: 'file', bytes: 11 }]);
        expect(await w.entries(id, 'out/b.txt')).toEqual([{ path: 'out/b.txt', type: 'file', bytes: 1 }]);
        expect(await w.entries(id, 'nothing')).toEqual([]);
        expect([await w.exists(id, 'out'), await w.exists(id, 'out/b.txt'), await w.exists(id, 'out/c'), await w.exists(id, '.')]).toEqual([true, true, false, true]);
        // Replacing a file changes its bytes, not the entries.
        await w.write(id, 'notes.txt', 'hi', quota);
        expect(await w.usage(id)).toEqual({ bytes: 14, entries: 5 });
        await w.delete(id, 'out');
        expect(await w.usage(id)).toEqual({ bytes: 2, entries: 1 });
        expect(await w.entries(id, '.')).toEqual([{ path: 'notes.txt', type: 'file', bytes: 2 }]);
        await w.delete(id, 'out'); // gone already: nothing to do
        expect((await failure(w.read(id, 'out/b.txt'))).code).toBe('WORKSPACE_NOT_FOUND');
      } finally {
        await store.close();
      }
    });

    it('refuses paths outside the workspace and files that are folders, before touching anything', async () => {
      const store = await backend.open();
      try {
        const { id } = await store.workspaces.open(undefined, { create: true });
        const w = store.workspaces;
        await w.write(id, 'dir/a.txt', 'a', quota);
        for (const bad of ['../escape.txt', '/etc/passwd', 'a\\b', 'a\0b', '.', 'C:x']) {
          expect((await failure(w.write(id, bad, 'x', quota))).code).toBe('WORKSPACE_PATH_DENIED');
        }
        expect((await failure(w.read(id, 'dir/../../x'))).code).toBe('WORKSPACE_PATH_DENIED');
        expect((await failure(w.write(id, 'dir', 'x', quota))).code).toBe('WORKSPACE_PATH_DENIED');
        expect((await failure(w.read(id, 'dir'))).code).toBe('WORKSPACE_PATH_DENIED');
        // A file where a folder would have to be.
        expect(await failure(w.write(id, 'dir/a.txt/b.txt', 'x', quota))).toMatchObject({ code: 'WORKSPACE_PATH_DENIED', data: { reason: '"dir/a.txt" is a file, not a folder' } });
        expect(await w.usage(id)).toEqual({ bytes: 1, entries: 2 });
        // A folder name with LIKE's wildcards in it matches itself only.
        await w.write(id, 'a_b%/x.txt', 'x', quota);
        await w.write(id, 'aXbY/y.txt', 'y', quota);
        expect((await w.entries(id, 'a_b%')).map((e) => e.path)).toEqual(['a_b%/x.txt']);
        await w.delete(id, 'a_b%');
        expect((await w.entries(id, '.')).map((e) => e.path)).toEqual(['aXbY', 'aXbY/y.txt', 'dir', 'dir/a.txt']);
      } finally {
        await store.close();
      }
    });

    it('refuses a write over the byte or the entry quota and changes nothing', async () => {
      const store = await backend.open();
      try {
        const { id } = await store.workspaces.open(undefined, { create: true });
        const w = store.workspaces;
        await w.write(id, 'a.txt', 'x'.repeat(600), quota);
        const bytes = await failure(w.write(id, 'b.txt', 'y'.repeat(401), quota));
        expect(bytes).toMatchObject({ code: 'WORKSPACE_QUOTA', data: { limit: 'maxBytes', value: 1000, requested: 1001, path: 'b.txt' } });
        // Replacing a file counts its new size instead of the old.
        const replaced = await failure(w.write(id, 'a.txt', 'z'.repeat(1001), quota));
        expect(replaced.data).toMatchObject({ limit: 'maxBytes', requested: 1001 });
        await w.write(id, 'a.txt', 'z'.repeat(1000), quota);
        await w.write(id, 'a.txt', 'x'.repeat(600), quota);
        // Nine folders and a file would make eleven entries with a.txt: over 10.
        const entries = await failure(w.write(id, 'a/b/c/d/e/f/g/h/i/j.txt', 'j', quota));
        expect(entries).toMatchObject({ code: 'WORKSPACE_QUOTA', data: { limit: 'maxFiles', value: 10, requested: 11 } });
        expect(await w.usage(id)).toEqual({ bytes: 600, entries: 1 });
        expect(await w.entries(id, '.')).toEqual([{ path: 'a.txt', type: 'file', bytes: 600 }]);
        expect(await w.read(id, 'a.txt')).toBe('x'.repeat(600));
        expect(await w.exists(id, 'b.txt')).toBe(false);
        await w.write(id, 'a/b/c/d/e/f/g/h.txt', 'h', quota);
        expect(await w.usage(id)).toEqual({ bytes: 601, entries: 9 });
      } finally {
        await store.close();
      }
    });

    it("answers another principal's workspace exactly like a missing one", async () => {
      const store = await backend.open();
      try {
        const alice = await store.workspaces.open(undefined, { create: true, owner: 'alice' });
        expect(alice.owner).toBe('alice');
        expect((await store.workspaces.open(alice.id, { create: false, owner: 'alice' })).createdAt).toBe(alice.createdAt);
        const other = await failure(store.workspaces.open(alice.id, { create: true, owner: 'mallory' }));
        const missingId = 'ws-20261207T050000-00000000000000000000000000000000';
        const missing = await failure(store.workspaces.open(missingId, { create: false, owner: 'mallory' }));
        expect(other.code).toBe('WORKSPACE_NOT_FOUND');
        expect(other.message.replace(alice.id, '<id>')).toBe(missing.message.replace(missingId, '<id>'));
        expect(Object.keys(other.data ?? {})).toEqual(Object.keys(missing.data ?? {}));
        // Without an owner (the local user's commands) it opens; an unknown id without create is not found.
        expect((await store.workspaces.open(alice.id, { create: false })).owner).toBe('alice');
        expect((await failure(store.workspaces.open(missingId, { create: false }))).code).toBe('WORKSPACE_NOT_FOUND');
        expect((await failure(store.workspaces.usage(missingId))).code).toBe('WORKSPACE_NOT_FOUND');
        expect((await failure(store.workspaces.write(missingId, 'a.txt', 'a', quota))).code).toBe('WORKSPACE_NOT_FOUND');
        // A named workspace is created with its name and the local owner by default.
        const named = await store.workspaces.open('named-one', { create: true });
        expect(named).toMatchObject({ id: 'named-one', owner: 'local' });
        expect((await store.workspaces.list({ owner: 'alice' })).map((s) => s.id)).toEqual([alice.id]);
      } finally {
        await store.close();
      }
    });

    it('lists summaries, keeps run outputs by page, and removes a workspace whole', async () => {
      const store = await backend.open();
      try {
        const first = await store.workspaces.open(undefined, { create: true });
        await new Promise((resolve) => setTimeout(resolve, 5));
        const second = await store.workspaces.open(undefined, { create: true });
        await store.workspaces.write(second.id, 'x/y.txt', 'abc', quota);
        await store.runRecords.put({ runId: run(1), workspaceId: second.id, status: 'ok', startedAt: new Date().toISOString(), finishedAt: null });
        const output = JSON.stringify({ ok: true, result: 'ü'.repeat(50), logs: [] }, null, 2);
        await store.runOutputs.put(second.id, run(1), output);
        const listed = await store.workspaces.list();
        expect(listed.map((s) => s.id)).toEqual([second.id, first.id]);
        expect(listed[0]).toMatchObject({ id: second.id, owner: 'local', bytes: 3, entries: 2, runs: 1 });
        const pages: string[] = [];
        for (let offset: number | undefined = 0; offset !== undefined; ) {
          const page = await store.runOutputs.page(second.id, run(1), offset, 40);
          expect(page?.total).toBe(output.length);
          pages.push(page!.text);
          offset = page!.end < page!.total ? page!.end : undefined;
        }
        expect(pages.join('')).toBe(output);
        expect(await store.runOutputs.page(second.id, run(2), 0, 10)).toBeUndefined();
        await store.workspaces.remove(second.id);
        expect((await store.workspaces.list()).map((s) => s.id)).toEqual([first.id]);
        expect(await store.runRecords.list(second.id)).toEqual([]);
        expect(await store.runOutputs.page(second.id, run(1), 0, 10)).toBeUndefined();
        expect((await failure(store.workspaces.open(second.id, { create: false }))).code).toBe('WORKSPACE_NOT_FOUND');
      } finally {
        await store.close();
      }
    });
  });
}

describe('workspaces: the local files', () => {
  it('writes output.json as the runner always has: pretty JSON and a newline, mode 0600', async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-store-ws-'));
    temps.push(stateDir);
    const store = await openStore({ stateDir });
    const { id } = await store.workspaces.open(undefined, { create: true });
    const json = JSON.stringify({ ok: true }, null, 2);
    await store.runOutputs.put(id, run(3), json);
    const file = path.join(stateDir, 'workspaces', id, 'runs', run(3), 'output.json');
    expect(readFileSync(file, 'utf8')).toBe(`${json}\n`);
    await store.workspaces.write(id, 'a.txt', 'abc', quota);
    expect(readFileSync(path.join(stateDir, 'workspaces', id, 'files', 'a.txt'), 'utf8')).toBe('abc');
    expect(JSON.parse(readFileSync(path.join(stateDir, 'workspaces', id, 'usage.json'), 'utf8'))).toEqual({ bytes: 3, entries: 1 });
  });
});

describe.skipIf(unavailable)(`workspaces: two PostgreSQL stores on one database${unavailable ? ` (${unavailable})` : ''}`, () => {
  it('never lets parallel writes from two replicas exceed the quota, and keeps the counter true', async () => {
    const url = await freshDatabase();
    const [a, b] = await Promise.all([openStore({ stateDir: '/nonexistent', url }), openStore({ stateDir: '/nonexistent', url })]);
    try {
      const { id } = await a.workspaces.open(undefined, { create: true });
      // 20 writes of 100 bytes into new folders (2 entries each) against 1000 bytes and 15 entries:
      // the entry quota lets 7 land, the bytes quota would let 10.
      const tight = { maxBytes: 1000, maxFiles: 15 };
      const writes = Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).workspaces.write(id, `d${i}/f.txt`, String(i % 10).repeat(100), tight));
      const settled = await Promise.allSettled(writes);
      const landed = settled.filter((s) => s.status === 'fulfilled').length;
      const refused = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => (s.reason as MagsagError).code);
      expect(landed).toBe(7);
      expect(refused).toEqual(Array.from({ length: 13 }, () => 'WORKSPACE_QUOTA'));
      expect(await b.workspaces.usage(id)).toEqual({ bytes: 700, entries: 14 });
      const listed = await b.workspaces.entries(id, '.');
      expect(listed.filter((e) => e.type === 'file').reduce((sum, e) => sum + e.bytes, 0)).toBe(700);
      expect(listed).toHaveLength(14);

      // Then the bytes quota: 20 parallel writes of 150 bytes to flat files in a fresh workspace.
      const other = await b.workspaces.open(undefined, { create: true });
      const bytesQuota = { maxBytes: 1000, maxFiles: 1000 };
      const flat = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => (i % 2 ? b : a).workspaces.write(other.id, `f${i}.txt`, 'x'.repeat(150), bytesQuota)));
      expect(flat.filter((s) => s.status === 'fulfilled')).toHaveLength(6);
      expect(await a.workspaces.usage(other.id)).toEqual({ bytes: 900, entries: 6 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('reads what another replica wrote, and sees the workspace with its owner', async () => {
    const url = (await freshDatabase()).replace('postgres://magsag@', 'postgres://magsag:s3cret-pw@');
    const [a, b] = await Promise.all([openStore({ stateDir: '/nonexistent', url }), openStore({ stateDir: '/nonexistent', url })]);
    try {
      const { id } = await a.workspaces.open(undefined, { create: true, owner: 'alice' });
      await a.workspaces.write(id, 'shared.json', '{"n":1}', quota);
      expect(await b.workspaces.read(id, 'shared.json')).toBe('{"n":1}');
      expect((await failure(b.workspaces.open(id, { create: false, owner: 'bob' }))).code).toBe('WORKSPACE_NOT_FOUND');
      expect((await b.workspaces.open(id, { create: false, owner: 'alice' })).id).toBe(id);
      // The URL is there for a process of ours, but a store logged whole does not show the password.
      expect(a.url).toBe(url);
      expect(JSON.stringify(a)).not.toContain('s3cret-pw');
      expect(a.where).not.toContain('s3cret-pw');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe.skipIf(unavailable)(`workspaces: PostgreSQL removal${unavailable ? ` (${unavailable})` : ''}`, () => {
  it('removing a workspace removes its PII vault rows and counters too', async () => {
    const store = await openStore({ stateDir: '/nonexistent', url: await freshDatabase() });
    try {
      if (store.vault.kind !== 'rows') throw new Error('expected the rows vault');
      const kept = await store.workspaces.open(undefined, { create: true });
      const gone = await store.workspaces.open(undefined, { create: true });
      const sealed = { iv: 'aaaa', tag: 'bbbb', data: 'cccc' };
      for (const ws of [kept.id, gone.id]) {
        await store.vault.tokenize(ws, [{ kind: 'EMAIL', index: `idx-${ws}`, proposed: 1, make: (n) => ({ placeholder: `[EMAIL_${n}]`, sealed }), origins: ['crm'] }]);
      }
      expect(await store.vault.entries(gone.id)).toHaveLength(1);
      await store.workspaces.remove(gone.id);
      expect(await store.vault.entries(gone.id)).toEqual([]);
      expect(await store.vault.entries(kept.id)).toHaveLength(1);
      // A workspace made again under that id starts its placeholders from 1.
      const again = await store.vault.tokenize(gone.id, [{ kind: 'EMAIL', index: 'other', proposed: 1, make: (n) => ({ placeholder: `[EMAIL_${n}]`, sealed }), origins: [] }]);
      expect(again[0]?.placeholder).toBe('[EMAIL_1]');
    } finally {
      await store.close();
    }
  });
});
