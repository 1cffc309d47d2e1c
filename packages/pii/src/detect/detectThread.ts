// Entry of the detection thread (offThread.ts): one task is one text. It holds a copy of the raw
// values of each vault it was sent (appended as the vault grows), so that a large text is searched
// for known values here too, without sending the whole vault every time.
import type { PiiVault, VaultEntry } from '../vault/vault.ts';
import { type Detector, type DetectorOptions, createDetector } from './detector.ts';
import { findSpans } from './find.ts';
import { KnownValues } from './known.ts';

/** The raw values of a vault the thread is sent: `entries` continue its copy from index `from`. */
export interface VaultDelta {
  key: number;
  generation: number;
  from: number;
  entries: (Pick<VaultEntry, 'kind' | 'value' | 'placeholder'> & { normalized: string })[];
}

export interface DetectTask {
  text: string;
  detector: DetectorOptions;
  vault?: VaultDelta;
}

/** What came back: the spans, or a request for the vault's values from the start (the copy was lost). */
export type DetectReply =
  | { resync: true }
  | {
      resync?: false;
      tokens: { length: number; starts: Int32Array<ArrayBuffer>; ends: Int32Array<ArrayBuffer>; types: Uint8Array<ArrayBuffer>; fieldIds: Uint16Array<ArrayBuffer>; rules: number[] };
      candidates: ReturnType<typeof findSpans>['candidates'];
      fields: Int32Array<ArrayBuffer>;
      fieldCount: number;
    };

/** A vault as {@link KnownValues} reads it: the values copied so far. */
class VaultCopy {
  readonly entries: VaultDelta['entries'] = [];
  constructor(readonly generation: number) {}
  get size(): number {
    return this.entries.length;
  }
  entriesFrom(index: number): VaultDelta['entries'] {
    return this.entries.slice(index);
  }
}

// The vaults last used, least recently used first; one that falls out is sent again whole.
const maxCopies = 32;
const copies = new Map<number, { copy: VaultCopy; known: KnownValues }>();
const detectors = new Map<string, Detector>();

function detectorFor(options: DetectorOptions): Detector {
  const key = JSON.stringify(options, (_key, value: unknown) => (value instanceof RegExp ? `/${value.source}/${value.flags}` : value));
  let detector = detectors.get(key);
  if (!detector) {
    detector = createDetector(options);
    detectors.set(key, detector);
    if (detectors.size > maxCopies) detectors.delete(detectors.keys().next().value!);
  }
  return detector;
}

function knownFor(delta: VaultDelta): KnownValues | undefined {
  let held = copies.get(delta.key);
  if (delta.from === 0) {
    const copy = new VaultCopy(delta.generation);
    held = { copy, known: new KnownValues(copy as unknown as PiiVault) };
  } else if (!held || held.copy.generation !== delta.generation || held.copy.size !== delta.from) {
    // This thread started after the values before `from` were sent, or dropped its copy.
    return undefined;
  }
  for (const entry of delta.entries) held.copy.entries.push(entry);
  copies.delete(delta.key);
  copies.set(delta.key, held);
  if (copies.size > maxCopies) copies.delete(copies.keys().next().value!);
  return held.known;
}

export default function detectTask(task: DetectTask): DetectReply {
  const detector = detectorFor(task.detector);
  let known: KnownValues | undefined;
  if (task.vault) {
    known = knownFor(task.vault);
    if (!known) return { resync: true };
  }
  const spans = findSpans(task.text, detector, known ? { known } : {});
  const { tokens } = spans;
  return {
    tokens: {
      length: tokens.length,
      starts: tokens.starts.slice(0, tokens.length),
      ends: tokens.ends.slice(0, tokens.length),
      types: tokens.types.slice(0, tokens.length),
      fieldIds: tokens.fieldIds.slice(0, tokens.length),
      rules: tokens.rules.map((rule) => detector.fields.rules.indexOf(rule)),
    },
    candidates: spans.candidates,
    fields: spans.fields.slice(0, spans.fieldCount),
    fieldCount: spans.fieldCount,
  };
}
