import type pg from 'pg';

/** Called once per SQL statement the store sends. */
export type StatementObserver = (operation: string, seconds: number, ok: boolean) => void;

/** `SELECT magsag_files`: the statement's verb and the first table of ours it names (a bounded label). */
export function statementOperation(sql: string): string {
  const verb = /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SQL';
  const table = /\bmagsag_[a-z_]+/.exec(sql)?.[0];
  return table ? `${verb} ${table}` : verb;
}

type QueryFn = (...args: unknown[]) => unknown;

/** Wraps a pool client's `query` so that every statement, in a transaction or not, is observed. */
export function observeClient(client: pg.PoolClient, observe: StatementObserver): void {
  const query = client.query.bind(client) as QueryFn;
  (client as unknown as { query: QueryFn }).query = (...args: unknown[]) => {
    const first = args[0];
    const sql = typeof first === 'string' ? first : typeof (first as { text?: unknown } | null)?.text === 'string' ? (first as { text: string }).text : '';
    const operation = statementOperation(sql);
    const start = performance.now();
    const done = (ok: boolean): void => observe(operation, (performance.now() - start) / 1000, ok);
    const callback = args.findIndex((a) => typeof a === 'function');
    if (callback >= 0) {
      const original = args[callback] as (error: unknown, result: unknown) => void;
      args[callback] = (error: unknown, result: unknown) => {
        done(!error);
        original(error, result);
      };
      return query(...args);
    }
    const result = query(...args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(
        () => done(true),
        () => done(false),
      );
    }
    return result;
  };
}
