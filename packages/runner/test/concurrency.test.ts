import { afterAll, describe, expect, it } from 'vitest';
import { createRunner } from '../src/index.ts';
import { tempRunnerConfig, testClient } from './helpers.ts';

const { client, close } = testClient();
const temp = tempRunnerConfig();
const runner = createRunner({ ...temp.config, callTool: client.callTool.bind(client) });

afterAll(async () => {
  await close();
  temp.cleanup();
});

// The probe server counts the calls it has in flight; no timing is asserted.
const program = (calls: number): string =>
  [
    "import { probe, stats } from './servers/probe';",
    'await stats({ reset: true });',
    `const results = await Promise.all(Array.from({ length: ${calls} }, (_, id) => probe({ id, ms: 150 })));`,
    'export default { ids: results.map((r) => r.id), server: await stats({}) };',
  ].join('\n');

describe('concurrent tool calls', () => {
  it('has twenty Promise.all calls in flight together', async () => {
    const run = await runner.execute({ code: program(20) });
    expect(run.error).toBeNull();
    const result = run.result as { ids: number[]; server: { maxInFlight: number; calls: number } };
    expect(result.ids).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(result.server).toEqual({ maxInFlight: 20, calls: 20 });
    expect(run.metrics.maxToolCallsInFlight).toBe(20);
  });

  it('holds calls in flight to maxConcurrentToolCalls', async () => {
    const run = await runner.execute({ code: program(12), limits: { maxConcurrentToolCalls: 4 } });
    expect(run.error).toBeNull();
    const result = run.result as { server: { maxInFlight: number; calls: number } };
    expect(result.server).toEqual({ maxInFlight: 4, calls: 12 });
    expect(run.metrics.maxToolCallsInFlight).toBe(4);
  });
});
