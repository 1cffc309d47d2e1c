import type { McpClient } from '@magsag/mcp-client';

/** What `magsag call` prints: the text for a terminal, the MCP result for `--json`, both masked. */
export interface CallAnswer {
  text: string;
  result: unknown;
  isError: boolean;
}

/**
 * Calls one tool and masks what comes back: the JSON of the whole result is masked as one text (the
 * masker keeps JSON valid), and the terminal text is the masked result's text blocks, with other
 * blocks (images, audio, resources) named by type and size instead of printed.
 */
export async function callOnce(client: McpClient, mask: (text: string) => string, server: string, tool: string, args: Record<string, unknown>): Promise<CallAnswer> {
  const raw = await client.callTool(server, tool, args);
  const maskedJson = mask(JSON.stringify(raw));
  let result: unknown;
  try {
    result = JSON.parse(maskedJson);
  } catch {
    // A masker that broke the JSON: keep the masked text, never the raw result.
    result = { masked: maskedJson };
  }
  const content = (result as { content?: unknown }).content;
  const lines: string[] = [];
  if (Array.isArray(content)) {
    for (const block of content as { type?: unknown; text?: unknown; data?: unknown; mimeType?: unknown; resource?: { uri?: unknown; text?: unknown } }[]) {
      if (block.type === 'text' && typeof block.text === 'string') lines.push(block.text);
      else if (block.type === 'resource' && typeof block.resource?.text === 'string') lines.push(block.resource.text);
      else {
        const size = typeof block.data === 'string' ? `, ${Math.floor((block.data.length * 3) / 4)} bytes` : '';
        lines.push(`[${String(block.type)}${typeof block.mimeType === 'string' ? ` ${block.mimeType}` : ''}${size}]`);
      }
    }
  }
  const structured = (result as { structuredContent?: unknown }).structuredContent;
  if (lines.length === 0 && structured !== undefined) lines.push(JSON.stringify(structured, null, 2));
  if (lines.length === 0) lines.push(JSON.stringify(result, null, 2));
  return { text: lines.join('\n'), result, isError: (result as { isError?: unknown }).isError === true };
}
