// The CLI's approval queue over PostgreSQL: a run waiting on one replica (queueApprover) gets the
// answer given on another (`magsag approvals approve` through decideApprovalIn), while a late
// answer is refused. (The local backend: packages/cli/test/approvalQueue.test.ts.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideApprovalIn, queueApprover } from 'magsag';
import { openStore, type Store } from '@magsag/store';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../support/postgres.ts';

const unavailable = postgresUnavailable();
let cluster: TestPostgres | undefined;
const stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-store-approvals-e2e-'));
const opened: Store[] = [];

const request = (id: string, expiresInMs = 60_000, signal = new AbortController().signal) => ({
  id,
  runId: 'run-20261207T060000-0a1b2c3d',
  workspaceId: 'ws-20261207T060000-0123456789abcdef0123456789abcdef',
  calls: [{ server: 'crm', tool: 'delete_record', arguments: { id: '[EMAIL_1]' }, argumentsHash: 'ab12', reason: 'crm.delete_record asks' }],
  expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
  signal,
});

beforeAll(async () => {
  if (!unavailable) cluster = await startPostgres();
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close().catch(() => {})));
  await cluster?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe.skipIf(unavailable)(`approval queue across PostgreSQL replicas${unavailable ? ` (${unavailable})` : ''}`, () => {
  it('a run waiting on one replica gets the answer given on another', async () => {
    const a = await openStore({ stateDir, url: cluster!.url, maxConnections: 3 });
    const b = await openStore({ stateDir, url: cluster!.url, maxConnections: 3 });
    opened.push(a, b);
    let queued: string | undefined;
    const approver = queueApprover(a.approvals, 'alice', { onQueued: (entry) => (queued = entry.id) });
    const decided = approver(request('apr-pgwait01'));
    // The request is in the shared table as soon as it is queued; B sees it pending and answers.
    for (let i = 0; i < 100 && queued === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await b.approvals.list({ principal: 'alice' })).map((e) => e.id)).toEqual(['apr-pgwait01']);
    await decideApprovalIn(b.approvals, 'apr-pgwait01', { approved: true, scope: 'calls', decidedBy: 'local:bob (magsag approvals)' });
    expect(await decided).toEqual({ approved: true, scope: 'calls', decidedBy: 'local:bob (magsag approvals)' });
  });

  it('marks a request its run stopped waiting for as cancelled, and refuses the answer that comes after', async () => {
    const a = await openStore({ stateDir, url: cluster!.url, maxConnections: 3 });
    opened.push(a);
    const controller = new AbortController();
    const approver = queueApprover(a.approvals, 'alice');
    const decided = approver(request('apr-pgcancel', 60_000, controller.signal));
    for (let i = 0; i < 100 && (await a.approvals.get('apr-pgcancel')) === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    await expect(decided).rejects.toMatchObject({ code: 'SANDBOX_CANCELLED' });
    expect(await a.approvals.get('apr-pgcancel')).toMatchObject({ status: 'cancelled', decision: { outcome: 'cancelled', decidedBy: 'nobody' } });
    await expect(decideApprovalIn(a.approvals, 'apr-pgcancel', { approved: true, decidedBy: 'late' })).rejects.toMatchObject({ code: 'APPROVAL_NOT_PENDING' });
  });
});
