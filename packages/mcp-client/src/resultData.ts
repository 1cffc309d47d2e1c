import type { ToolCallResult } from './middleware.ts';

/**
 * What a generated module returns for a tool result: its `structuredContent` when present, else the
 * JSON of a single text block when it parses, else the text (text blocks joined by newlines), else
 * the content blocks themselves (images, resources). The guest runtime applies the same rule.
 */
export function toolResultData(result: ToolCallResult): unknown {
  if (result.structuredContent !== undefined) return result.structuredContent;
  const blocks = result.content;
  if (blocks.length > 0 && blocks.every((block) => block.type === 'text')) {
    const texts = blocks.map((block) => (block as { text: string }).text);
    if (texts.length === 1) {
      const text = texts[0]!;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    }
    return texts.join('\n');
  }
  return blocks.length === 0 ? '' : blocks;
}
