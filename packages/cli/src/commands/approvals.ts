import type { ApprovalStore } from '@magsag/store';
import { type ApprovalQueueEntry, decideApprovalIn } from '../approvals/queue.ts';
import { osUser } from '../approve.ts';

/** Who answers from this command line, for the audit log. */
export function cliDecider(): string {
  return `local:${osUser()} (magsag approvals)`;
}

/** `magsag approvals list`: the pending requests (or every kept one with `all`), newest first, of the store (the state folder's files or PostgreSQL). */
export function listApprovals(store: ApprovalStore, options: { all?: boolean; principal?: string } = {}): Promise<ApprovalQueueEntry[]> {
  return store.list(options);
}

/** `magsag approvals approve|deny <id>`: answers one pending request, once, whichever replica or process tries. */
export function decideApproval(store: ApprovalStore, id: string, decision: { approved: boolean; tools?: boolean; note?: string }): Promise<ApprovalQueueEntry> {
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
