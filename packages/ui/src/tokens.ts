// o200k_base (gpt-tokenizer), loaded on the first count: its tables are a few MB, and a page that
// never asks for a count never pays for them.
let counter: Promise<(text: string) => number> | undefined;

/** Tokens of `text` in o200k_base, the GPT-4o / o-series encoding the benchmarks count with. */
export async function countTokens(text: string): Promise<number> {
  counter ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => m.countTokens);
  return (await counter)(text);
}
