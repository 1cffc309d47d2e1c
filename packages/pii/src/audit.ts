import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MagsagError } from '@magsag/core';
import { type Sealed, isSealed, open, seal } from './vault/crypto.ts';
import type { PiiAuditStore } from './store.ts';
import type { VaultKey } from './vault/key.ts';

/** Which way a value crossed: into the sandbox as a placeholder, or out to a server as raw. */
export type AuditDirection = 'tokenize' | 'untokenize';

/**
 * One call's approval outcome, as the audit log keeps it: who or what decided, when, and the hash of
 * the masked arguments (no value of them). Not encrypted: it holds no personal value.
 */
export interface ApprovalAuditEntry {
  direction: 'approval';
  ts: string;
  runId: string;
  workspaceId?: string;
  approvalId: string;
  server: string;
  tool: string;
  /** SHA-256 of the masked arguments' JSON. */
  argumentsHash: string;
  outcome: 'approved' | 'denied' | 'blocked' | 'unanswered' | 'cancelled';
  decidedBy: string;
  scope?: 'calls' | 'tools';
  requestedAt: string;
  waitedMs: number;
}

/** One audit event as recorded (the raw value is in `value`, encrypted). */
export interface AuditRecord {
  ts: string;
  runId: string;
  workspaceId?: string;
  /** The server called. */
  server: string;
  tool: string;
  kind: string;
  placeholder: string;
  direction: AuditDirection;
  /** For `untokenize`: the server the value came from. */
  origin?: string;
  /** How many times the placeholder occurred in this call. */
  count: number;
  value: Sealed;
}

/** An audit event with its raw value decrypted. */
export type AuditEntry = Omit<AuditRecord, 'value'> & { value: string };

/** What {@link AuditLog.append} takes. */
export type AuditEvent = Omit<AuditRecord, 'value' | 'ts'> & { value: string; ts?: string };

/** The audit folder of a state folder: `<stateDir>/audit`. */
export function auditDir(stateDir: string): string {
  return path.join(stateDir, 'audit');
}

/** Run ids become file names; anything outside `[A-Za-z0-9._-]` is replaced. */
export function auditFile(dir: string, runId: string): string {
  const safe = runId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return path.join(dir, `${safe || '_'}.jsonl`);
}

const aad = (runId: string): string => `magsag-pii-audit:v1:${runId}`;

/** Appends tokenize/untokenize events to `<dir>/<runId>.jsonl`; raw values are AES-256-GCM sealed. */
export class AuditLog {
  readonly dir: string;
  readonly #key: VaultKey;

  constructor(options: { dir: string; key: VaultKey }) {
    this.dir = options.dir;
    this.#key = options.key;
  }

  /** The records of events as they are written: raw values sealed (AAD binding the run id). */
  records(events: readonly AuditEvent[]): AuditRecord[] {
    return events.map(({ value, ts, ...event }) => ({ ts: ts ?? new Date().toISOString(), ...event, value: seal(this.#key, value, aad(event.runId)) }));
  }

  /** Appends events (one JSON line each, file mode 0600). */
  append(events: readonly AuditEvent[]): void {
    if (events.length === 0) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const byRun = new Map<string, string[]>();
    for (const record of this.records(events)) {
      const lines = byRun.get(record.runId) ?? [];
      lines.push(JSON.stringify(record));
      byRun.set(record.runId, lines);
    }
    for (const [runId, lines] of byRun) appendFileSync(auditFile(this.dir, runId), `${lines.join('\n')}\n`, { mode: 0o600 });
  }
}

/** Appends approval outcomes to their runs' audit files (`<dir>/<runId>.jsonl`, mode 0600); no key needed. */
export function appendApprovalAudit(dir: string, entries: readonly ApprovalAuditEntry[]): void {
  if (entries.length === 0) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const entry of entries) appendFileSync(auditFile(dir, entry.runId), `${JSON.stringify(entry)}\n`, { mode: 0o600 });
}

/** A run's approval outcomes, in order (`[]` when the run has no audit file). */
export function readApprovalAudit(dir: string, runId: string): ApprovalAuditEntry[] {
  const file = auditFile(dir, runId);
  if (!existsSync(file)) return [];
  return parseAuditLines(file).flatMap(({ record }) => (isApproval(record) ? [record] : []));
}

const isApproval = (record: AuditRecord | ApprovalAuditEntry): record is ApprovalAuditEntry => (record as { direction?: unknown }).direction === 'approval';

/** Every entry of an audit file with its line number (1-based), for messages that point at it. */
function parseAuditLines(file: string): { line: number; record: AuditRecord | ApprovalAuditEntry }[] {
  const records: { line: number; record: AuditRecord | ApprovalAuditEntry }[] = [];
  for (const [index, text] of readFileSync(file, 'utf8').split('\n').entries()) {
    if (text.trim() === '') continue;
    try {
      records.push({ line: index + 1, record: JSON.parse(text) as AuditRecord | ApprovalAuditEntry });
    } catch (error) {
      throw new MagsagError('CONFIG_INVALID', `Line ${index + 1} of ${file} is not JSON: ${(error as Error).message}.`, { cause: error, data: { file, line: index + 1 } });
    }
  }
  return records;
}

/** Options for {@link readAudit}. */
export interface ReadAuditOptions {
  /** The audit folder (`<stateDir>/audit`). */
  dir: string;
  runId: string;
  /** The vault key; without it the audit is not shown. */
  key: VaultKey | undefined;
}

/**
 * Reads a run's audit with raw values decrypted. Refuses (`PII_VAULT_KEY`) without the key or
 * with the wrong one; a run without an audit file is `CONFIG_NOT_FOUND`.
 */
export function readAudit(options: ReadAuditOptions): AuditEntry[] {
  const file = auditFile(options.dir, options.runId);
  if (options.key === undefined) {
    throw new MagsagError('PII_VAULT_KEY', `Refusing to show the audit of run ${options.runId} without the vault key: set MAGSAG_VAULT_KEY or keep the key file (<stateDir>/vault.key) that wrote ${file}.`, { data: { file } });
  }
  if (!existsSync(file)) {
    throw new MagsagError('CONFIG_NOT_FOUND', `No audit for run ${options.runId}: ${file} does not exist. Check the run id (\`ls ${options.dir}\`).`, { data: { file } });
  }
  return openAudit(parseAuditLines(file), file, options.runId, options.key);
}

function openAudit(rows: readonly { line: number; record: AuditRecord | ApprovalAuditEntry }[], file: string, runId: string, key: VaultKey): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (const { line, record } of rows) {
    // Approval outcomes are read by readApprovalAudit.
    if (isApproval(record)) continue;
    if (!isSealed(record.value)) {
      throw new MagsagError('CONFIG_INVALID', `Line ${line} of ${file} has no sealed value; the file is not a MAGSAG audit.`, { data: { file, line } });
    }
    let value: string;
    try {
      value = open(key, record.value, aad(record.runId));
    } catch (error) {
      throw new MagsagError('PII_VAULT_KEY', `Cannot decrypt ${file} with the key from ${key.source}: the audit was written with another key. Use the key of the state folder that recorded run ${runId}.`, { cause: error, data: { file, keySource: key.source } });
    }
    entries.push({ ...record, value });
  }
  return entries;
}

/**
 * {@link readAudit} through a store (`@magsag/store`'s `Store['audit']`): the state folder's files
 * or PostgreSQL's rows, read with the same checks and the same key.
 */
export async function readAuditFrom(audit: PiiAuditStore, options: { runId: string; key: VaultKey | undefined }): Promise<AuditEntry[]> {
  const where = audit.where(options.runId);
  if (options.key === undefined) {
    throw new MagsagError('PII_VAULT_KEY', `Refusing to show the audit of run ${options.runId} without the vault key: set MAGSAG_VAULT_KEY to the key that wrote ${where}.`, { data: { file: where } });
  }
  const rows = await audit.read(options.runId);
  if (rows === undefined) {
    throw new MagsagError('CONFIG_NOT_FOUND', `No audit for run ${options.runId} in ${where}. Check the run id.`, { data: { file: where } });
  }
  return openAudit(rows as { line: number; record: AuditRecord | ApprovalAuditEntry }[], where, options.runId, options.key);
}

/** {@link readApprovalAudit} through a store: a run's approval outcomes, in order (`[]` when none). */
export async function readApprovalAuditFrom(audit: PiiAuditStore, runId: string): Promise<ApprovalAuditEntry[]> {
  const rows = (await audit.read(runId)) ?? [];
  return rows.flatMap(({ record }) => (isApproval(record as AuditRecord | ApprovalAuditEntry) ? [record as unknown as ApprovalAuditEntry] : []));
}
