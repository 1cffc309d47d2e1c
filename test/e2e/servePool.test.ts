import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { startServe } from './helpers.ts';

const textOf = (result: unknown): string => ((result as { content: { text: string }[] }).content ?? []).map((c) => c.text).join('');

describe('serve admission control', () => {
  it('answers SANDBOX_BUSY when every sandbox is taken and the queue is full, and serves again after', async () => {
    const served = await startServe(['--max-workers', '1', '--slots-per-worker', '1', '--queue-length', '0']);
    const client = new Client({ name: 'e2e-pool', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(served.url));
      // The hog never settles and holds its slot until this test cancels it, however slow its
      // type-check is on a loaded machine (a wall-clock limit would also cover the check, and could
      // end it before it ever held the slot).
      const cancelHog = new AbortController();
      let hogEnded = '';
      let hog!: Promise<string>;
      const startHog = (): void => {
        hogEnded = '';
        hog = client
          .callTool({ name: 'execute_code', arguments: { code: 'await new Promise(() => {});\nexport default 1;', timeoutMs: 600_000 } }, undefined, {
            signal: cancelHog.signal,
            timeout: 600_000,
          })
          .then(
            (answer) => (hogEnded = `answered: ${textOf(answer)}`),
            (error: unknown) => (hogEnded = `rejected: ${String(error)}`),
          );
      };
      startHog();
      // Until the hog holds the only slot (it is type-checked first, while probes may be checked on
      // the other checker process), a probe may get it, and then the hog itself is refused: it is
      // sent again. Once it holds the slot, probes are refused.
      let busy = '';
      for (const end = Date.now() + 90_000; Date.now() < end && !busy.includes('SANDBOX_BUSY'); ) {
        if (hogEnded.includes('SANDBOX_BUSY')) startHog();
        expect(hogEnded, 'the hog must hold its slot until it is cancelled').toBe('');
        busy = textOf(await client.callTool({ name: 'execute_code', arguments: { code: 'export default 2;' } }));
      }
      expect(busy).toContain('SANDBOX_BUSY');
      expect(hogEnded, 'the hog must hold its slot until it is cancelled').toBe('');
      // Cancelling the hog gives its slot back.
      cancelHog.abort();
      expect(await hog).toMatch(/^rejected: .*abort/i);
      // The worker confirms the cancel asynchronously: a run sent at once may still find the slot taken.
      let after = await client.callTool({ name: 'execute_code', arguments: { code: 'export default 40 + 2;' } });
      for (const end = Date.now() + 30_000; textOf(after).includes('SANDBOX_BUSY') && Date.now() < end; ) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        after = await client.callTool({ name: 'execute_code', arguments: { code: 'export default 40 + 2;' } });
      }
      expect(after.isError).toBeFalsy();
      expect(textOf(after)).toContain('42');
    } finally {
      await client.close();
      served.child.kill();
    }
  }, 180_000);
});
