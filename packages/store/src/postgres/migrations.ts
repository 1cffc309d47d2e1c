/**
 * The schema, one step per version. A step is applied once, in a transaction, under an advisory
 * lock (replicas starting together migrate once); `magsag_schema` records each applied version.
 * Steps are never edited once released: a change is a new step.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'run records',
    sql: `
      CREATE TABLE magsag_run_records (
        workspace_id text NOT NULL,
        run_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'ok', 'error', 'cancelled', 'interrupted')),
        started_at timestamptz NOT NULL,
        heartbeat_at text,
        record jsonb NOT NULL,
        PRIMARY KEY (workspace_id, run_id)
      );
      CREATE INDEX magsag_run_records_running ON magsag_run_records (run_id) WHERE status = 'running';
    `,
  },
  {
    version: 2,
    description: 'workspaces, workspace files and run outputs',
    sql: `
      CREATE TABLE magsag_workspaces (
        id text PRIMARY KEY,
        owner text NOT NULL DEFAULT 'local',
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        bytes bigint NOT NULL DEFAULT 0,
        entries integer NOT NULL DEFAULT 0
      );
      CREATE INDEX magsag_workspaces_owner ON magsag_workspaces (owner, updated_at);
      CREATE TABLE magsag_files (
        workspace_id text NOT NULL REFERENCES magsag_workspaces ON DELETE CASCADE,
        path text COLLATE "C" NOT NULL,
        kind text NOT NULL CHECK (kind IN ('file', 'directory')),
        data bytea,
        bytes integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (workspace_id, path)
      );
      CREATE TABLE magsag_run_outputs (
        workspace_id text NOT NULL,
        run_id text NOT NULL,
        output text NOT NULL,
        PRIMARY KEY (workspace_id, run_id)
      );
    `,
  },
  {
    version: 3,
    description: 'PII vault and audit log',
    sql: `
      CREATE TABLE magsag_keys (
        purpose text PRIMARY KEY,
        check_mac text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE magsag_vault_counters (
        workspace_id text NOT NULL,
        kind text NOT NULL,
        n integer NOT NULL,
        PRIMARY KEY (workspace_id, kind)
      );
      CREATE TABLE magsag_vault_entries (
        workspace_id text NOT NULL,
        placeholder text NOT NULL,
        kind text NOT NULL,
        value_index text NOT NULL,
        sealed jsonb NOT NULL,
        origins text[] NOT NULL DEFAULT '{}',
        seq bigserial NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, placeholder),
        UNIQUE (workspace_id, kind, value_index)
      );
      CREATE INDEX magsag_vault_entries_seq ON magsag_vault_entries (workspace_id, seq);
      CREATE TABLE magsag_audit (
        id bigserial PRIMARY KEY,
        run_id text NOT NULL,
        record jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX magsag_audit_run ON magsag_audit (run_id, id);
    `,
  },
  {
    version: 4,
    description: 'approval queue',
    sql: `
      CREATE TABLE magsag_approvals (
        id text PRIMARY KEY,
        principal text NOT NULL,
        run_id text NOT NULL,
        workspace_id text NOT NULL,
        calls jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        waiter jsonb,
        decision jsonb
      );
      CREATE INDEX magsag_approvals_created ON magsag_approvals (created_at);
    `,
  },
  {
    version: 5,
    description: 'saved skills',
    sql: `
      CREATE TABLE magsag_skills (
        name text PRIMARY KEY,
        version integer NOT NULL,
        files jsonb NOT NULL,
        saved_by text NOT NULL,
        saved_at timestamptz NOT NULL
      );
    `,
  },
];

/** The newest schema version this code knows. */
export const schemaVersion = Math.max(...migrations.map((m) => m.version));

/** The key of the advisory lock held while migrating ("magsag" in ASCII). */
export const migrationLock = 0x6d61_6773_6167;
