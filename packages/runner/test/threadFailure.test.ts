import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { watchThreadFailure } from '@magsag/core';
import Tinypool from 'tinypool';
import { describe, expect, it } from 'vitest';

describe('watchThreadFailure', () => {
  it('gives up the task of a tinypool thread that cannot start (tinypool alone never settles it) and marks the pool broken', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'magsag-thread-'));
    const file = path.join(dir, 'broken.mjs');
    writeFileSync(file, "throw new Error('this thread cannot start');\n");
    const pool = new Tinypool({ filename: file, minThreads: 0, maxThreads: 1, execArgv: [] });
    const watch = watchThreadFailure(pool);
    try {
      expect(watch.broken).toBe(false);
      await expect(Promise.race([pool.run({}), watch.failed])).rejects.toThrow('this thread cannot start');
      expect(watch.broken).toBe(true);
    } finally {
      await pool.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
