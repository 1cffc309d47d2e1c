// The approval queue behind both backends: the same suite for the state folder's files and for
// PostgreSQL, then what only PostgreSQL promises: settled exactly once by racing stores (replicas),
// and a waiter on one store told of a decision made on another by NOTIFY, not by its poll.
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type QueueDecision, type QueuedApproval, type Store } from '@magsag/store';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';

const unavailable = postgresUnavailable();
let cluster: TestPostgres | undefined;
const stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-store-approvals-'));
const opened: Store[] = [];
let ids = 0;

const entry = (overrides: Partial<QueuedApproval> = {}): QueuedApproval => ({
  id: `apr-${process.pid.toString(36)}${(++ids).toString().padStart(6, '0')}`,
  principal: 'alice',
  runId: 'run-20261207T060000-0a1b2c3d',
  workspaceId: 'ws-20261207T060000-0123456789abcdef0123456789abcdef',
  calls: [{ server: 'crm', tool: 'delete_record', arguments: { id: '[EMAIL_1]' }, argumentsHash: 'ab12', reason: 'crm.delete_record asks' }],
  createdAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
  waiter: { host: hostname(), pid: process.pid },
  ...overrides,
});

const decision = (decidedBy: string, outcome: QueueDecision['outcome'] = 'approved'): QueueDecision => ({ outcome, ...(outcome === 'approved' ? { scope: 'calls' } : {}), decidedBy, decidedAt: new Date().toISOString() });

async function store(kind: 'local' | 'postgres'): Promise<Store> {
  const s = await openStore({ stateDir, ...(kind === 'postgres' ? { url: cluster!.url, maxConnections: 4 } : {}) });
  opened.push(s);
  return s;
}

beforeAll(async () => {
  if (!unavailable) cluster = await startPostgres();
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close().catch(() => {})));
  await cluster?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const backends = unavailable ? (['local'] as const) : (['local', 'postgres'] as const);

describe.each(backends)('approval queue (%s)', (kind) => {
  it('keeps a request, lists it by principal, and takes one decision only', async () => {
    const s = await store(kind);
    const asked = entry();
    await s.approvals.add(asked);
    await s.approvals.add(entry({ principal: 'bob' }));
    expect(await s.approvals.get(asked.id)).toEqual({ ...asked, status: 'pending' });
    expect((await s.approvals.list({ principal: 'alice' })).map((e) => e.id)).toContain(asked.id);
    expect((await s.approvals.list({ principal: 'bob' })).map((e) => e.id)).not.toContain(asked.id);
    expect(await s.approvals.settle(asked.id, decision('local:me'))).toBe(true);
    expect(await s.approvals.settle(asked.id, decision('local:you', 'denied'))).toBe(false);
    expect(await s.approvals.get(asked.id)).toMatchObject({ status: 'approved', decision: { outcome: 'approved', decidedBy: 'local:me' } });
    expect((await s.approvals.list()).map((e) => e.id)).not.toContain(asked.id);
    expect((await s.approvals.list({ all: true })).map((e) => e.id)).toContain(asked.id);
    expect(await s.approvals.get('apr-000000unknown')).toBeUndefined();
    await expect(s.approvals.get('../x')).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('reports a request past its expiry, or whose waiter is gone, as no longer pending', async () => {
    const s = await store(kind);
    const late = entry({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    const orphan = entry({ waiter: { host: hostname(), pid: 2 ** 30 } });
    await s.approvals.add(late);
    await s.approvals.add(orphan);
    expect((await s.approvals.get(late.id))?.status).toBe('expired');
    expect((await s.approvals.get(orphan.id))?.status).toBe('cancelled');
  });

  it('wakes a waiter with the decision, and gives up at its deadline or on abort', async () => {
    const s = await store(kind);
    const asked = entry();
    await s.approvals.add(asked);
    const waiting = s.approvals.wait(asked.id, { deadline: Date.now() + 60_000 });
    await s.approvals.settle(asked.id, decision('local:me', 'denied'));
    expect(await waiting).toMatchObject({ outcome: 'denied', decidedBy: 'local:me' });
    const other = entry();
    await s.approvals.add(other);
    expect(await s.approvals.wait(other.id, { deadline: Date.now() + 50 })).toBeUndefined();
    const controller = new AbortController();
    const aborted = s.approvals.wait(other.id, { deadline: Date.now() + 60_000, signal: controller.signal });
    controller.abort();
    expect(await aborted).toBeUndefined();
  });

  it('prunes settled requests long past their expiry and keeps pending ones', async () => {
    const s = await store(kind);
    const old = entry({ expiresAt: new Date(Date.now() - 3 * 24 * 60 * 60 * 1000).toISOString() });
    const pending = entry();
    await s.approvals.add(old);
    await s.approvals.settle(old.id, decision('nobody', 'expired'));
    await s.approvals.add(pending);
    await s.approvals.prune();
    expect(await s.approvals.get(old.id)).toBeUndefined();
    expect((await s.approvals.get(pending.id))?.status).toBe('pending');
  });
});

describe.skipIf(unavailable)(`approval queue across PostgreSQL replicas${unavailable ? ` (${unavailable})` : ''}`, () => {
  it('settles exactly once when several replicas race to decide', async () => {
    const a = await store('postgres');
    const b = await store('postgres');
    for (let round = 0; round < 5; round++) {
      const asked = entry();
      await a.approvals.add(asked);
      const settlers = Array.from({ length: 8 }, (_, i) => ({ by: `settler-${i}`, on: i % 2 === 0 ? a : b }));
      const won = await Promise.all(settlers.map(({ by, on }) => on.approvals.settle(asked.id, decision(by, by.endsWith('1') ? 'denied' : 'approved'))));
      expect(won.filter(Boolean)).toHaveLength(1);
      const winner = settlers[won.indexOf(true)]!.by;
      // Both replicas read the winner's decision.
      expect((await a.approvals.get(asked.id))?.decision?.decidedBy).toBe(winner);
      expect((await b.approvals.get(asked.id))?.decision?.decidedBy).toBe(winner);
    }
  });

  it('tells a waiter on one replica of a decision made on another by NOTIFY', async () => {
    const a = await store('postgres');
    const b = await store('postgres');
    const asked = entry();
    await a.approvals.add(asked);
    // A poll this slow would not find the decision within the test's timeout: only the notification can.
    const waiting = a.approvals.wait(asked.id, { deadline: Date.now() + 120_000, pollMs: 120_000 });
    // Let the waiter read the row (no decision yet) and start listening.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await b.approvals.settle(asked.id, decision('bob (magsag approvals)'))).toBe(true);
    expect(await waiting).toMatchObject({ outcome: 'approved', decidedBy: 'bob (magsag approvals)' });
  }, 15_000);

  it('listens again after its notification connection was dropped', async () => {
    const a = await store('postgres');
    const b = await store('postgres');
    const first = entry();
    await a.approvals.add(first);
    const waiting = a.approvals.wait(first.id, { deadline: Date.now() + 120_000, pollMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The server ends the listening connection (a failover, an idle-session timeout, an operator).
    const admin = new pg.Client({ connectionString: cluster!.url });
    await admin.connect();
    try {
      const ended = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'magsag-listen'");
      expect(ended.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    // The poll still finds this decision; the next waiter is told by NOTIFY on a new connection.
    await b.approvals.settle(first.id, decision('bob'));
    expect(await waiting).toMatchObject({ decidedBy: 'bob' });
    const second = entry();
    await a.approvals.add(second);
    const next = a.approvals.wait(second.id, { deadline: Date.now() + 120_000, pollMs: 120_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await b.approvals.settle(second.id, decision('carol'));
    expect(await next).toMatchObject({ decidedBy: 'carol' });
  }, 15_000);
});
