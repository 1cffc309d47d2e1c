import { afterAll, describe, expect, it } from 'vitest';
import { createRunner, SandboxPool } from '../src/index.ts';
import { tempRunnerConfig } from './helpers.ts';

const temp = tempRunnerConfig();
afterAll(() => temp.cleanup());

const never = 'await new Promise(() => {});\nexport default 1;';

describe('sandbox pool admission control', () => {
  it('runs at most maxWorkers at once, queues the next, and refuses past queueLength with SANDBOX_BUSY', async () => {
    const pool = new SandboxPool({ maxWorkers: 1, queueLength: 1, queueTimeoutMs: 30_000 });
    const runner = createRunner({ ...temp.config, typecheck: false, pool });
    try {
      const first = runner.execute({ code: never, limits: { wallMs: 1500 } });
      // Let the first run take the only sandbox.
      while (pool.stats.busy === 0) await new Promise((r) => setTimeout(r, 10));
      const second = runner.execute({ code: 'export default 2;' });
      while (pool.stats.queued === 0) await new Promise((r) => setTimeout(r, 10));
      const third = await runner.execute({ code: 'export default 3;' });
      expect(third.error).toMatchObject({ code: 'SANDBOX_BUSY', data: { retryable: true, maxWorkers: 1, queueLength: 1 } });
      expect((await first).error?.code).toBe('SANDBOX_TIMEOUT');
      const queued = await second;
      expect(queued.error).toBeNull();
      expect(queued.result).toBe(2);
      expect(pool.stats).toMatchObject({ busy: 0, queued: 0 });
    } finally {
      pool.close();
    }
  });

  it('gives up waiting after queueTimeoutMs, and a cancelled waiter leaves the queue', async () => {
    const pool = new SandboxPool({ maxWorkers: 1, queueLength: 10, queueTimeoutMs: 200 });
    const runner = createRunner({ ...temp.config, typecheck: false, pool });
    try {
      const first = runner.execute({ code: never, limits: { wallMs: 2000 } });
      while (pool.stats.busy === 0) await new Promise((r) => setTimeout(r, 10));
      const late = await runner.execute({ code: 'export default 2;' });
      expect(late.error).toMatchObject({ code: 'SANDBOX_BUSY', data: { queueTimeoutMs: 200 } });
      const controller = new AbortController();
      const waiting = runner.execute({ code: 'export default 3;', signal: controller.signal });
      while (pool.stats.queued === 0) await new Promise((r) => setTimeout(r, 10));
      controller.abort();
      expect((await waiting).error?.code).toBe('SANDBOX_CANCELLED');
      expect(pool.stats.queued).toBe(0);
      await first;
    } finally {
      pool.close();
    }
  });
});
