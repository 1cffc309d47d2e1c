import type { ToolPolicyInfo } from '@magsag/mcp-client';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createRunner, type ApprovalRecord, type ApprovalRequest, type ExecuteResult, type RunRecord } from '../src/index.ts';
import { tempRunnerConfig, testClient } from './helpers.ts';

// `probe` changes the world as far as these tests go (approve); `stats` reads (allow); `deep` is blocked.
const policies: Record<string, ToolPolicyInfo['policy']> = { probe: 'approve', stats: 'allow', deep: 'block', big: 'allow' };
const toolPolicy = (_server: string, tool: string): ToolPolicyInfo => ({ policy: policies[tool] ?? 'allow', source: 'server', reason: `test rule for ${tool}` });

const { client, close } = testClient();
const temp = tempRunnerConfig();
const runner = createRunner({ ...temp.config, callTool: client.callTool.bind(client), toolPolicy, typecheck: false });

afterAll(async () => {
  await close();
  temp.cleanup();
});

/** How many probe calls reached the server since the last reset. */
async function serverCalls(): Promise<number> {
  const result = await client.callTool('probe', 'stats', {});
  return (result.structuredContent as { calls: number }).calls;
}

beforeEach(async () => {
  await client.callTool('probe', 'stats', { reset: true });
});

function record(run: ExecuteResult): RunRecord {
  return JSON.parse(readFileSync(path.join(run.workspace!.path, 'runs', run.runId, 'run.json'), 'utf8')) as RunRecord;
}

const probeOnce = `import { probe } from './servers/probe/probe.ts';\nexport default await probe({ id: 1, ms: 1 });`;

describe('approvals in a run', () => {
  it('refuses an approve-policy call when nobody can be asked, and sends nothing to the server', async () => {
    const run = await runner.execute({ code: probeOnce });
    expect(run.ok).toBe(false);
    expect(run.error?.code).toBe('TOOL_APPROVAL_REQUIRED');
    expect(run.error?.message).toMatch(/probe\/probe needs a person's approval.*--yes or --approve/);
    expect(run.approvals).toEqual([expect.objectContaining({ outcome: 'unanswered', decidedBy: 'nobody' })]);
    expect(await serverCalls()).toBe(0);
  });

  it('lets allowed tools through without asking', async () => {
    const asked: ApprovalRequest[] = [];
    const run = await runner.execute({
      code: `import { stats } from './servers/probe/stats.ts';\nexport default (await stats({})).calls;`,
      approve: async (request) => {
        asked.push(request);
        return { approved: true, decidedBy: 'test' };
      },
    });
    expect(run.error).toBeNull();
    expect(asked).toHaveLength(0);
    expect(run.approvals).toEqual([]);
  });

  it('asks the approver with the masked arguments and a hash, calls the tool once approved, and records who decided', async () => {
    const asked: ApprovalRequest[] = [];
    const seen: ApprovalRecord[] = [];
    const run = await runner.execute({
      code: `import { probe } from './servers/probe/probe.ts';\nexport default await probe({ id: 7, ms: 1 });`,
      masker: { mask: (text) => text.replace(/7/g, '[N]') },
      approve: async (request) => {
        asked.push(request);
        return { approved: true, decidedBy: 'alice (test)' };
      },
      onApproval: (entry) => seen.push(entry),
    });
    expect(run.error).toBeNull();
    expect(run.result).toEqual({ id: 7, inFlight: 1 });
    expect(asked).toHaveLength(1);
    const [call] = asked[0]!.calls;
    expect(call).toMatchObject({ server: 'probe', tool: 'probe', reason: 'policy approve: test rule for probe' });
    // The approver sees what the model would: a number is not masked by this masker, only strings.
    expect(call!.arguments).toEqual({ id: 7, ms: 1 });
    expect(call!.argumentsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(asked[0]!.id).toMatch(/^apr-[0-9a-f]{12}$/);
    expect(asked[0]!.runId).toBe(run.runId);
    expect(seen).toEqual([expect.objectContaining({ outcome: 'approved', decidedBy: 'alice (test)', scope: 'calls' })]);
    expect(record(run).approvals).toEqual(seen);
    expect(await serverCalls()).toBe(1);
  });

  it('masks string arguments before the approver sees them', async () => {
    const asked: ApprovalRequest[] = [];
    await runner.execute({
      // Arguments are asked about before they are checked against the tool's schema.
      code: `import { probe } from './servers/probe/probe.ts';\ntry { await probe({ id: 1, ms: 1, note: 'mail bob@example.com' } as never); } catch {}`,
      masker: { mask: (text) => text.replace(/bob@example\.com/g, '[EMAIL_1]') },
      approve: async (request) => {
        asked.push(request);
        return { approved: false, decidedBy: 'test' };
      },
    });
    expect(asked[0]!.calls[0]!.arguments).toEqual({ id: 1, ms: 1, note: 'mail [EMAIL_1]' });
  });

  it('fails a denied call with TOOL_APPROVAL_DENIED, which the program may catch; nothing reaches the server', async () => {
    const run = await runner.execute({
      code: `import { probe } from './servers/probe/probe.ts';
export default async () => {
  try {
    await probe({ id: 1, ms: 1 });
    return 'called';
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
};`,
      approve: async () => ({ approved: false, decidedBy: 'bob (test)', note: 'not today' }),
    });
    expect(run.error).toBeNull();
    expect(run.result).toEqual({ code: 'TOOL_APPROVAL_DENIED', message: expect.stringContaining('bob (test) denied probe/probe ("not today")') });
    expect(run.approvals).toEqual([expect.objectContaining({ outcome: 'denied', decidedBy: 'bob (test)' })]);
    expect(await serverCalls()).toBe(0);
  });

  it('does not ask again about a tool a person denied in the same run', async () => {
    let asked = 0;
    const run = await runner.execute({
      code: `import { probe } from './servers/probe/probe.ts';
const codes: string[] = [];
for (let id = 0; id < 5; id++) {
  try { await probe({ id, ms: 1 }); } catch (error) { codes.push((error as { code: string }).code); }
}
export default codes;`,
      approve: async () => {
        asked++;
        return { approved: false, decidedBy: 'carol (test)' };
      },
    });
    expect(run.result).toEqual(Array(5).fill('TOOL_APPROVAL_DENIED'));
    expect(asked).toBe(1);
    expect(await serverCalls()).toBe(0);
  });

  it('fails a call to a tool or server that does not exist without asking anyone', async () => {
    // The client's own lookup refuses what could never succeed...
    await expect(client.toolPolicy('probe', 'delete_everything')).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND' });
    await expect(client.toolPolicy('nowhere', 'delete_all')).rejects.toMatchObject({ code: 'SERVER_NOT_FOUND' });
    expect(await client.toolPolicy('probe', 'probe')).toMatchObject({ policy: 'allow', source: 'name' });
    // ...and the gate fails such a call with that error instead of asking about it (a module left
    // by an older codegen whose tool the server no longer has).
    let asked = 0;
    const run = await runner.execute({
      code: probeOnce,
      toolPolicy: () => client.toolPolicy('probe', 'delete_everything'),
      approve: async () => {
        asked++;
        return { approved: true, decidedBy: 'test' };
      },
    });
    expect(run.error?.code).toBe('TOOL_NOT_FOUND');
    expect(asked).toBe(0);
    expect(await serverCalls()).toBe(0);
  });

  it('refuses a blocked tool without asking anyone', async () => {
    let asked = 0;
    const run = await runner.execute({
      code: `import { deep } from './servers/probe/deep.ts';\nexport default await deep({ depth: 1 });`,
      approve: async () => {
        asked++;
        return { approved: true, decidedBy: 'test' };
      },
    });
    expect(run.error?.code).toBe('TOOL_APPROVAL_DENIED');
    expect(run.error?.message).toMatch(/probe\/deep is blocked/);
    expect(asked).toBe(0);
    expect(run.approvals).toEqual([expect.objectContaining({ outcome: 'blocked', decidedBy: 'policy' })]);
  });

  it('asks once for twenty calls issued together (more than maxConcurrentToolCalls), then runs them all', async () => {
    const asked: ApprovalRequest[] = [];
    const run = await runner.execute({
      code: `import { probe } from './servers/probe/probe.ts';
export default (await Promise.all(Array.from({ length: 20 }, (_, id) => probe({ id, ms: 5 })))).length;`,
      limits: { maxConcurrentToolCalls: 4 },
      approve: async (request) => {
        asked.push(request);
        return { approved: true, decidedBy: 'test' };
      },
    });
    expect(run.error).toBeNull();
    expect(run.result).toBe(20);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.calls).toHaveLength(20);
    expect(await serverCalls()).toBe(20);
  });

  it('approving a tool for the run (scope tools) covers its later calls', async () => {
    let asked = 0;
    const run = await runner.execute({
      code: `import { probe } from './servers/probe/probe.ts';
for (let id = 0; id < 3; id++) await probe({ id, ms: 1 });
export default 'done';`,
      approve: async () => {
        asked++;
        return { approved: true, scope: 'tools', decidedBy: 'test' };
      },
    });
    expect(run.error).toBeNull();
    expect(asked).toBe(1);
    expect(await serverCalls()).toBe(3);
  });

  it('asks again for each call when approved once (scope calls), one request at a time', async () => {
    let asked = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const run = await runner.execute({
      code: `import { probe } from './servers/probe/probe.ts';
await probe({ id: 1, ms: 1 });
await probe({ id: 2, ms: 1 });
export default 'done';`,
      approve: async () => {
        asked++;
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        await new Promise((resolve) => setTimeout(resolve, 20));
        concurrent--;
        return { approved: true, decidedBy: 'test' };
      },
    });
    expect(run.error).toBeNull();
    expect(asked).toBe(2);
    expect(maxConcurrent).toBe(1);
  });

  for (const isolation of ['process', 'inline'] as const) {
    it(`does not count the wait for a person against wallMs (${isolation})`, async () => {
      const run = await runner.execute({
        code: probeOnce,
        isolation,
        // The person takes longer than the whole wall-clock limit; the run's own work stays well
        // inside it, even on a loaded machine.
        limits: { wallMs: 2500 },
        approve: async () => {
          await new Promise((resolve) => setTimeout(resolve, 3500));
          return { approved: true, decidedBy: 'slow person' };
        },
      });
      expect(run.error).toBeNull();
      expect(run.approvals[0]!.waitedMs).toBeGreaterThanOrEqual(3400);
      expect(run.metrics.wallMs).toBeGreaterThan(2500);
    });
  }

  it('fails with TOOL_APPROVAL_REQUIRED after approvalTimeoutMs, tells the approver to stop, and asks no more in that run', async () => {
    const asked: ApprovalRequest[] = [];
    let stopped = false;
    const run = await runner.execute({
      code: `import { probe } from './servers/probe/probe.ts';
const codes: string[] = [];
for (let id = 0; id < 2; id++) {
  try { await probe({ id, ms: 1 }); } catch (error) { codes.push((error as { code: string }).code); }
}
export default codes;`,
      approvalTimeoutMs: 300,
      approve: (request) => {
        asked.push(request);
        request.signal.addEventListener('abort', () => (stopped = true));
        return new Promise(() => {});
      },
    });
    expect(run.error).toBeNull();
    expect(run.result).toEqual(['TOOL_APPROVAL_REQUIRED', 'TOOL_APPROVAL_REQUIRED']);
    expect(asked).toHaveLength(1);
    expect(stopped).toBe(true);
    expect(run.approvals.map((a) => a.outcome)).toEqual(['unanswered', 'unanswered']);
    expect(await serverCalls()).toBe(0);
  });

  it('stops waiting when the run is cancelled', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const run = await runner.execute({
      code: probeOnce,
      signal: controller.signal,
      approve: () => {
        setTimeout(() => controller.abort(), 100);
        return new Promise(() => {});
      },
    });
    expect(run.error?.code).toBe('SANDBOX_CANCELLED');
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(await serverCalls()).toBe(0);
  });
});
