import { approvalCallLines, osUser } from '../approve.ts';
import { MagsagError } from '@magsag/core';
import type { ApprovalDecision, ApprovalRequest, Approver } from '@magsag/runner';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import { ElicitResultSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { approveCommand, describeCalls, queueApprover, } from '../approvals/queue.ts';
import type { ApprovalStore } from '@magsag/store';
import type { Principal } from './principals.ts';

/** How often a waiting approval sends a progress notification on the `execute_code` request. */
export const approvalProgressMs = 5000;

/** The MCP request (`execute_code`, `run_skill`) whose run asks. */
export interface ApprovalOrigin {
  server: Server;
  principal: Principal;
  requestId: RequestId;
  /** The client's `_meta.progressToken` on that request, when it gave one. */
  progressToken?: string | number | undefined;
  sendNotification: (notification: { method: 'notifications/progress'; params: { progressToken: string | number; progress: number; message?: string } }) => Promise<void>;
  /** The pending queue (the state folder's, or a store's), for clients without elicitation; without it they cannot be asked. */
  queue?: ApprovalStore | undefined;
  /** Masks text before it leaves the server (the PII second guard). */
  mask: (text: string) => string;
}

/** What became of one approval request of a call, for the answer's closing notes. */
export interface ApprovalNote {
  id: string;
  via: 'elicitation' | 'queue';
  outcome?: 'approved' | 'denied' | 'expired' | 'cancelled' | 'failed';
  decidedBy?: string;
}

/** Who the person answering on behalf of `principal` is, for the audit log. */
export function principalLabel(principal: Principal): string {
  return principal.local ? `local:${osUser()}` : principal.name;
}


/**
 * Builds the {@link Approver} of one `execute_code` or `run_skill` call: MCP elicitation when the
 * client declared it (related to that request, so an HTTP client gets it on the call's own stream),
 * else the pending queue. While a request waits, progress notifications go out on the call when
 * the client gave a progress token. `notes` collects what became of each request.
 */
export function approverFor(origin: ApprovalOrigin, notes: ApprovalNote[]): Approver | undefined {
  const elicitation = formElicitation(origin.server.getClientCapabilities()?.elicitation);
  const queued = origin.queue ? queueApprover(origin.queue, origin.principal.name) : undefined;
  if (!elicitation && !queued) return undefined;
  // One counter per call: progress must increase across every request of the run.
  let progress = 0;
  const notify = (message: string): void => {
    if (origin.progressToken === undefined) return;
    progress += 1;
    origin.sendNotification({ method: 'notifications/progress', params: { progressToken: origin.progressToken, progress, message: origin.mask(message) } }).catch(() => {});
  };
  return async (request) => {
    const note: ApprovalNote = { id: request.id, via: elicitation ? 'elicitation' : 'queue' };
    notes.push(note);
    const waiting = elicitation
      ? `waiting for approval ${request.id} of ${describeCalls(request.calls)}: answer the client's prompt`
      : `waiting for approval ${request.id} of ${describeCalls(request.calls)}: this client cannot show approval prompts, so a person approves with \`${approveCommand(request.id)}\` or refuses with \`magsag approvals deny ${request.id}\` (until ${request.expiresAt})`;
    notify(waiting);
    const timer = setInterval(() => notify(waiting), approvalProgressMs);
    try {
      const decision = elicitation ? await elicit(origin, request) : await queued!(request);
      note.outcome = decision.approved ? 'approved' : 'denied';
      note.decidedBy = decision.decidedBy;
      return decision;
    } catch (error) {
      note.outcome = error instanceof MagsagError && error.code === 'TOOL_APPROVAL_REQUIRED' ? 'expired' : request.signal.aborted ? 'cancelled' : 'failed';
      throw error;
    } finally {
      clearInterval(timer);
    }
  };
}

/**
 * Whether the client can answer a form: it declared `elicitation.form`, or an empty `elicitation`
 * (clients of the 2025-06-18 spec, where form was the only mode). A URL-only client cannot.
 */
function formElicitation(declared: { form?: unknown; url?: unknown } | undefined): boolean {
  if (!declared) return false;
  return declared.form !== undefined || declared.url === undefined;
}

/** The prompt: what runs, with which (masked) arguments, and why it asks. */
export function approvalMessage(request: Omit<ApprovalRequest, 'signal'>): string {
  return [
    `Agent code wants to make ${request.calls.length === 1 ? 'this tool call' : `these ${request.calls.length} tool calls`} (approval ${request.id}, run ${request.runId}):`,
    ...approvalCallLines(request.calls),
    'Accept runs them; decline refuses them (the program gets TOOL_APPROVAL_DENIED and nothing reaches the server).',
  ].join('\n');
}

/** The form's one optional field. */
const requestedSchema = {
  type: 'object' as const,
  properties: {
    approveToolsForRun: {
      type: 'boolean' as const,
      title: 'Also approve these tools for the rest of this run',
      description: 'Later calls of the same tools in this run go through without asking again.',
      default: false,
    },
  },
};

async function elicit(origin: ApprovalOrigin, request: ApprovalRequest): Promise<ApprovalDecision> {
  // A little past the expiry: the run's own timer ends the wait first (and cancels this request),
  // so the run records it as unanswered and asks no more.
  const remaining = Math.max(1, Date.parse(request.expiresAt) - Date.now()) + 2000;
  let result;
  try {
    const params = {
      mode: 'form' as const,
      message: origin.mask(approvalMessage(request)),
      requestedSchema,
      _meta: { 'magsag/approval': { id: request.id, runId: request.runId, workspaceId: request.workspaceId } },
    };
    // The SDK's default request timeout is 60 s: the run's approval timeout bounds this one.
    // Related to the call: over HTTP it goes out on that call's response stream.
    const options = { relatedRequestId: origin.requestId, timeout: remaining, signal: request.signal };
    // elicitInput insists on `elicitation.form`; a client that declared `elicitation: {}` gets the
    // same request without that check.
    result = origin.server.getClientCapabilities()?.elicitation?.form
      ? await origin.server.elicitInput(params, options)
      : await origin.server.request({ method: 'elicitation/create', params }, ElicitResultSchema, options);
  } catch (error) {
    if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
      throw new MagsagError('TOOL_APPROVAL_REQUIRED', `The client did not answer approval request ${request.id} (${describeCalls(request.calls)}) before it expired. Nothing was sent to the server.`, {
        cause: error,
        data: { approvalId: request.id },
      });
    }
    throw error;
  }
  const by = `${principalLabel(origin.principal)} (elicitation)`;
  if (result.action !== 'accept') return { approved: false, decidedBy: by, ...(result.action === 'cancel' ? { note: 'dismissed without an answer' } : {}) };
  return { approved: true, scope: result.content?.['approveToolsForRun'] === true ? 'tools' : 'calls', decidedBy: by };
}

/** The answer's closing lines about approvals that went to the queue or were not answered. */
export function approvalNotes(notes: readonly ApprovalNote[]): string[] {
  return notes.flatMap((n) => {
    if (n.via === 'queue' && n.outcome === 'approved') return [`approval ${n.id}: approved by ${n.decidedBy} from the approval queue (this client has no elicitation).`];
    if (n.via === 'queue' && n.outcome === 'denied') return [`approval ${n.id}: denied by ${n.decidedBy} from the approval queue.`];
    if (n.via === 'queue' && n.outcome !== 'cancelled') {
      return [`approval ${n.id} waited in the approval queue and nobody answered: while a call waits, the user approves it with \`${approveCommand(n.id)}\` (or \`magsag approvals deny ${n.id}\`); each run asks with a new id.`];
    }
    return [];
  });
}
