import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { MagsagError, processAlive } from '@magsag/core';
import type { ApprovalCall, ApprovalDecision, ApprovalRequest, Approver } from '@magsag/runner';

/**
 * The pending approval queue: requests that `magsag serve` could not ask its client about (no
 * elicitation), answered by a person with `magsag approvals approve|deny <id>` from another
 * process. One folder of the state folder holds it:
 *
 * - `<stateDir>/approvals/<id>.json`: the request, written atomically (temp file, rename) by the
 *   waiting run;
 * - `<stateDir>/approvals/<id>.decision.json`: what became of it, created exactly once (a complete
 *   temp file hard-linked into place, which fails if the name exists). The CLI writes `approved` or
 *   `denied`; the waiting run writes `expired` or `cancelled` when it stops waiting. Whoever links
 *   first decides, so an answer racing the timeout is either applied or reported as too late,
 *   never lost and never doubled.
 */
export class ApprovalQueue {
  /** The queue's folder, `<stateDir>/approvals`. */
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'approvals');
  }

  /** Puts a request in the queue and answers the entry written. Old, settled entries are pruned. */
  add(request: Omit<ApprovalRequest, 'signal'>, principal: string): QueuedApproval {
    assertApprovalId(request.id, 'Approval id');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.prune();
    const entry = queuedEntry(request, principal);
    const file = this.#entryFile(entry.id);
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, `${JSON.stringify(entry, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, file);
    return entry;
  }

  /**
   * The queue's entries, newest first: only pending ones unless `all`. Requests past their
   * expiry, or whose waiting process is gone, are `expired` or `cancelled` even before anyone
   * wrote it down.
   */
  list(options: { all?: boolean } = {}): ApprovalQueueEntry[] {
    if (!existsSync(this.dir)) return [];
    const entries: ApprovalQueueEntry[] = [];
    for (const name of readdirSync(this.dir)) {
      const match = /^(apr-[a-z0-9-]+)\.json$/.exec(name);
      if (!match) continue;
      const entry = this.#read(match[1]!);
      if (entry && (options.all || entry.status === 'pending')) entries.push(entry);
    }
    return entries.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** One entry. Throws `USAGE` for a malformed id and `APPROVAL_NOT_FOUND` for an unknown one. */
  get(id: string): ApprovalQueueEntry {
    assertApprovalId(id);
    const entry = this.#read(id);
    if (!entry) {
      throw new MagsagError('APPROVAL_NOT_FOUND', `No approval request ${id} in ${this.dir}. \`magsag approvals list\` shows the pending ones; check that --project or --state-dir names the state folder of the magsag serve that asked.`, {
        data: { id },
      });
    }
    return entry;
  }

  /**
   * Answers a pending request, once. Throws `APPROVAL_NOT_PENDING` when it was answered already,
   * expired or its run stopped waiting (the decision then stays what it was).
   */
  decide(id: string, decision: { approved: boolean; scope?: 'calls' | 'tools'; decidedBy: string; note?: string }): ApprovalQueueEntry {
    const entry = this.get(id);
    if (entry.status === 'pending') {
      const written: QueueDecision = {
        outcome: decision.approved ? 'approved' : 'denied',
        ...(decision.approved ? { scope: decision.scope ?? 'calls' } : {}),
        decidedBy: decision.decidedBy,
        ...(decision.note ? { note: decision.note } : {}),
        decidedAt: new Date().toISOString(),
      };
      if (this.#settle(id, written)) return { ...entry, status: written.outcome, decision: written };
    }
    throw notPending(this.get(id));
  }

  /**
   * Waits for the request's decision, reading it every `pollMs`. At `deadline` (epoch ms), or when
   * `signal` aborts, it writes `expired` (or `cancelled`) itself, unless an answer got there first,
   * which then wins.
   */
  async wait(id: string, options: { deadline: number; signal?: AbortSignal; pollMs?: number }): Promise<QueueDecision> {
    const pollMs = options.pollMs ?? defaultPollMs;
    for (;;) {
      const found = this.#decision(id);
      if (found) return found;
      const aborted = options.signal?.aborted === true;
      const remaining = options.deadline - Date.now();
      if (aborted || remaining <= 0) {
        const marker: QueueDecision = { outcome: aborted ? 'cancelled' : 'expired', decidedBy: 'nobody', decidedAt: new Date().toISOString() };
        if (this.#settle(id, marker)) return marker;
        const answer = this.#decision(id);
        if (answer) return answer;
        // A decision file that cannot be read: treat it as no answer.
        return marker;
      }
      await sleep(Math.min(pollMs, remaining), options.signal);
    }
  }

  /** Removes settled or expired entries older than `maxAgeMs` (default a day) past their expiry. */
  prune(maxAgeMs = 24 * 60 * 60 * 1000): void {
    if (!existsSync(this.dir)) return;
    const cutoff = Date.now() - maxAgeMs;
    for (const name of readdirSync(this.dir)) {
      const full = path.join(this.dir, name);
      const entry = /^(apr-[a-z0-9-]+)\.json$/.exec(name);
      if (entry) {
        const read = this.#read(entry[1]!);
        if (read && read.status !== 'pending' && Date.parse(read.expiresAt) < cutoff) {
          rmSync(this.#decisionFile(read.id), { force: true });
          rmSync(full, { force: true });
        }
      } else if (name.endsWith('.tmp')) {
        // A temp file a crashed writer left behind (a live writer's is milliseconds old).
        try {
          if (statSync(full).mtimeMs < Date.now() - 60_000) rmSync(full, { force: true });
        } catch {
          // Someone else removed it.
        }
      }
    }
  }

  #entryFile(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  #decisionFile(id: string): string {
    return path.join(this.dir, `${id}.decision.json`);
  }

  #read(id: string): ApprovalQueueEntry | undefined {
    let entry: QueuedApproval;
    try {
      entry = JSON.parse(readFileSync(this.#entryFile(id), 'utf8')) as QueuedApproval;
    } catch {
      return undefined;
    }
    const decision = this.#decision(id);
    if (decision) return { ...entry, status: decision.outcome, decision };
    if (Date.parse(entry.expiresAt) <= Date.now()) return { ...entry, status: 'expired' };
    if (entry.waiter && entry.waiter.host === hostname() && !processAlive(entry.waiter.pid)) return { ...entry, status: 'cancelled' };
    return { ...entry, status: 'pending' };
  }

  #decision(id: string): QueueDecision | undefined {
    try {
      return JSON.parse(readFileSync(this.#decisionFile(id), 'utf8')) as QueueDecision;
    } catch {
      return undefined;
    }
  }

  /** Writes the decision if there is none yet; false when another party decided first. */
  #settle(id: string, decision: QueueDecision): boolean {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.#decisionFile(id);
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, `${JSON.stringify(decision, null, 2)}\n`, { mode: 0o600 });
    try {
      linkSync(temp, file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      unlinkSync(temp);
    }
  }
}

/** How often a waiter reads the decision file of the local queue. */
const defaultPollMs = 200;

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

/**
 * What the queue needs of a `@magsag/store` `Store['approvals']` (the state folder's files, or
 * PostgreSQL rows whose decision is written once and announced with NOTIFY). Declared here, by
 * shape, until the CLI opens a store.
 */
export interface ApprovalStoreLike {
  readonly where: string;
  add(entry: QueuedApproval): Promise<void>;
  list(options?: { all?: boolean; principal?: string }): Promise<ApprovalQueueEntry[]>;
  get(id: string): Promise<ApprovalQueueEntry | undefined>;
  settle(id: string, decision: QueueDecision): Promise<boolean>;
  wait(id: string, options: { deadline: number; signal?: AbortSignal; pollMs?: number }): Promise<QueueDecision | undefined>;
}

/** {@link ApprovalQueue.get} over a store: `USAGE` for a malformed id, `APPROVAL_NOT_FOUND` for an unknown one. */
export async function getApprovalIn(store: ApprovalStoreLike, id: string): Promise<ApprovalQueueEntry> {
  assertApprovalId(id);
  const entry = await store.get(id);
  if (!entry) {
    throw new MagsagError('APPROVAL_NOT_FOUND', `No approval request ${id} in ${store.where}. \`magsag approvals list\` shows the pending ones; check that --store names the store of the magsag serve that asked.`, { data: { id } });
  }
  return entry;
}

/** {@link ApprovalQueue.decide} over a store: answers a pending request once, else `APPROVAL_NOT_PENDING`. */
export async function decideApprovalIn(
  store: ApprovalStoreLike,
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
 * {@link ApprovalQueue.wait} over a store: the decision as soon as one is written on any replica;
 * at `deadline`, or when `signal` aborts, `expired` (or `cancelled`) written here unless an answer
 * got there first, which then wins.
 */
export async function waitApprovalIn(store: ApprovalStoreLike, id: string, options: { deadline: number; signal?: AbortSignal; pollMs?: number }): Promise<QueueDecision> {
  const found = await store.wait(id, options);
  if (found) return found;
  const marker: QueueDecision = { outcome: options.signal?.aborted ? 'cancelled' : 'expired', decidedBy: 'nobody', decidedAt: new Date().toISOString() };
  if (await store.settle(id, marker)) return marker;
  return (await store.get(id))?.decision ?? marker;
}

/** A request as the queue keeps it. */
export interface QueuedApproval {
  id: string;
  /** The `serve` principal whose run asks (`local` for stdio and token-less HTTP). */
  principal: string;
  runId: string;
  workspaceId: string;
  /** The calls, with their arguments masked like the model view. */
  calls: ApprovalCall[];
  /** ISO times. */
  createdAt: string;
  expiresAt: string;
  /** The process that waits for the answer. */
  waiter?: { host: string; pid: number };
}

/** What became of a request. */
export interface QueueDecision {
  outcome: 'approved' | 'denied' | 'expired' | 'cancelled';
  /** For `approved`: these calls, or their tools for the rest of the run. */
  scope?: 'calls' | 'tools';
  /** `local:<user> (magsag approvals)`, or `nobody` for expired and cancelled requests. */
  decidedBy: string;
  note?: string;
  decidedAt: string;
}

/** A queue entry with its status. */
export interface ApprovalQueueEntry extends QueuedApproval {
  status: 'pending' | QueueDecision['outcome'];
  decision?: QueueDecision;
}

const idPattern = /^apr-[a-z0-9]{4,64}$/;

/** Checks an approval id given by a person: `apr-` and lowercase letters or digits. */
export function assertApprovalId(id: string, what = 'An approval id'): string {
  if (!idPattern.test(id)) {
    throw new MagsagError('USAGE', `${what} looks like apr-1a2b3c4d5e6f (apr- and 4-64 lowercase letters or digits), got "${id.slice(0, 80)}". \`magsag approvals list\` shows the pending ids.`, {
      data: { id: id.slice(0, 80) },
    });
  }
  return id;
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
export function queueApprover(queue: ApprovalQueue | ApprovalStoreLike, principal: string, hooks: QueueApproverHooks = {}): Approver {
  const local = queue instanceof ApprovalQueue ? queue : undefined;
  const where = local ? local.dir : (queue as ApprovalStoreLike).where;
  return async (request): Promise<ApprovalDecision> => {
    let entry: QueuedApproval;
    if (local) entry = local.add(request, principal);
    else {
      entry = queuedEntry(request, principal);
      await (queue as ApprovalStoreLike).add(entry);
    }
    hooks.onQueued?.(entry);
    const expires = Date.parse(request.expiresAt);
    // The run's own timer fires at `expires`: settle first, so the queue and the run agree.
    const margin = Math.min(1000, Math.max(0, (expires - Date.now()) / 10));
    const waitOptions = { deadline: expires - margin, signal: request.signal, ...(hooks.pollMs ? { pollMs: hooks.pollMs } : {}) };
    const decision = local ? await local.wait(entry.id, waitOptions) : await waitApprovalIn(queue as ApprovalStoreLike, entry.id, waitOptions);
    hooks.onSettled?.(entry, decision);
    if (decision.outcome === 'approved' || decision.outcome === 'denied') {
      return { approved: decision.outcome === 'approved', ...(decision.scope ? { scope: decision.scope } : {}), decidedBy: decision.decidedBy, ...(decision.note ? { note: decision.note } : {}) };
    }
    if (decision.outcome === 'cancelled') throw new MagsagError('SANDBOX_CANCELLED', `The run stopped waiting for approval request ${entry.id}.`);
    // Expired: the run's timer, a moment away, fails the calls and asks no more in this run.
    // (A caller whose signal never aborts is not kept waiting past the expiry.)
    await sleep(Math.max(0, expires - Date.now()) + 1000, request.signal);
    throw new MagsagError(
      'TOOL_APPROVAL_REQUIRED',
      `Nobody answered approval request ${entry.id} (${describeCalls(entry.calls)}) in the approval queue before it expired: this client cannot show approval prompts (no MCP elicitation), so the request waited for \`${approveCommand(entry.id)}\` (or \`magsag approvals deny ${entry.id}\`). Nothing was sent to the server. Run the code again and ask the user to answer the new request while it waits.`,
      { data: { approvalId: entry.id, queue: where } },
    );
  };
}

/** `crm/delete_record` or `3 calls (crm/delete_record, crm/update_record)`. */
export function describeCalls(calls: readonly { server: string; tool: string }[]): string {
  const names = [...new Set(calls.map((c) => `${c.server}/${c.tool}`))];
  return calls.length === 1 ? names[0]! : `${calls.length} calls (${names.join(', ')})`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
