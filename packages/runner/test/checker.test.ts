import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TypeCheckPool, TypeCheckService } from '../src/host/checker.ts';
import { fixturesDir } from './helpers.ts';

const roots = { serversDir: path.join(fixturesDir, 'servers'), skillsDir: path.join(fixturesDir, 'skills') };
const service = new TypeCheckService();
afterAll(() => service.close());

describe('type-checking in its own process', () => {
  it('finds type errors with their line and column', async () => {
    const diagnostics = await service.check(roots, "const n: number = 'x';\nexport default n;\n", 'program.ts');
    expect(diagnostics).toEqual([expect.objectContaining({ file: 'program.ts', line: 1, column: 7, message: expect.stringContaining("'string' is not assignable") })]);
  });

  it('leaves the host event loop free while it checks', async () => {
    const source = Array.from({ length: 2000 }, (_, i) => `const v${i}: { a: number; b: string[] } = { a: ${i}, b: ['${i}'] };`).join('\n') + '\nexport default v1;\n';
    const first = await Promise.race([service.check(roots, source, 'big.ts').then(() => 'check'), new Promise((resolve) => setTimeout(() => resolve('timer'), 0))]);
    // A synchronous checker would have finished before any timer could run.
    expect(first).toBe('timer');
  });

  it('fails a check over its time budget with SANDBOX_TYPECHECK, and the next check works', async () => {
    // A program that takes the checker well over 1 ms even on an idle machine, so the budget is what ends it.
    const source = Array.from({ length: 2000 }, (_, i) => `const s${i}: { a: number; b: string[] } = { a: ${i}, b: ['${i}'] };`).join('\n') + '\nexport default s1;\n';
    await expect(service.check(roots, source, 'slow.ts', 1)).rejects.toMatchObject({ code: 'SANDBOX_TYPECHECK', data: { limit: 'typecheckMs', value: 1 } });
    await expect(service.check(roots, 'export default 2;\n', 'next.ts')).resolves.toEqual([]);
  });

  it('answers checks queued together, each with its own diagnostics', async () => {
    const results = await Promise.all([1, 2, 3].map((n) => service.check(roots, n === 2 ? 'const x: string = 1;\n' : `export default ${n};\n`, `p${n}.ts`)));
    expect(results.map((d) => d.length)).toEqual([0, 1, 0]);
  });
});

describe('type-checker processes side by side', () => {
  it('checks a small program on the other process while a big one holds the first', async () => {
    const pool = new TypeCheckPool(2);
    try {
      const big = Array.from({ length: 6000 }, (_, i) => `const v${i}: { a: number; b: string[] } = { a: ${i}, b: ['${i}'] };`).join('\n') + '\nexport default v1;\n';
      const order: string[] = [];
      // A generous budget: on a loaded machine the big check takes far longer than the default 15 s allows.
      const slow = pool.check(roots, big, 'big.ts', 120_000).then(() => order.push('big'));
      expect(pool.lanes.map((lane) => lane.load)).toEqual([1, 0]);
      const quick = pool.check(roots, "const n: number = 'x';\nexport default n;\n", 'small.ts').then((d) => {
        order.push('small');
        return d;
      });
      expect(pool.lanes.map((lane) => lane.load)).toEqual([1, 1]);
      expect((await quick).length).toBe(1);
      await slow;
      expect(order).toEqual(['small', 'big']);
    } finally {
      pool.close();
    }
  });
});
