import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { processAlive } from '@magsag/core';
import { type ApprovalQueueEntry, type ApprovalStore, type QueueDecision, type QueuedApproval, approvalStatus, assertApprovalId, sleep } from '../approvals.ts';

/**
 * The approval queue as it has always been kept, in `<stateDir>/approvals/`:
 *
 * - `<id>.json`: the request, written atomically (temp file, rename) by the waiting run;
 * - `<id>.decision.json`: what became of it, created exactly once (a complete temp file
 *   hard-linked into place, which fails if the name exists). Whoever links first decides, so an
 *   answer racing the timeout is either applied or reported as too late, never lost or doubled.
 *
 * The `…Sync` methods are the same operations for callers that are synchronous (the CLI's
 * `ApprovalQueue`); a waiter reads the decision file every `pollMs` (200 ms).
 */
export class LocalApprovals implements ApprovalStore {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'approvals');
  }

  get where(): string {
    return this.dir;
  }

  async add(entry: QueuedApproval): Promise<void> {
    this.addSync(entry);
  }

  addSync(entry: QueuedApproval): void {
    assertApprovalId(entry.id, 'Approval id');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.pruneSync();
    const file = this.#entryFile(entry.id);
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, `${JSON.stringify(entry, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, file);
  }

  async list(options: { all?: boolean; principal?: string } = {}): Promise<ApprovalQueueEntry[]> {
    return this.listSync(options);
  }

  listSync(options: { all?: boolean; principal?: string } = {}): ApprovalQueueEntry[] {
    if (!existsSync(this.dir)) return [];
    const entries: ApprovalQueueEntry[] = [];
    for (const name of readdirSync(this.dir)) {
      const match = /^(apr-[a-z0-9-]+)\.json$/.exec(name);
      if (!match) continue;
      const entry = this.#read(match[1]!);
      if (!entry || (options.principal !== undefined && entry.principal !== options.principal)) continue;
      if (options.all || entry.status === 'pending') entries.push(entry);
    }
    return entries.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async get(id: string): Promise<ApprovalQueueEntry | undefined> {
    return this.getSync(id);
  }

  getSync(id: string): ApprovalQueueEntry | undefined {
    assertApprovalId(id);
    return this.#read(id);
  }

  async settle(id: string, decision: QueueDecision): Promise<boolean> {
    return this.settleSync(id, decision);
  }

  /** Writes the decision if there is none yet; false when another party decided first. */
  settleSync(id: string, decision: QueueDecision): boolean {
    assertApprovalId(id);
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

  /** The decision written for `id`, if any. */
  decisionSync(id: string): QueueDecision | undefined {
    try {
      return JSON.parse(readFileSync(this.#decisionFile(id), 'utf8')) as QueueDecision;
    } catch {
      return undefined;
    }
  }

  async wait(id: string, options: { deadline: number; signal?: AbortSignal; pollMs?: number }): Promise<QueueDecision | undefined> {
    const pollMs = options.pollMs ?? 200;
    for (;;) {
      const found = this.decisionSync(id);
      if (found) return found;
      const remaining = options.deadline - Date.now();
      if (options.signal?.aborted || remaining <= 0) return undefined;
      await sleep(Math.min(pollMs, remaining), options.signal);
    }
  }

  async prune(maxAgeMs?: number): Promise<void> {
    this.pruneSync(maxAgeMs);
  }

  pruneSync(maxAgeMs = 24 * 60 * 60 * 1000): void {
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
    const gone = entry.waiter !== undefined && entry.waiter.host === hostname() && !processAlive(entry.waiter.pid);
    return approvalStatus(entry, this.decisionSync(id), gone);
  }
}
