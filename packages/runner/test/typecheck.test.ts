import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunner, createTypeChecker } from '../src/index.ts';
import { fixturesDir, tempRunnerConfig } from './helpers.ts';

const temp = tempRunnerConfig();
const runner = createRunner(temp.config);
afterAll(() => temp.cleanup());

describe('type-check before run', () => {
  it('checks the program against the generated modules and does not run it on errors', async () => {
    const run = await runner.execute({
      code: "import { echo } from './servers/everything/echo';\nconsole.log('must not run');\nconst n: number = 'text';\nexport default await echo({ mesage: 'typo' });\n",
    });
    expect(run.error?.code).toBe('SANDBOX_TYPECHECK');
    expect(run.logs).toEqual([]);
    expect(run.metrics.toolCallCount).toBe(0);
    expect(run.diagnostics).toEqual([
      expect.objectContaining({ file: 'program.ts', line: 3, column: 7, tsCode: 2322 }),
      expect.objectContaining({ file: 'program.ts', line: 4, column: 29, message: expect.stringContaining('mesage') }),
    ]);
    expect(run.modelView).toContain('SANDBOX_TYPECHECK');
  });

  it('knows the sandbox globals and top-level await, and resolves servers and skills like the loader', async () => {
    const checker = createTypeChecker({ serversDir: path.join(fixturesDir, 'servers'), skillsDir: path.join(fixturesDir, 'skills') });
    expect(
      checker.check(
        [
          "import { echo } from './servers/everything';",
          "import { shout } from './skills/shout/index.ts';",
          "const text: string = await shout('x');",
          "const blocks = await echo({ message: text });",
          "await workspace.write('a.json', { n: blocks.length });",
          "console.log(await workspace.list());",
          'export default text;',
        ].join('\n'),
        'job.ts',
      ),
    ).toEqual([]);
    const errors = checker.check("import fs from 'node:fs';\nprocess.exit(1);\n", 'job.ts');
    expect(errors.map((d) => d.line)).toEqual([1, 2]);
    expect(errors[0]?.message).toContain("'node:fs'");
  });

  it('is skipped with typecheck: false', async () => {
    const run = await runner.execute({ code: "const n: number = 'text' as unknown as number;\nconst m: number = 'oops';\nexport default m;", typecheck: false });
    expect(run.ok).toBe(true);
    expect(run.result).toBe('oops');
    expect(run.metrics.typecheckMs).toBe(0);
  });

  it('reports syntax errors as diagnostics even without type-checking', async () => {
    const run = await runner.execute({ code: 'export default {;\n', typecheck: false });
    expect(run.error?.code).toBe('SANDBOX_TYPECHECK');
    expect(run.diagnostics[0]).toMatchObject({ file: 'program.ts', line: 1 });
  });
});
