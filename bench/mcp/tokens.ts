// Token counting: o200k (gpt-tokenizer) for the main figures, Anthropic's tokenizer package as the
// labelled secondary, and characters so any other tokenizer can be checked against the output.
import { countTokens as claudeCount } from '@anthropic-ai/tokenizer';
import { countTokens as o200kCount } from 'gpt-tokenizer/encoding/o200k_base';

export const primaryTokenizer = 'o200k_base (gpt-tokenizer 4.0.0)';
export const secondaryTokenizer = '@anthropic-ai/tokenizer 0.0.4 (the legacy Claude BPE; an approximation for current Claude models)';

/** One piece of text that enters the model's context. */
export interface Piece {
  /** What the piece is: "definitions", "call filesystem/read_text_file args", ... */
  label: string;
  text: string;
}

/** Token and character counts of a list of pieces; each piece is counted on its own and summed. */
export interface Counts {
  tokens: number;
  secondaryTokens: number;
  chars: number;
}

const cache = new Map<string, { o: number; c: number }>();

function count(text: string, secondary: boolean): { o: number; c: number } {
  const hit = cache.get(text);
  if (hit && (!secondary || hit.c >= 0)) return hit;
  const value = { o: hit?.o ?? o200kCount(text), c: secondary ? claudeCount(text) : -1 };
  if (text.length < 200_000) cache.set(text, value);
  return value;
}

/** Counts pieces with both tokenizers (the secondary only when `secondary` is set). */
export function countPieces(pieces: readonly Piece[], secondary = true): Counts {
  let tokens = 0;
  let secondaryTokens = 0;
  let chars = 0;
  for (const piece of pieces) {
    const c = count(piece.text, secondary);
    tokens += c.o;
    secondaryTokens += secondary ? c.c : 0;
    chars += piece.text.length;
  }
  return { tokens, secondaryTokens, chars };
}
