import { MagsagError, isMagsagError, type Logger } from '@magsag/core';
import type { ToolPolicyInfo } from '@magsag/mcp-client';
import { createHash, randomBytes } from 'node:crypto';
import type { ApprovalCall, ApprovalDecision, ApprovalRecord, ApprovalRequest, Approver, ToolPolicyResolver } from '../approvals.ts';
import type { Masker } from '../options.ts';
import type { GateVerdict } from './isolate.ts';
import { maskDeep } from './maskDeep.ts';

/** Calls that need approval and are issued within this many ms of the first are asked as one batch. */
export const approvalBatchMs = 50;

/** What {@link ApprovalGate} needs from its run. */
export interface ApprovalGateOptions {
  runId: string;
  workspaceId: string;
  policy: ToolPolicyResolver;
  approve: Approver | undefined;
  timeoutMs: number;
  masker: Masker;
  logger: Logger;
  /** Each outcome, in order. */
  onRecord: (record: ApprovalRecord, request: Omit<ApprovalRequest, 'signal'>) => void;
}

interface Waiting {
  call: ApprovalCall;
  resolve: (verdict: GateVerdict) => void;
  reject: (error: MagsagError) => void;
}

const key = (server: string, tool: string): string => `${server}/${tool}`;

/** Policy lookups that fail with these codes fail the call itself (it could never succeed). */
const refusedWithoutAsking = new Set(['SERVER_NOT_FOUND', 'SERVER_DISABLED', 'TOOL_NOT_FOUND', 'TOOL_DENIED']);

/**
 * One run's approval gate: looks up each tool's policy once, lets `allow` through, refuses `block`,
 * and asks the run's approver about `approve` calls, batching those issued within
 * {@link approvalBatchMs} and asking one batch at a time. A tool approved for the run (scope
 * `tools`) is not asked about again, nor is a tool a person denied (later calls are denied at once).
 * After one request goes unanswered for `timeoutMs`, later ones fail at once: a program cannot keep
 * a run waiting, or a person answering, request after request.
 */
export class ApprovalGate {
  readonly #options: ApprovalGateOptions;
  readonly #policies = new Map<string, Promise<ToolPolicyInfo>>();
  readonly #openTools = new Set<string>();
  // A person said no: later calls of the same tools in this run are refused without asking again.
  readonly #deniedTools = new Map<string, { id: string; decidedBy: string }>();
  #gathering: Waiting[] | undefined;
  // Batches are asked one after another: a person answers one question at a time.
  #asking: Promise<void> = Promise.resolve();
  #unanswered: string | undefined;

  constructor(options: ApprovalGateOptions) {
    this.#options = options;
  }

  #policy(server: string, tool: string): Promise<ToolPolicyInfo> {
    const k = key(server, tool);
    let found = this.#policies.get(k);
    if (!found) {
      found = (async () => {
        try {
          return await this.#options.policy(server, tool);
        } catch (error) {
          // A call that cannot succeed (no such server or tool) fails now: nobody is asked about it,
          // so a program cannot prompt a person with made-up tools.
          if (isMagsagError(error) && refusedWithoutAsking.has(error.code)) throw error;
          this.#options.logger.warn({ err: error, server, tool }, 'the tool policy could not be read; the call needs approval');
          return { policy: 'approve', source: 'name', reason: 'its policy could not be read' } satisfies ToolPolicyInfo;
        }
      })();
      this.#policies.set(k, found);
    }
    return found;
  }

  /** Decides one call: `go`, `open` (this tool, for the rest of the run), or throws why not. */
  async check(server: string, tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<GateVerdict> {
    const k = key(server, tool);
    if (this.#openTools.has(k)) return 'open';
    const info = await this.#policy(server, tool);
    if (info.policy === 'allow') return 'open';
    const call = this.#call(server, tool, args, info);
    if (info.policy === 'block') {
      const now = new Date().toISOString();
      const request = { id: newApprovalId(), runId: this.#options.runId, workspaceId: this.#options.workspaceId, calls: [call], expiresAt: now };
      this.#record({ id: request.id, requestedAt: now, decidedAt: now, calls: [brief(call)], outcome: 'blocked', decidedBy: 'policy', waitedMs: 0 }, request);
      throw new MagsagError('TOOL_APPROVAL_DENIED', `${k} is blocked: its policy is block (${info.reason}). Nothing was sent to the server; this program cannot call it.`, {
        data: { server, tool, policy: 'block', decidedBy: 'policy' },
      });
    }
    const denied = this.#deniedEarlier(server, tool);
    if (denied) throw denied;
    if (signal.aborted) throw new MagsagError('SANDBOX_CANCELLED', 'The run ended.');
    return new Promise<GateVerdict>((resolve, reject) => {
      const waiting: Waiting = { call, resolve, reject };
      if (this.#gathering) {
        this.#gathering.push(waiting);
        return;
      }
      const batch = [waiting];
      this.#gathering = batch;
      setTimeout(() => {
        this.#gathering = undefined;
        this.#asking = this.#asking
          .then(() => this.#ask(batch, signal))
          .catch((error: unknown) => {
            // A bug here must not leave calls waiting forever, nor stop later batches.
            this.#options.logger.error({ err: error }, 'the approval gate failed');
            for (const w of batch) w.reject(new MagsagError('TOOL_APPROVAL_REQUIRED', 'The approval could not be asked (an internal error); nothing was sent to the server.'));
          });
      }, approvalBatchMs);
    });
  }

  /** The refusal of a tool a person already denied in this run, if they did. */
  #deniedEarlier(server: string, tool: string): MagsagError | undefined {
    const k = key(server, tool);
    const denied = this.#deniedTools.get(k);
    if (!denied) return undefined;
    return new MagsagError('TOOL_APPROVAL_DENIED', `${denied.decidedBy} denied ${k} earlier in this run (${denied.id}); it is not asked again in the same run. Nothing was sent to the server.`, {
      data: { server, tool, approvalId: denied.id, decidedBy: denied.decidedBy },
    });
  }

  #call(server: string, tool: string, args: Record<string, unknown>, info: ToolPolicyInfo): ApprovalCall {
    const masked = maskDeep(args, this.#options.masker) as Record<string, unknown>;
    return {
      server,
      tool,
      arguments: masked,
      argumentsHash: createHash('sha256').update(JSON.stringify(masked)).digest('hex'),
      reason: `policy ${info.policy}: ${info.reason}`,
    };
  }

  #record(record: ApprovalRecord, request: Omit<ApprovalRequest, 'signal'>): void {
    try {
      this.#options.onRecord(record, request);
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'an approval could not be recorded');
    }
  }

  async #ask(batch: Waiting[], runSignal: AbortSignal): Promise<void> {
    // Tools approved (or denied) for the run while this batch waited its turn are not asked about again.
    const pending = batch.filter((w) => {
      const denied = this.#deniedEarlier(w.call.server, w.call.tool);
      if (denied) {
        w.reject(denied);
        return false;
      }
      if (!this.#openTools.has(key(w.call.server, w.call.tool))) return true;
      w.resolve('open');
      return false;
    });
    if (pending.length === 0) return;
    const { runId, workspaceId, timeoutMs } = this.#options;
    const startedAt = performance.now();
    const requestedAt = new Date().toISOString();
    const calls = pending.map((w) => w.call);
    const names = [...new Set(calls.map((c) => key(c.server, c.tool)))];
    const what = `${calls.length === 1 ? names[0] : `${calls.length} calls (${names.join(', ')})`}`;
    const base = { id: newApprovalId(), runId, workspaceId, calls, expiresAt: new Date(Date.now() + timeoutMs).toISOString() };
    const finish = (outcome: ApprovalRecord['outcome'], decidedBy: string, scope?: ApprovalDecision['scope']): void => {
      this.#record(
        {
          id: base.id,
          requestedAt,
          decidedAt: new Date().toISOString(),
          calls: calls.map(brief),
          outcome,
          decidedBy,
          ...(scope ? { scope } : {}),
          waitedMs: Math.round(performance.now() - startedAt),
        },
        base,
      );
    };
    const refuse = (error: MagsagError): void => {
      for (const w of pending) w.reject(error);
    };
    if (runSignal.aborted) {
      finish('cancelled', 'nobody');
      refuse(new MagsagError('SANDBOX_CANCELLED', 'The run ended before its approval was asked.'));
      return;
    }
    const approve = this.#options.approve;
    if (!approve || this.#unanswered) {
      finish('unanswered', 'nobody');
      const why = this.#unanswered
        ? `an earlier approval request of this run (${this.#unanswered}) went unanswered, so this run asks no more`
        : 'this run has nobody to ask: run it from a terminal, approve it with --yes or --approve <server/tool>, answer it from a client that supports elicitation, or give ExecuteOptions.approve';
      refuse(
        new MagsagError('TOOL_APPROVAL_REQUIRED', `${what} needs a person's approval (${calls[0]!.reason}), and ${why}. Nothing was sent to the server.`, {
          data: { approvalId: base.id, calls: calls.map(brief) },
        }),
      );
      return;
    }
    const controller = new AbortController();
    const onRunEnd = (): void => controller.abort(new MagsagError('SANDBOX_CANCELLED', 'The run ended.'));
    runSignal.addEventListener('abort', onRunEnd, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const ended = new Promise<'ended'>((resolve) => controller.signal.addEventListener('abort', () => resolve('ended'), { once: true }));
    try {
      const answer = await Promise.race([
        approve({ ...base, signal: controller.signal }).then(
          (decision) => ({ decision }),
          (error: unknown) => ({ error }),
        ),
        timedOut,
        ended,
      ]);
      if (answer === 'ended') {
        finish('cancelled', 'nobody');
        refuse(new MagsagError('SANDBOX_CANCELLED', 'The run ended while it waited for an approval.'));
        return;
      }
      if (answer === 'timeout') {
        this.#unanswered = base.id;
        finish('unanswered', 'nobody');
        refuse(
          new MagsagError('TOOL_APPROVAL_REQUIRED', `Nobody answered approval request ${base.id} for ${what} within approvalTimeoutMs = ${timeoutMs} ms. Nothing was sent to the server; ask the person to approve and run it again.`, {
            data: { approvalId: base.id, limit: 'approvalTimeoutMs', value: timeoutMs, calls: calls.map(brief) },
          }),
        );
        return;
      }
      if ('error' in answer) {
        finish('unanswered', 'nobody');
        const error = answer.error;
        // Nobody could answer (no terminal, an unanswered queue entry): the run asks no more.
        if (isMagsagError(error) && error.code === 'TOOL_APPROVAL_REQUIRED') this.#unanswered = base.id;
        if (isMagsagError(error) && (error.code === 'TOOL_APPROVAL_REQUIRED' || error.code === 'TOOL_APPROVAL_DENIED')) refuse(error);
        else {
          this.#options.logger.warn({ err: error }, 'the approver failed');
          refuse(
            new MagsagError('TOOL_APPROVAL_REQUIRED', `${what} needs a person's approval, and asking failed: ${error instanceof Error ? error.message : String(error)}. Nothing was sent to the server.`, {
              data: { approvalId: base.id, calls: calls.map(brief) },
            }),
          );
        }
        return;
      }
      const decision = answer.decision;
      const decidedBy = typeof decision?.decidedBy === 'string' && decision.decidedBy !== '' ? decision.decidedBy.slice(0, 200) : 'the approver';
      if (decision?.approved === true) {
        const scope = decision.scope === 'tools' ? 'tools' : 'calls';
        finish('approved', decidedBy, scope);
        if (scope === 'tools') for (const name of names) this.#openTools.add(name);
        for (const w of pending) w.resolve(scope === 'tools' ? 'open' : 'go');
        return;
      }
      finish('denied', decidedBy);
      for (const name of names) this.#deniedTools.set(name, { id: base.id, decidedBy });
      const note = typeof decision?.note === 'string' && decision.note !== '' ? ` ("${decision.note.slice(0, 200)}")` : '';
      refuse(
        new MagsagError('TOOL_APPROVAL_DENIED', `${decidedBy} denied ${what}${note}. Nothing was sent to the server.`, {
          data: { approvalId: base.id, decidedBy, calls: calls.map(brief) },
        }),
      );
    } finally {
      clearTimeout(timer);
      runSignal.removeEventListener('abort', onRunEnd);
      controller.abort(new MagsagError('SANDBOX_CANCELLED', 'The approval was settled.'));
    }
  }
}

function brief(call: ApprovalCall): { server: string; tool: string; argumentsHash: string } {
  return { server: call.server, tool: call.tool, argumentsHash: call.argumentsHash };
}

/** A new approval request id: `apr-` and 12 hex digits. */
export function newApprovalId(): string {
  return `apr-${randomBytes(6).toString('hex')}`;
}
