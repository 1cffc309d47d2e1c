import type { MagsagError, RunContext } from '@magsag/core';
import type { ContentBlock } from '@modelcontextprotocol/sdk/types.js';

/** A tool call on its way to a server. */
export interface ToolCall {
  server: string;
  tool: string;
  args: Record<string, unknown>;
  context: RunContext;
}

/** What a tool returned, as the whole project sees it. */
export interface ToolCallResult {
  content: ContentBlock[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/**
 * A hook on the one call path. `beforeCall` may return new arguments (the PII package swaps
 * placeholders back for raw values here) or throw to refuse the call; `afterCall` may return a new
 * result (the PII package tokenizes personal data here). Both see the run's context. `afterCall`
 * runs before an `isError` result becomes a `TOOL_ERROR`, so error text is filtered too; `onError`
 * sees every other failure.
 */
export interface ToolCallMiddleware {
  name: string;
  beforeCall?(call: ToolCall): Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
  afterCall?(result: ToolCallResult, call: ToolCall): Promise<ToolCallResult | void> | ToolCallResult | void;
  /**
   * Sees every `MagsagError` a call ends with (a JSON-RPC error, a crashed server's stderr, a refused
   * argument) and may return a replacement, which is thrown instead.
   */
  onError?(error: MagsagError, call: ToolCall): Promise<MagsagError | void> | MagsagError | void;
}
