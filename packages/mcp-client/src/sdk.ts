// The MCP SDK half of the client, loaded on the first connection (see connection.ts).
import type { ChildProcess } from 'node:child_process';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export { Client } from '@modelcontextprotocol/sdk/client/index.js';
export { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
export { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
export { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/**
 * Keeps hold of the child process: the SDK drops its reference as soon as a close begins, before
 * the child is gone (and never finishes that close when initialize failed and we exit).
 */
export class TrackedStdioTransport extends StdioClientTransport {
  child: ChildProcess | undefined;

  override async start(): Promise<void> {
    await super.start();
    // The SDK (pinned) keeps the ChildProcess in `_process`; a test guards this assumption.
    this.child = (this as unknown as { _process?: ChildProcess })._process;
  }

  /** SIGKILLs the child if it still runs: the backstop that keeps a broken server from outliving us. */
  killIfAlive(): void {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
