/**
 * Watches a worker pool (anything that emits `error`, as tinypool does when a thread cannot start or
 * dies) for its first failure. tinypool never settles the task of a thread that failed that way:
 * race each task with `failed` to give it up, and stop using the pool once `broken` says so.
 */
export function watchThreadFailure(pool: { on(event: 'error', listener: (error: unknown) => void): unknown }): { failed: Promise<never>; readonly broken: boolean } {
  let broken = false;
  const failed = new Promise<never>((_resolve, reject) => {
    pool.on('error', (error: unknown) => {
      broken = true;
      reject(error instanceof Error ? error : new Error(String(error)));
    });
  });
  failed.catch(() => {});
  return {
    failed,
    get broken() {
      return broken;
    },
  };
}
