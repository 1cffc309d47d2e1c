import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunner, SandboxPool } from '../src/index.ts';
import { repoRoot, tempRunnerConfig, testClient } from './helpers.ts';

const temp = tempRunnerConfig();
const { client, close } = testClient();
afterAll(async () => {
  await close();
  temp.cleanup();
});

const never = 'await new Promise(() => {});\nexport default 1;';

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe('sandbox pool admission control', () => {
  it('runs at most maxWorkers × slotsPerWorker at once, queues the next, and refuses past queueLength with SANDBOX_BUSY', async () => {
    const pool = new SandboxPool({ maxWorkers: 1, slotsPerWorker: 1, queueLength: 1, queueTimeoutMs: 30_000 });
    const runner = createRunner({ ...temp.config, typecheck: false, pool });
    try {
      const first = runner.execute({ code: never, limits: { wallMs: 1500 } });
      // Let the first run take the only slot.
      await until(() => pool.stats.busy > 0);
      const second = runner.execute({ code: 'export default 2;' });
      await until(() => pool.stats.queued > 0);
      const third = await runner.execute({ code: 'export default 3;' });
      expect(third.error).toMatchObject({ code: 'SANDBOX_BUSY', data: { retryable: true, maxWorkers: 1, slotsPerWorker: 1, queueLength: 1 } });
      expect((await first).error?.code).toBe('SANDBOX_TIMEOUT');
      const queued = await second;
      expect(queued.error).toBeNull();
      expect(queued.result).toBe(2);
      expect(pool.stats).toMatchObject({ busy: 0, queued: 0, reservedMb: 0 });
    } finally {
      pool.close();
    }
  });

  it('gives up waiting after queueTimeoutMs, and a cancelled waiter leaves the queue', async () => {
    const pool = new SandboxPool({ maxWorkers: 1, slotsPerWorker: 1, queueLength: 10, queueTimeoutMs: 200 });
    const runner = createRunner({ ...temp.config, typecheck: false, pool });
    try {
      const first = runner.execute({ code: never, limits: { wallMs: 2000 } });
      await until(() => pool.stats.busy > 0);
      const late = await runner.execute({ code: 'export default 2;' });
      expect(late.error).toMatchObject({ code: 'SANDBOX_BUSY', data: { queueTimeoutMs: 200 } });
      const controller = new AbortController();
      const waiting = runner.execute({ code: 'export default 3;', signal: controller.signal });
      await until(() => pool.stats.queued > 0);
      controller.abort();
      expect((await waiting).error?.code).toBe('SANDBOX_CANCELLED');
      expect(pool.stats.queued).toBe(0);
      await first;
    } finally {
      pool.close();
    }
  });

  it('holds many runs in one worker process at once', async () => {
    const pool = new SandboxPool({ maxWorkers: 1, slotsPerWorker: 6 });
    const runner = createRunner({ ...temp.config, typecheck: false, pool });
    try {
      await pool.start(1);
      expect(pool.stats.workers).toBe(1);
      // Six runs that each wait for all the others: they can only finish if all six run together.
      const runs = Array.from({ length: 6 }, (_, i) =>
        runner.execute({
          code: `await workspace.write('arrived-${i}.txt', 'x');\nwhile ((await workspace.list('.')).length < 6) await null;\nexport default ${i};`,
          workspace: 'ws-shared-slots',
          createWorkspace: true,
          limits: { wallMs: 20_000, cpuMs: 20_000 },
        }),
      );
      const results = await Promise.all(runs);
      expect(results.map((r) => r.error)).toEqual(Array(6).fill(null));
      expect(results.map((r) => r.result)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(pool.stats.workers).toBe(1);
    } finally {
      pool.close();
    }
  });

  it('keeps a script alive while it waits for start(), and reports when each worker was ready', () => {
    const script =
      "import { SandboxPool } from '@magsag/runner';\n" +
      'const pool = new SandboxPool({ maxWorkers: 1 });\n' +
      'await pool.start(1);\n' +
      "console.log('ready', pool.workerReadyMs.filter((ms) => typeof ms === 'number' && ms > 0).length);\n" +
      'pool.close();\n';
    const run = spawnSync(process.execPath, ['--no-node-snapshot', '--conditions=magsag-source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(run.stdout, run.stderr).toContain('ready 1');
    expect(run.status).toBe(0);
  });

  it('refuses a run whose memory reserve cannot fit the ceiling, naming the largest memoryMb that fits', async () => {
    const pool = new SandboxPool({ memoryCeilingMb: 300 });
    const runner = createRunner({ ...temp.config, typecheck: false, pool });
    try {
      const run = await runner.execute({ code: 'export default 1;', limits: { memoryMb: 128 } });
      expect(run.error).toMatchObject({ code: 'USAGE', data: { limit: 'memoryMb', value: 128, max: 100 } });
      expect((await runner.execute({ code: 'export default 1;', limits: { memoryMb: 64 } })).result).toBe(1);
    } finally {
      pool.close();
    }
  });

  it('when a worker dies: the run that crashed it gets SANDBOX_MEMORY_LIMIT, a run without tool calls is retried, one with tool calls gets SANDBOX_WORKER_LOST', async () => {
    const pool = new SandboxPool({ maxWorkers: 1, slotsPerWorker: 4 });
    const runner = createRunner({ ...temp.config, typecheck: false, pool, callTool: client.callTool.bind(client) });
    const filesOf = (id: string): string => path.join(temp.stateDir, 'workspaces', id, 'files');
    try {
      // Waits forever on its first attempt; a second attempt sees its own marker and returns.
      const quiet = runner.execute({
        code: "const again = await workspace.exists('quiet.txt');\nawait workspace.write('quiet.txt', 'x');\nif (!again) await new Promise(() => {});\nexport default 'retried';",
        workspace: 'ws-loss-quiet',
        createWorkspace: true,
        limits: { wallMs: 60_000 },
      });
      const talker = runner.execute({
        code: "import { echo } from './servers/everything/echo';\nawait echo({ message: 'hi' });\nawait workspace.write('called.txt', 'x');\nawait new Promise(() => {});",
        workspace: 'ws-loss-talker',
        createWorkspace: true,
        limits: { wallMs: 60_000 },
      });
      await until(() => existsSync(path.join(filesOf('ws-loss-quiet'), 'quiet.txt')) && existsSync(path.join(filesOf('ws-loss-talker'), 'called.txt')));
      // One allocation V8 cannot satisfy: it aborts the whole worker process.
      const bomb = await runner.execute({ code: 'const m = new Map(); for (let i = 0; ; i++) m.set(i, { i });', limits: { memoryMb: 32, cpuMs: 60_000 } });
      expect(bomb.error?.code).toBe('SANDBOX_MEMORY_LIMIT');
      const lost = await talker;
      expect(lost.error).toMatchObject({ code: 'SANDBOX_WORKER_LOST', data: { retryable: true, toolCalls: 1 } });
      const retried = await quiet;
      expect(retried.error).toBeNull();
      expect(retried.result).toBe('retried');
      // The pool works on: a new worker takes the next run.
      expect((await runner.execute({ code: 'export default 7;' })).result).toBe(7);
    } finally {
      pool.close();
    }
  });
});
