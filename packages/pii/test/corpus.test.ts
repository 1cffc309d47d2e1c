import { expect, it } from 'vitest';
import { createDetector } from '../src/index.ts';
import { corpusFields, loadCorpus, score } from './corpus/score.ts';

it('meets recall ≥ 0.98 and precision ≥ 0.95 on the labelled corpus', () => {
  const corpus = loadCorpus();
  const positives = corpus.filter((s) => s.entities.length > 0);
  expect(positives.length).toBeGreaterThanOrEqual(300);
  expect(corpus.length - positives.length).toBeGreaterThanOrEqual(300);
  const detector = createDetector({ fields: corpusFields });
  const { overall, byKind, misses, falseAlarms } = score(corpus, (text) => detector.detect(text));
  const lines = [...byKind].map(([kind, s]) => `${kind.padEnd(8)} P=${s.precision.toFixed(3)} R=${s.recall.toFixed(3)} (tp ${s.tp}, fp ${s.fp}, fn ${s.fn})`);
  process.stdout.write(`\nPII corpus, per kind:\n${lines.join('\n')}\noverall P=${overall.precision.toFixed(3)} R=${overall.recall.toFixed(3)}\n`);
  for (const kind of ['EMAIL', 'PHONE', 'CARD', 'SSN', 'IBAN', 'IP', 'SECRET', 'NAME', 'ADDRESS', 'DOB', 'PASSPORT', 'DRIVER_LICENSE']) expect(byKind.get(kind)?.tp, kind).toBeGreaterThan(0);
  expect(overall.recall, misses.join('\n')).toBeGreaterThanOrEqual(0.98);
  expect(overall.precision, falseAlarms.join('\n')).toBeGreaterThanOrEqual(0.95);
});
