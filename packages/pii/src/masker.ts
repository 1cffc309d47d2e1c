import { type Detector, createDetector } from './detect/detector.ts';
import { type OnReplaced, defaultMaxMaskChars, findInText, replaceSpans, withheldText } from './tokenize.ts';
import { type ThreadSpans, findOffThread } from './detect/offThread.ts';
import type { Candidate } from './detect/rules.ts';
import { PiiVault } from './vault/vault.ts';

/** What the runner's model view takes: text in, masked text out. */
export interface Masker {
  mask(text: string): string;
  /**
   * Finds what to mask in long texts on the detection thread; a later {@link mask} of the same text
   * uses it (unless the vault gained values in between). Shorter texts are left to `mask`.
   */
  prepare?(texts: readonly string[]): Promise<void>;
}

/** One masked span. `start`/`end` are UTF-16 offsets in the ORIGINAL text. */
export interface MaskFinding {
  kind: string;
  placeholder: string;
  start: number;
  end: number;
}

/** The result of {@link maskText}. */
export interface MaskTextResult {
  masked: string;
  findings: MaskFinding[];
}

/** Options for {@link maskText} and {@link createMasker}. */
export interface MaskOptions {
  /** @default a detector with the built-in rules */
  detector?: Detector;
  /**
   * The vault whose placeholders are reused and whose raw values are masked wherever they appear.
   * @default a fresh in-memory vault per call (placeholders numbered from 1)
   */
  vault?: PiiVault;
  /**
   * A longer text is withheld whole instead of masked.
   * @default defaultMaxMaskChars
   */
  maxChars?: number;
}

/**
 * The origin recorded for values first seen by the masker (not returned by any server). No
 * policy names it, so such values can never be untokenized toward a server.
 */
export const maskerOrigin = 'magsag:output';

let sharedDetector: Detector | undefined;
function defaultDetector(): Detector {
  sharedDetector ??= createDetector();
  return sharedDetector;
}

/**
 * Masks personal data in text: detector findings plus every raw value the vault holds. Returns
 * the masked text and what was replaced, with offsets in the original text. This is the function
 * behind `magsag pii mask`.
 */
export function maskText(text: string, options: MaskOptions = {}): MaskTextResult {
  const findings: MaskFinding[] = [];
  const masked = maskSpans(text, options, (kind, placeholder, start, end) => findings.push({ kind, placeholder, start, end }));
  return { masked, findings };
}

function maskSpans(text: string, options: MaskOptions, onReplaced?: OnReplaced): string {
  const detector = options.detector ?? defaultDetector();
  const vault = options.vault ?? PiiVault.memory();
  const maxChars = options.maxChars ?? defaultMaxMaskChars;
  if (text.length > maxChars) return withheldText(text.length, maxChars);
  return replaceSpans(text, findInText(text, detector, vault), placeholderIn(vault), onReplaced);
}

/** The placeholder of a masked value: a known value's own, or a new one first seen by the masker. */
function placeholderIn(vault: PiiVault): (candidate: Candidate) => string {
  return (candidate) => (candidate.rule === 'vault' ? candidate.normalized! : vault.tokenize({ kind: candidate.kind, value: candidate.value, normalized: candidate.normalized, server: maskerOrigin }));
}

/** A {@link Masker} for the model view, CLI output and `serve` responses (the second guard). */
export function createMasker(options: MaskOptions = {}): Masker {
  const vault = options.vault ?? PiiVault.memory();
  const detector = options.detector ?? defaultDetector();
  const maxChars = options.maxChars ?? defaultMaxMaskChars;
  // Found ahead on the detection thread, kept for this masker's life (a run's output is masked for
  // its record, its model view and the CLI's answer); valid while the vault has no new values.
  const prepared = new Map<string, ThreadSpans>();
  return {
    mask: (text) => {
      const found = prepared.get(text);
      if (found !== undefined && found.vaultSize === vault.size) return replaceSpans(text, found.spans, placeholderIn(vault));
      return maskSpans(text, { detector, vault, maxChars });
    },
    prepare: async (texts) => {
      for (const text of texts) {
        if (text.length > maxChars || prepared.has(text)) continue;
        const found = await findOffThread(text, detector, vault);
        if (found) prepared.set(text, found);
      }
    },
  };
}
