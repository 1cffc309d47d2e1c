// The mechanics of the generated evaluation in `pnpm bench:pii` (bench/piiEval/): the corpus and the
// scoring rule. Its figures are the bench's business; no test here asserts a recall.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PiiVault, maskText } from '@magsag/pii';
import { type EvalSample, evalKinds, evalLocales, generateCorpus, heldoutNegativeKinds, luhnPasses, negativeKinds } from '../../../bench/piiEval/corpus.ts';
import { heldoutDobCues, heldoutTemplates } from '../../../bench/piiEval/heldoutTemplates.ts';
import { evalOptionsFromArgs } from '../../../bench/piiEval/index.ts';
import { isCaught, isFalsePositive, scoreCorpus } from '../../../bench/piiEval/score.ts';
import { dobCues } from '../../../bench/piiEval/templates.ts';

const corpus = generateCorpus();

describe('evaluation corpus', () => {
  it('is the same for the same seed and differs for another', () => {
    const small = { perKind: 3, negativesPerLocale: 4 };
    const a = generateCorpus({ ...small, seed: 7 });
    expect(generateCorpus({ ...small, seed: 7 })).toEqual(a);
    expect(generateCorpus({ ...small, seed: 8 })).not.toEqual(a);
    expect(generateCorpus()).toEqual(corpus);
  });

  it('labels every value and negative at its offsets, once in its text', () => {
    for (const sample of corpus) {
      for (const span of [...sample.values, ...sample.negatives]) {
        expect(sample.text.slice(span.start, span.end)).toBe(span.value);
        expect(sample.text.split(span.value)).toHaveLength(2);
      }
    }
  });

  it('has every locale with every kind, and every kind of negative', () => {
    for (const locale of evalLocales) {
      const kinds = new Set(corpus.filter((s) => s.locale === locale).flatMap((s) => s.values.map((v) => v.kind)));
      expect([...kinds].sort()).toEqual([...evalKinds].sort());
    }
    expect(new Set(corpus.flatMap((s) => s.negatives.map((n) => n.kind)))).toEqual(new Set(negativeKinds));
  });

  it('has only Luhn-valid card numbers and DOBs after a birth cue', () => {
    for (const v of corpus.flatMap((s) => s.values.filter((x) => x.kind === 'CARD'))) expect(luhnPasses(v.value.replaceAll(/\D/g, ''))).toBe(true);
    for (const sample of corpus.filter((s) => s.carrier.startsWith('prose.'))) {
      for (const v of sample.values.filter((x) => x.kind === 'DOB')) expect(dobCues[sample.locale].some((cue) => sample.text.slice(0, v.start).trimEnd().endsWith(cue))).toBe(true);
    }
  });
});

describe('held-out evaluation corpus', () => {
  const heldout = generateCorpus({ set: 'heldout' });

  it('is the same for the same seed, differs for another, and shares no text or id with the development set', () => {
    const small = { set: 'heldout', perKind: 3, negativesPerLocale: 4 } as const;
    const a = generateCorpus({ ...small, seed: 7 });
    expect(generateCorpus({ ...small, seed: 7 })).toEqual(a);
    expect(generateCorpus({ ...small, seed: 8 })).not.toEqual(a);
    expect(generateCorpus({ set: 'heldout' })).toEqual(heldout);
    expect(generateCorpus({ set: 'dev' })).toEqual(corpus);
    const devTexts = new Set(corpus.map((s) => s.text));
    const devIds = new Set(corpus.map((s) => s.id));
    for (const sample of heldout) {
      expect(devTexts.has(sample.text)).toBe(false);
      expect(devIds.has(sample.id)).toBe(false);
    }
    expect(new Set(heldout.map((s) => s.id)).size).toBe(heldout.length);
  });

  it('uses only its own carriers, every one of them in every locale', () => {
    for (const sample of heldout) expect(sample.carrier).toMatch(/^ho\./);
    const devCarriers = new Set(corpus.map((s) => s.carrier));
    for (const locale of evalLocales) {
      const used = new Set(heldout.filter((s) => s.locale === locale).map((s) => s.carrier));
      for (const template of heldoutTemplates(locale)) {
        expect(devCarriers.has(template.id)).toBe(false);
        expect(used.has(template.id), `${locale} ${template.id}`).toBe(true);
      }
    }
  });

  it('labels every value and negative at its offsets, once in its text', () => {
    for (const sample of heldout) {
      for (const span of [...sample.values, ...sample.negatives]) {
        expect(sample.text.slice(span.start, span.end)).toBe(span.value);
        expect(sample.text.split(span.value)).toHaveLength(2);
      }
    }
  });

  it('has every locale with every kind, at least 22 of each, negatives in every locale, and every kind of negative', () => {
    for (const locale of evalLocales) {
      const ofLocale = heldout.filter((s) => s.locale === locale);
      for (const kind of evalKinds) expect(ofLocale.flatMap((s) => s.values).filter((v) => v.kind === kind).length, `${locale} ${kind}`).toBeGreaterThanOrEqual(22);
      expect(ofLocale.filter((s) => s.values.length === 0 && s.negatives.length > 0).length).toBeGreaterThanOrEqual(36);
    }
    expect(new Set(heldout.flatMap((s) => s.negatives.map((n) => n.kind)))).toEqual(new Set(heldoutNegativeKinds));
  });

  it('has only Luhn-valid card numbers and, in prose, DOBs after one of its birth cues', () => {
    for (const v of heldout.flatMap((s) => s.values.filter((x) => x.kind === 'CARD'))) expect(luhnPasses(v.value.replaceAll(/\D/g, ''))).toBe(true);
    const prose = heldout.filter((s) => s.carrier.startsWith('ho.prose.') && s.values.some((v) => v.kind === 'DOB'));
    expect(prose.length).toBeGreaterThan(0);
    for (const sample of prose) {
      for (const v of sample.values.filter((x) => x.kind === 'DOB')) expect(heldoutDobCues[sample.locale].some((cue) => sample.text.slice(0, v.start).trimEnd().endsWith(cue.trimEnd()))).toBe(true);
    }
  });

  it('can be chosen for --write-corpus with --set', () => {
    expect(evalOptionsFromArgs(['--write-corpus', 'x.jsonl', '--set', 'heldout']).corpusSet).toBe('heldout');
    expect(evalOptionsFromArgs(['--write-corpus', 'x.jsonl']).corpusSet).toBeUndefined();
    expect(() => evalOptionsFromArgs(['--set', 'test'])).toThrow(/--set/);
  });
});

describe('evaluation independence', () => {
  it('leaves faker out of @magsag/pii: no dependency, no import in its sources', () => {
    const pkg = path.resolve(import.meta.dirname, '..');
    expect(readFileSync(path.join(pkg, 'package.json'), 'utf8')).not.toMatch(/faker/i);
    const sources = readdirSync(path.join(pkg, 'src'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    expect(sources.length).toBeGreaterThan(0);
    for (const file of sources) expect(readFileSync(path.join(pkg, 'src', file), 'utf8'), file).not.toMatch(/faker|piiEval/i);
  });
});

describe('evaluation scoring', () => {
  const text = 'Ticket for Zorblax Quintavelle, callback +49 30 7654321, build 1.10.2.0 on localhost:5432.';
  const sample: EvalSample = {
    id: 't',
    locale: 'de',
    carrier: 'prose.ticket',
    text,
    values: [
      { kind: 'NAME', value: 'Zorblax Quintavelle', start: text.indexOf('Zorblax'), end: text.indexOf('Zorblax') + 19 },
      { kind: 'PHONE', value: '+49 30 7654321', start: text.indexOf('+49'), end: text.indexOf('+49') + 14 },
    ],
    negatives: [
      { kind: 'version', value: '1.10.2.0', start: text.indexOf('1.10'), end: text.indexOf('1.10') + 8 },
      { kind: 'port', value: 'localhost:5432', start: text.indexOf('localhost'), end: text.indexOf('localhost') + 14 },
    ],
  };

  it('counts a value the real masker replaced as caught', () => {
    // A vault that already holds the value masks it wherever it appears, whatever the detectors do.
    const vault = PiiVault.memory();
    vault.tokenize({ kind: 'NAME', value: 'Zorblax Quintavelle' });
    const masked = maskText(text, { vault }).masked;
    expect(masked).not.toContain('Zorblax');
    expect(isCaught('Zorblax Quintavelle', masked)).toBe(true);
    const score = scoreCorpus([sample], (t) => maskText(t, { vault }).masked);
    expect(score.byKind.NAME).toEqual({ total: 1, hit: 1 });
  });

  it('counts a value left as written, or left as its letters and digits alone, as missed', () => {
    expect(isCaught('+49 30 7654321', text)).toBe(false);
    expect(isCaught('+49 30 7654321', 'callback 49307654321, thanks')).toBe(false);
    expect(isCaught('Zorblax Quintavelle', 'for zorblax-quintavelle')).toBe(false);
    expect(isCaught('+49 30 7654321', 'callback +49 30 [PHONE_1]')).toBe(true);
    const score = scoreCorpus([sample], (t) => t.replace('+49 30 7654321', '49307654321'));
    expect(score.byKind.PHONE).toEqual({ total: 1, hit: 0 });
    expect(score.byKind.NAME).toEqual({ total: 1, hit: 0 });
    expect(score.misses.map((m) => m.value)).toEqual(['Zorblax Quintavelle', '+49 30 7654321']);
  });

  it('counts a negative whose text changed at all as a false positive', () => {
    expect(isFalsePositive('1.10.2.0', text)).toBe(false);
    const score = scoreCorpus([sample], (t) => t.replace('1.10.2.0', '[IP_1]').replace('localhost:5432', 'localhost:[PHONE_1]'));
    expect(score.negatives).toEqual({ total: 2, hit: 2 });
    const untouched = scoreCorpus([sample], (t) => t.replace('Zorblax Quintavelle', '[NAME_1]'));
    expect(untouched.negatives).toEqual({ total: 2, hit: 0 });
    expect(untouched.byKind.NAME).toEqual({ total: 1, hit: 1 });
  });

  it('counts a masker that throws as having masked nothing', () => {
    const score = scoreCorpus([sample], () => {
      throw new Error('boom');
    });
    expect(score.errors).toBe(1);
    expect(score.all).toEqual({ total: 2, hit: 0 });
  });
});
