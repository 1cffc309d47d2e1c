// The throwaway cluster of test/support/postgres.ts: it starts, answers the pg client, and is gone
// (server and folder) after stop().
import { existsSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresUnavailable, startPostgres } from '../../../test/support/postgres.ts';

const unavailable = postgresUnavailable();

describe.skipIf(unavailable)(`throwaway PostgreSQL cluster${unavailable ? ` (${unavailable})` : ''}`, () => {
  it('starts in a temp folder, answers SQL over TCP and the socket, and is removed by stop()', async () => {
    const cluster = await startPostgres();
    let stopped = false;
    try {
      expect(cluster.version).toBeGreaterThanOrEqual(13);
      expect(cluster.host).toBe('127.0.0.1');
      const client = new pg.Client({ connectionString: cluster.url });
      await client.connect();
      const { rows } = await client.query<{ db: string; user: string; version: string }>('SELECT current_database() AS db, current_user AS user, current_setting($1) AS version', ['server_version_num']);
      expect(rows[0]).toMatchObject({ db: 'magsag', user: 'magsag' });
      expect(Math.floor(Number(rows[0]!.version) / 10_000)).toBe(cluster.version);
      await client.query('CREATE TABLE t (n int)');
      await client.query('INSERT INTO t VALUES (1), (2)');
      await client.end();
      // The unix socket in the cluster's folder reaches the same server.
      const bySocket = new pg.Client({ host: cluster.dir, port: cluster.port, user: 'magsag', database: 'magsag' });
      await bySocket.connect();
      expect((await bySocket.query<{ n: string }>('SELECT sum(n) AS n FROM t')).rows[0]!.n).toBe('3');
      await bySocket.end();

      await cluster.stop();
      stopped = true;
      expect(existsSync(cluster.dir)).toBe(false);
      const after = new pg.Client({ connectionString: cluster.url, connectionTimeoutMillis: 2000 });
      await expect(after.connect()).rejects.toThrow();
    } finally {
      if (!stopped) await cluster.stop();
    }
  });

  it('runs two clusters side by side on different ports', async () => {
    const [a, b] = await Promise.all([startPostgres(), startPostgres()]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.dir).not.toBe(b.dir);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
