import { afterAll, describe, expect, it } from 'vitest';
import { createRunner, maxLimits, maxProgramBytes, type RunLimits } from '../src/index.ts';
import { tempRunnerConfig } from './helpers.ts';

const temp = tempRunnerConfig();
const runner = createRunner({ ...temp.config, typecheck: false });
afterAll(() => temp.cleanup());

describe('server-side maxima of every limit', () => {
  it.each(Object.keys(maxLimits) as (keyof RunLimits)[])('refuses %s over its maximum with USAGE and { limit, max }, before anything runs', async (limit) => {
    const asked = maxLimits[limit] * 2 + 1;
    const run = await runner.execute({ code: "await workspace.write('ran.txt', 'x');\nexport default 1;", limits: { [limit]: asked } });
    expect(run.ok).toBe(false);
    expect(run.error).toMatchObject({ code: 'USAGE', data: { limit, value: asked, max: maxLimits[limit] } });
    expect(run.workspace).toBeNull();
  });

  it('refuses a timeout past what setTimeout can hold instead of ending the run at once', async () => {
    const run = await runner.execute({ code: 'export default 1;', limits: { wallMs: 2 ** 31 + 10 } });
    expect(run.error).toMatchObject({ code: 'USAGE', data: { limit: 'wallMs', max: maxLimits.wallMs } });
  });

  it('accepts a limit exactly at its maximum', async () => {
    const run = await runner.execute({ code: 'export default 1;', limits: { wallMs: maxLimits.wallMs } });
    expect(run.error).toBeNull();
    expect(run.result).toBe(1);
  });

  it('refuses a program or an input over maxProgramBytes', async () => {
    const big = await runner.execute({ code: `export default ${JSON.stringify('x'.repeat(maxProgramBytes))};` });
    expect(big.error).toMatchObject({ code: 'USAGE', data: { limit: 'programBytes', max: maxProgramBytes } });
    const input = await runner.execute({ code: 'export default (i: unknown) => i;', input: { blob: 'y'.repeat(maxProgramBytes) } });
    expect(input.error).toMatchObject({ code: 'USAGE', data: { limit: 'inputBytes', max: maxProgramBytes } });
  });
});
