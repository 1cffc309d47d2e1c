import { ApprovalQueue, type ApprovalQueueEntry, type ApprovalStoreLike, decideApprovalIn } from '../approvals/queue.ts';
import { osUser } from '../approve.ts';

/** Who answers from this command line, for the audit log. */
export function cliDecider(): string {
  return `local:${osUser()} (magsag approvals)`;
}

/** `magsag approvals list`: the pending requests (or every kept one with `all`), newest first. */
export function listApprovals(stateDir: string, options: { all?: boolean } = {}): ApprovalQueueEntry[] {
  return new ApprovalQueue(stateDir).list(options);
}

/** `magsag approvals approve|deny <id>`: answers one pending request. */
export function decideApproval(stateDir: string, id: string, decision: { approved: boolean; tools?: boolean; note?: string }): ApprovalQueueEntry {
  return new ApprovalQueue(stateDir).decide(id, {
    approved: decision.approved,
    ...(decision.approved ? { scope: decision.tools ? 'tools' : 'calls' } : {}),
    decidedBy: cliDecider(),
    ...(decision.note ? { note: decision.note } : {}),
  });
}

/** {@link listApprovals} over a store (`Store['approvals']`: the state folder's files or PostgreSQL). */
export function listApprovalsIn(store: ApprovalStoreLike, options: { all?: boolean; principal?: string } = {}): Promise<ApprovalQueueEntry[]> {
  return store.list(options);
}

/** {@link decideApproval} over a store: the decision is written once, whichever replica or process tries. */
export function decideApprovalInStore(store: ApprovalStoreLike, id: string, decision: { approved: boolean; tools?: boolean; note?: string }): Promise<ApprovalQueueEntry> {
  return decideApprovalIn(store, id, {
    approved: decision.approved,
    ...(decision.approved ? { scope: decision.tools ? 'tools' : 'calls' } : {}),
    decidedBy: cliDecider(),
    ...(decision.note ? { note: decision.note } : {}),
  });
}

/** One line per call: `crm/delete_record {"object_name":"Contact",…}`. */
export function callLines(entry: ApprovalQueueEntry, width = 160): string[] {
  return entry.calls.map((c) => {
    const line = `${c.server}/${c.tool} ${JSON.stringify(c.arguments)}`;
    return line.length > width ? `${line.slice(0, width - 1)}…` : line;
  });
}
