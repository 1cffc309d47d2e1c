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
];

/** The newest schema version this code knows. */
export const schemaVersion = Math.max(...migrations.map((m) => m.version));

/** The key of the advisory lock held while migrating ("magsag" in ASCII). */
export const migrationLock = 0x6d61_6773_6167;
