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
      // Its wall-clock limit also covers its type-check, which a loaded machine can make slow: long
      // enough that it surely holds the slot for a while.
      const hog = client.callTool({ name: 'execute_code', arguments: { code: 'await new Promise(() => {});\nexport default 1;', timeoutMs: 20_000 } });
      // Until the hog holds the only slot (it is type-checked first, while probes may be checked on
      // the other checker process), a probe may still get it; once it does, probes are refused.
      let busy = '';
      for (const end = Date.now() + 60_000; Date.now() < end && !busy.includes('SANDBOX_BUSY'); ) {
        busy = textOf(await client.callTool({ name: 'execute_code', arguments: { code: 'export default 2;' } }));
      }
      expect(busy).toContain('SANDBOX_BUSY');
      expect(textOf(await hog)).toContain('SANDBOX_TIMEOUT');
      const after = await client.callTool({ name: 'execute_code', arguments: { code: 'export default 40 + 2;' } });
      expect(after.isError).toBeFalsy();
      expect(textOf(after)).toContain('42');
    } finally {
      await client.close();
      served.child.kill();
    }
  });
});
