import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MagsagError } from '@magsag/core';
import type { AuditRow, AuditStore, StoredAuditRow } from '../audit.ts';

/** `<dir>/<runId>.jsonl`: run ids become file names, anything outside `[A-Za-z0-9._-]` replaced. */
export function auditFile(dir: string, runId: string): string {
  const safe = runId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return path.join(dir, `${safe || '_'}.jsonl`);
}

/** The audit log as it has always been kept: one JSON line per record in `<stateDir>/audit/<runId>.jsonl` (mode 0600). */
export class LocalAudit implements AuditStore {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'audit');
  }

  where(runId: string): string {
    return auditFile(this.dir, runId);
  }

  async append(rows: readonly AuditRow[]): Promise<void> {
    this.appendSync(rows);
  }

  /** The same, for synchronous callers. */
  appendSync(rows: readonly AuditRow[]): void {
    if (rows.length === 0) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const byRun = new Map<string, string[]>();
    for (const row of rows) {
      const lines = byRun.get(row.runId) ?? [];
      lines.push(JSON.stringify(row));
      byRun.set(row.runId, lines);
    }
    for (const [runId, lines] of byRun) appendFileSync(auditFile(this.dir, runId), `${lines.join('\n')}\n`, { mode: 0o600 });
  }

  async read(runId: string): Promise<StoredAuditRow[] | undefined> {
    return this.readSync(runId);
  }

  readSync(runId: string): StoredAuditRow[] | undefined {
    const file = auditFile(this.dir, runId);
    if (!existsSync(file)) return undefined;
    const rows: StoredAuditRow[] = [];
    for (const [index, text] of readFileSync(file, 'utf8').split('\n').entries()) {
      if (text.trim() === '') continue;
      try {
        rows.push({ line: index + 1, record: JSON.parse(text) as AuditRow });
      } catch (error) {
        throw new MagsagError('CONFIG_INVALID', `Line ${index + 1} of ${file} is not JSON: ${(error as Error).message}.`, { cause: error, data: { file, line: index + 1 } });
      }
    }
    return rows;
  }
}
