import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { MagsagError } from '@magsag/core';
import type { ApprovalDecision, ApprovalRequest, Approver } from '@magsag/runner';
import { assertApprovalId, type ApprovalQueueEntry, type ApprovalStore, type QueueDecision, type QueuedApproval } from '@magsag/store';

// The pending approval queue: requests `magsag serve` could not ask its client about (no
// elicitation), answered by a person with `magsag approvals approve|deny <id>` from another
// process. The store keeps it (`Store['approvals']`): files in `<stateDir>/approvals/` whose
// decision is created exactly once, or PostgreSQL rows whose decision is written once and announced
// with NOTIFY, so any replica's waiter learns of it.

export { assertApprovalId };
export type { ApprovalQueueEntry, QueueDecision, QueuedApproval };

/** The entry a request becomes in the queue (its waiter: this process). */
export function queuedEntry(request: Omit<ApprovalRequest, 'signal'>, principal: string): QueuedApproval {
  return {
    id: request.id,
    principal,
    runId: request.runId,
    workspaceId: request.workspaceId,
    calls: request.calls.map((c) => ({ server: c.server, tool: c.tool, arguments: c.arguments, argumentsHash: c.argumentsHash, reason: c.reason })),
    createdAt: new Date().toISOString(),
    expiresAt: request.expiresAt,
    waiter: { host: hostname(), pid: process.pid },
  };
}

function notPending(now: ApprovalQueueEntry): MagsagError {
  const what =
    now.decision?.outcome === 'approved' || now.decision?.outcome === 'denied'
      ? `was already ${now.decision.outcome} by ${now.decision.decidedBy} at ${now.decision.decidedAt}`
      : now.status === 'cancelled'
        ? 'is no longer pending: its run stopped waiting (it ended, was cancelled, or its magsag serve is gone)'
        : `expired at ${now.decision?.decidedAt ?? now.expiresAt} without an answer, and its calls failed with TOOL_APPROVAL_REQUIRED`;
  return new MagsagError('APPROVAL_NOT_PENDING', `Approval request ${now.id} ${what}; nothing was changed. Let the agent run the code again and answer the new request while it waits.`, {
    data: { id: now.id, status: now.status },
  });
}

/** A queued request by id: `USAGE` for a malformed id, `APPROVAL_NOT_FOUND` for an unknown one. */
export async function getApprovalIn(store: ApprovalStore, id: string): Promise<ApprovalQueueEntry> {
  assertApprovalId(id);
  const entry = await store.get(id);
  if (!entry) {
    throw new MagsagError('APPROVAL_NOT_FOUND', `No approval request ${id} in ${store.where}. \`magsag approvals list\` shows the pending ones; check that --store names the store of the magsag serve that asked.`, { data: { id } });
  }
  return entry;
}

/** Answers a queued request: answers a pending request once, else `APPROVAL_NOT_PENDING`. */
export async function decideApprovalIn(
  store: ApprovalStore,
  id: string,
  decision: { approved: boolean; scope?: 'calls' | 'tools'; decidedBy: string; note?: string },
): Promise<ApprovalQueueEntry> {
  const entry = await getApprovalIn(store, id);
  if (entry.status === 'pending') {
    const written: QueueDecision = {
      outcome: decision.approved ? 'approved' : 'denied',
      ...(decision.approved ? { scope: decision.scope ?? 'calls' } : {}),
      decidedBy: decision.decidedBy,
      ...(decision.note ? { note: decision.note } : {}),
      decidedAt: new Date().toISOString(),
    };
    if (await store.settle(id, written)) return { ...entry, status: written.outcome, decision: written };
  }
  throw notPending(await getApprovalIn(store, id));
}

/**
 * Waits for a queued request's decision: the decision as soon as one is written on any replica;
 * at `deadline`, or when `signal` aborts, `expired` (or `cancelled`) written here unless an answer
 * got there first, which then wins.
 */
export async function waitApprovalIn(store: ApprovalStore, id: string, options: { deadline: number; signal?: AbortSignal; pollMs?: number }): Promise<QueueDecision> {
  const found = await store.wait(id, options);
  if (found) return found;
  const marker: QueueDecision = { outcome: options.signal?.aborted ? 'cancelled' : 'expired', decidedBy: 'nobody', decidedAt: new Date().toISOString() };
  if (await store.settle(id, marker)) return marker;
  return (await store.get(id))?.decision ?? marker;
}

/** The command a person runs to approve request `id`. */
export function approveCommand(id: string): string {
  return `magsag approvals approve ${id}`;
}

/** What {@link queueApprover} reports to its caller. */
export interface QueueApproverHooks {
  /** The request was written to the queue. */
  onQueued?: (entry: QueuedApproval) => void;
  /** The request was settled (answered, expired or cancelled). */
  onSettled?: (entry: QueuedApproval, decision: QueueDecision) => void;
  /** How often the decision is read: the local file every 200 ms; PostgreSQL every 1000 ms besides its notification. */
  pollMs?: number;
}

/**
 * An {@link Approver} that puts each request in the queue and waits for a person's answer. A little
 * before the request expires it marks it expired itself, so an answer written in the last instant is
 * either applied or refused as too late (never both), then lets the run's own timeout end the wait.
 */
export function queueApprover(queue: ApprovalStore, principal: string, hooks: QueueApproverHooks = {}): Approver {
  return async (request): Promise<ApprovalDecision> => {
    const entry = queuedEntry(request, principal);
    await queue.add(entry);
    hooks.onQueued?.(entry);
    const expires = Date.parse(request.expiresAt);
    // The run's own timer fires at `expires`: settle first, so the queue and the run agree.
    const margin = Math.min(1000, Math.max(0, (expires - Date.now()) / 10));
    const waitOptions = { deadline: expires - margin, signal: request.signal, ...(hooks.pollMs ? { pollMs: hooks.pollMs } : {}) };
    const decision = await waitApprovalIn(queue, entry.id, waitOptions);
    hooks.onSettled?.(entry, decision);
    if (decision.outcome === 'approved' || decision.outcome === 'denied') {
      return { approved: decision.outcome === 'approved', ...(decision.scope ? { scope: decision.scope } : {}), decidedBy: decision.decidedBy, ...(decision.note ? { note: decision.note } : {}) };
    }
    if (decision.outcome === 'cancelled') throw new MagsagError('SANDBOX_CANCELLED', `The run stopped waiting for approval request ${entry.id}.`);
    // Expired: the run's timer, a moment away, fails the calls and asks no more in this run.
    // (A caller whose signal never aborts is not kept waiting past the expiry.)
    await delay(Math.max(0, expires - Date.now()) + 1000, undefined, { signal: request.signal }).catch(() => {});
    throw new MagsagError(
      'TOOL_APPROVAL_REQUIRED',
      `Nobody answered approval request ${entry.id} (${describeCalls(entry.calls)}) in the approval queue before it expired: this client cannot show approval prompts (no MCP elicitation), so the request waited for \`${approveCommand(entry.id)}\` (or \`magsag approvals deny ${entry.id}\`). Nothing was sent to the server. Run the code again and ask the user to answer the new request while it waits.`,
      { data: { approvalId: entry.id, queue: queue.where } },
    );
  };
}

/** `crm/delete_record` or `3 calls (crm/delete_record, crm/update_record)`. */
export function describeCalls(calls: readonly { server: string; tool: string }[]): string {
  const names = [...new Set(calls.map((c) => `${c.server}/${c.tool}`))];
  return calls.length === 1 ? names[0]! : `${calls.length} calls (${names.join(', ')})`;
}

