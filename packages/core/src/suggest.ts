import { distance } from 'fastest-levenshtein';

/**
 * The names closest to `wanted`, for "did you mean" in errors: those within a small edit distance
 * (a typo) or containing it (or contained in it), nearest first, at most `max`. Bounded: names and
 * `wanted` are compared only up to 100 characters, and only the first 10,000 names are looked at.
 */
export function suggest(wanted: string, names: Iterable<string>, max = 3): string[] {
  const target = wanted.toLowerCase().slice(0, 100);
  if (target === '') return [];
  const scored: { name: string; score: number }[] = [];
  let seen = 0;
  for (const name of names) {
    if (++seen > 10_000) break;
    const candidate = name.toLowerCase().slice(0, 100);
    if (candidate === target) continue;
    const edits = distance(target, candidate);
    const budget = Math.max(1, Math.floor(Math.max(target.length, candidate.length) / 3));
    const contains = target.length >= 3 && (candidate.includes(target) || (candidate.length >= 3 && target.includes(candidate)));
    if (edits <= budget || contains) scored.push({ name, score: contains ? Math.min(edits, budget) : edits });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name);
}

/** ` Did you mean "a" or "b"?` (with a leading space), or '' when nothing is close. */
export function didYouMean(wanted: string, names: Iterable<string>): string {
  const near = suggest(wanted, names);
  if (near.length === 0) return '';
  const quoted = near.map((n) => `"${n}"`);
  return ` Did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`}?`;
}

/** The name nearest to `wanted` by edit distance, however far (ties: alphabetical); undefined when there are none. Bounded like {@link suggest}. */
export function nearest(wanted: string, names: Iterable<string>): string | undefined {
  const target = wanted.toLowerCase().slice(0, 100);
  let best: { name: string; edits: number } | undefined;
  let seen = 0;
  for (const name of names) {
    if (++seen > 10_000) break;
    const edits = distance(target, name.toLowerCase().slice(0, 100));
    if (!best || edits < best.edits || (edits === best.edits && name.localeCompare(best.name) < 0)) best = { name, edits };
  }
  return best?.name;
}
