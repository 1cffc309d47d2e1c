/** Scoring shared by the corpus test and `pnpm bench:pii`. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A labelled span: `start`/`end` index `text`. */
export interface LabelledEntity {
  kind: string;
  start: number;
  end: number;
  value: string;
}

/** One corpus line. Negatives have no entities. */
export interface CorpusSample {
  id: string;
  text: string;
  entities: LabelledEntity[];
  note?: string;
}

/** A span some detector reported. */
export interface PredictedSpan {
  kind: string;
  start: number;
  end: number;
}

/** Counts per kind and overall. */
export interface Score {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
}

/** Field rules the corpus assumes (what a server YAML would configure under `pii.fields`). */
export const corpusFields = { name: 'NAME', address: 'ADDRESS', dob: 'DOB' } as const;

/** Loads corpus.jsonl. */
export function loadCorpus(): CorpusSample[] {
  const file = path.join(import.meta.dirname, 'corpus.jsonl');
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CorpusSample);
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }): boolean => a.start < b.end && b.start < a.end;

function finish(c: { tp: number; fp: number; fn: number }): Score {
  const found = c.tp + c.fp;
  const expected = c.tp + c.fn;
  return { ...c, precision: found === 0 ? 1 : c.tp / found, recall: expected === 0 ? 1 : c.tp / expected };
}

/**
 * Entity-level scoring. An expected entity is found when a prediction of the same kind overlaps
 * it; a prediction is a true positive when it overlaps an expected entity of its kind. `kinds`
 * limits scoring to some kinds (entities and predictions of other kinds are ignored).
 */
export function score(
  corpus: readonly CorpusSample[],
  predict: (text: string) => PredictedSpan[],
  kinds?: readonly string[],
): { overall: Score; byKind: Map<string, Score>; misses: string[]; falseAlarms: string[] } {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const bump = (kind: string, field: 'tp' | 'fp' | 'fn'): void => {
    const c = counts.get(kind) ?? { tp: 0, fp: 0, fn: 0 };
    c[field]++;
    counts.set(kind, c);
  };
  const misses: string[] = [];
  const falseAlarms: string[] = [];
  const keep = (kind: string): boolean => kinds === undefined || kinds.includes(kind);
  for (const sample of corpus) {
    const predictions = predict(sample.text).filter((p) => keep(p.kind));
    const expected = sample.entities.filter((entity) => keep(entity.kind));
    for (const entity of expected) {
      if (predictions.some((p) => p.kind === entity.kind && overlaps(p, entity))) bump(entity.kind, 'tp');
      else {
        bump(entity.kind, 'fn');
        misses.push(`${sample.id} ${entity.kind} ${JSON.stringify(entity.value)}`);
      }
    }
    for (const p of predictions) {
      if (!expected.some((entity) => entity.kind === p.kind && overlaps(p, entity))) {
        bump(p.kind, 'fp');
        falseAlarms.push(`${sample.id} ${p.kind} ${JSON.stringify(sample.text.slice(p.start, p.end))}`);
      }
    }
  }
  const total = { tp: 0, fp: 0, fn: 0 };
  const byKind = new Map<string, Score>();
  for (const [kind, c] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    total.tp += c.tp;
    total.fp += c.fp;
    total.fn += c.fn;
    byKind.set(kind, finish(c));
  }
  return { overall: finish(total), byKind, misses, falseAlarms };
}
