import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type ApprovalStore } from '@magsag/store';
import { decideApprovalIn, getApprovalIn, queueApprover, queuedEntry } from '../src/approvals/queue.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const tsx = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

const call = { server: 'crm', tool: 'delete_record', arguments: { record_id: '003A' }, argumentsHash: 'h', reason: 'policy approve: listed' };
const request = (id: string, inMs = 60_000) => ({ id, runId: 'run-1', workspaceId: 'ws-1', calls: [call], expiresAt: new Date(Date.now() + inMs).toISOString() });

describe('the approval queue in the state folder (the local store)', () => {
  let stateDir: string;
  let queue: ApprovalStore;
  beforeEach(async () => {
    stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-queue-'));
    queue = (await openStore({ stateDir })).approvals;
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('checks ids before touching the disk', async () => {
    for (const bad of ['../x', 'apr-', 'APR-1234', 'apr-12/34', 'ws-1234']) await expect(getApprovalIn(queue, bad)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(getApprovalIn(queue, 'apr-123456')).rejects.toMatchObject({ code: 'APPROVAL_NOT_FOUND' });
  });

  it('a decision racing from several processes is written exactly once', async () => {
    await queue.add(queuedEntry(request('apr-race01'), 'local'));
    const script = `const { decideApprovalIn } = await import(${JSON.stringify(pathToFileURL(path.join(import.meta.dirname, '../src/approvals/queue.ts')).href)});
const { openStore } = await import(${JSON.stringify(pathToFileURL(path.join(repoRoot, 'packages/store/src/index.ts')).href)});
const store = await openStore({ stateDir: process.argv[1] });
try { await decideApprovalIn(store.approvals, 'apr-race01', { approved: process.argv[2] === 'yes', decidedBy: 'p' + process.argv[2] + process.pid }); process.exit(0); } catch (e) { process.exit(e.code === 'APPROVAL_NOT_PENDING' ? 10 : 1); }`;
    const codes = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        new Promise<number>((resolve) => {
          execFile(process.execPath, ['--conditions=magsag-source', '--import', tsx, '--input-type=module', '-e', script, stateDir, i % 2 ? 'yes' : 'no'], (error) => resolve(error ? Number(error.code) : 0));
        }),
      ),
    );
    expect(codes.filter((c) => c === 0)).toHaveLength(1);
    expect(codes.filter((c) => c === 10)).toHaveLength(5);
    const entry = await getApprovalIn(queue, 'apr-race01');
    expect(['approved', 'denied']).toContain(entry.status);
    expect(await queue.list()).toEqual([]);
    // No temp file is left behind.
    expect(readdirSync(path.join(stateDir, 'approvals')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 60_000);

  it('the waiting side marks an unanswered request expired before its run gives up, and a late answer is refused', async () => {
    const approve = queueApprover(queue, 'local', { pollMs: 20 });
    const controller = new AbortController();
    const asked = approve({ ...request('apr-late01', 300), signal: controller.signal });
    // The run's own timer, at the expiry, ends the wait (as the runner's approval gate does).
    setTimeout(() => controller.abort(), 300);
    await expect(asked).rejects.toMatchObject({ code: 'TOOL_APPROVAL_REQUIRED', message: expect.stringContaining('magsag approvals approve apr-late01') });
    expect((await getApprovalIn(queue, 'apr-late01')).status).toBe('expired');
    await expect(decideApprovalIn(queue, 'apr-late01', { approved: true, decidedBy: 'x' })).rejects.toMatchObject({ code: 'APPROVAL_NOT_PENDING' });
  });

  it('an answer reaches the waiting run; a cancelled run leaves its request cancelled', async () => {
    const approve = queueApprover(queue, 'alice', { pollMs: 20 });
    const asked = approve({ ...request('apr-ok0001'), signal: new AbortController().signal });
    for (let i = 0; i < 100 && (await queue.list()).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await queue.list()).map((e) => [e.id, e.principal, e.status])).toEqual([['apr-ok0001', 'alice', 'pending']]);
    await decideApprovalIn(queue, 'apr-ok0001', { approved: true, scope: 'tools', decidedBy: 'local:me (magsag approvals)' });
    await expect(asked).resolves.toEqual({ approved: true, scope: 'tools', decidedBy: 'local:me (magsag approvals)' });

    const controller = new AbortController();
    const cancelled = approve({ ...request('apr-cancel'), signal: controller.signal });
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'SANDBOX_CANCELLED' });
    expect((await getApprovalIn(queue, 'apr-cancel')).status).toBe('cancelled');
  });
});
