/**
 * Scoring of the evaluation (issue 20): a labelled value is caught when neither the value nor its
 * letters and digits alone remain in the masked text; a hard negative is a false positive when its
 * text does not come out of masking verbatim.
 */
import { type EvalKind, type EvalLocale, type EvalSample, type NegativeKind, evalKinds } from './corpus.ts';

/** The text with everything but letters and digits removed, lowercased. */
export const lettersAndDigits = (text: string): string => text.replaceAll(/[^\p{L}\p{N}]/gu, '').toLowerCase();

/** True when `value` no longer shows in `masked`, neither as written nor as its letters and digits. */
export function isCaught(value: string, masked: string): boolean {
  return !masked.includes(value) && !lettersAndDigits(masked).includes(lettersAndDigits(value));
}

/** True when the negative's text did not survive masking verbatim. */
export function isFalsePositive(negative: string, masked: string): boolean {
  return !masked.includes(negative);
}

export interface Tally {
  total: number;
  hit: number;
}
export const rate = (t: Tally): number => (t.total === 0 ? Number.NaN : t.hit / t.total);

export interface Miss {
  locale: EvalLocale;
  carrier: string;
  kind: string;
  value: string;
  /** The masked text near where the value stood (offsets shift as placeholders replace values). */
  masked: string;
}

export interface EvalScore {
  /** Caught values per kind, all locales. */
  byKind: Record<EvalKind, Tally>;
  /** Caught values per locale and kind. */
  byLocale: Record<string, Record<EvalKind, Tally> & { all: Tally }>;
  all: Tally;
  /** Negatives changed (hit = false positives). */
  negatives: Tally;
  negativesByKind: Partial<Record<NegativeKind, Tally>>;
  misses: Miss[];
  falsePositives: Miss[];
  /** Wall-clock milliseconds spent masking. */
  ms: number;
  /** Samples the masker threw on (counted as nothing masked). */
  errors: number;
}

const emptyKinds = (): Record<EvalKind, Tally> => Object.fromEntries(evalKinds.map((k) => [k, { total: 0, hit: 0 }])) as Record<EvalKind, Tally>;

// The masked text from a bit before where the span at `at` in `text` stood: anchored on the longest
// stretch of text just before the span that survived masking, else on the same offset.
function around(text: string, masked: string, at: number): string {
  let start = Math.max(0, at - 30);
  for (let length = Math.min(30, at); length >= 4; length--) {
    const found = masked.indexOf(text.slice(at - length, at));
    if (found !== -1) {
      start = found;
      break;
    }
  }
  return masked.slice(start, start + 90).replaceAll(/\s+/g, ' ');
}

/** Masks every sample with `mask` and scores the results. */
export function scoreCorpus(samples: readonly EvalSample[], mask: (text: string) => string): EvalScore {
  const result: EvalScore = { byKind: emptyKinds(), byLocale: {}, all: { total: 0, hit: 0 }, negatives: { total: 0, hit: 0 }, negativesByKind: {}, misses: [], falsePositives: [], ms: 0, errors: 0 };
  for (const sample of samples) {
    const start = performance.now();
    let masked: string;
    try {
      masked = mask(sample.text);
    } catch {
      masked = sample.text;
      result.errors++;
    }
    result.ms += performance.now() - start;
    const locale = (result.byLocale[sample.locale] ??= { ...emptyKinds(), all: { total: 0, hit: 0 } });
    for (const v of sample.values) {
      const caught = isCaught(v.value, masked);
      for (const t of [result.byKind[v.kind], locale[v.kind], locale.all, result.all]) {
        t.total++;
        if (caught) t.hit++;
      }
      if (!caught) result.misses.push({ locale: sample.locale, carrier: sample.carrier, kind: v.kind, value: v.value, masked: around(sample.text, masked, v.start) });
    }
    for (const n of sample.negatives) {
      const changed = isFalsePositive(n.value, masked);
      const byKind = (result.negativesByKind[n.kind] ??= { total: 0, hit: 0 });
      for (const t of [result.negatives, byKind]) {
        t.total++;
        if (changed) t.hit++;
      }
      if (changed) result.falsePositives.push({ locale: sample.locale, carrier: sample.carrier, kind: n.kind, value: n.value, masked: around(sample.text, masked, n.start) });
    }
  }
  return result;
}
