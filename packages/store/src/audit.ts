/**
 * One audit record: a JSON object with its run id. `@magsag/pii` writes the JSONL line's object
 * (its personal value sealed), or an approval outcome (no personal value); the store keeps it as is.
 */
export interface AuditRow {
  runId: string;
  [field: string]: unknown;
}

/** A record read back, with its place (line of the file, or row order) for messages that point at it. */
export interface StoredAuditRow {
  line: number;
  record: AuditRow;
}

/** The audit log: `<stateDir>/audit/<runId>.jsonl`, or `magsag_audit` rows. */
export interface AuditStore {
  /** Where a run's audit is, for messages: a file, or `magsag_audit at host:port/db`. */
  where(runId: string): string;
  /** Appends records, in order. */
  append(rows: readonly AuditRow[]): Promise<void>;
  /** A run's records in order, or `undefined` when it has none. `CONFIG_INVALID` for a line that is not JSON. */
  read(runId: string): Promise<StoredAuditRow[] | undefined>;
}
