import { MagsagError } from '@magsag/core';

/** One call of a request, as the queue keeps it (masked arguments and their hash, never raw values). */
export interface StoredApprovalCall {
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
  argumentsHash: string;
  reason: string;
}

/** A request as the queue keeps it. */
export interface QueuedApproval {
  id: string;
  /** The `serve` principal whose run asks (`local` for stdio and token-less HTTP). */
  principal: string;
  runId: string;
  workspaceId: string;
  /** The calls, with their arguments masked like the model view. */
  calls: StoredApprovalCall[];
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

/**
 * The approval queue of `magsag serve` clients without elicitation: `<stateDir>/approvals/`, or
 * `magsag_approvals`. Every method may throw `STORE_UNAVAILABLE` (PostgreSQL).
 */
export interface ApprovalStore {
  /** `<stateDir>/approvals`, or `magsag_approvals at host:port/db`: named in messages. */
  readonly where: string;
  /** Puts a request in the queue (settled entries older than a day past their expiry are pruned). */
  add(entry: QueuedApproval): Promise<void>;
  /** Newest first; only pending ones unless `all`; only `principal`'s when given. */
  list(options?: { all?: boolean; principal?: string }): Promise<ApprovalQueueEntry[]>;
  /** One entry with its status, or `undefined`. */
  get(id: string): Promise<ApprovalQueueEntry | undefined>;
  /** Writes the decision if there is none yet; false when another party decided first. */
  settle(id: string, decision: QueueDecision): Promise<boolean>;
  /**
   * The decision as soon as one is written (by any process or replica), or `undefined` at
   * `deadline` (epoch ms) or when `signal` aborts.
   */
  wait(id: string, options: { deadline: number; signal?: AbortSignal; pollMs?: number }): Promise<QueueDecision | undefined>;
  /** Removes settled or expired entries older than `maxAgeMs` (default a day) past their expiry. */
  prune(maxAgeMs?: number): Promise<void>;
}

const idPattern = /^apr-[a-z0-9]{4,64}$/;

/** Checks an approval id: `apr-` and 4-64 lowercase letters or digits (`USAGE` otherwise). */
export function assertApprovalId(id: string, what = 'An approval id'): string {
  if (typeof id !== 'string' || !idPattern.test(id)) {
    throw new MagsagError('USAGE', `${what} looks like apr-1a2b3c4d5e6f (apr- and 4-64 lowercase letters or digits), got "${String(id).slice(0, 80)}". \`magsag approvals list\` shows the pending ids.`, {
      data: { id: String(id).slice(0, 80) },
    });
  }
  return id;
}

/** The status of an entry from its decision, its expiry and whether its waiter is known gone. */
export function approvalStatus(entry: QueuedApproval, decision: QueueDecision | undefined, waiterGone: boolean, now = Date.now()): ApprovalQueueEntry {
  if (decision) return { ...entry, status: decision.outcome, decision };
  if (Date.parse(entry.expiresAt) <= now) return { ...entry, status: 'expired' };
  if (waiterGone) return { ...entry, status: 'cancelled' };
  return { ...entry, status: 'pending' };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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
