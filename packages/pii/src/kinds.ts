/**
 * Placeholder kinds the built-in detectors produce (NAME and ADDRESS also in free text, since issue
 * 20); field rules produce whatever kind they are configured with (the defaults use NAME, ADDRESS,
 * DOB, PASSPORT, DRIVER_LICENSE and SECRET).
 */
export const builtinKinds = ['EMAIL', 'PHONE', 'CARD', 'SSN', 'IBAN', 'IP', 'SECRET', 'DOB', 'PASSPORT', 'DRIVER_LICENSE', 'NAME', 'ADDRESS'] as const;

/** Kinds the default field rules use; custom rules may use any upper-case kind. */
export const fieldKinds = ['NAME', 'ADDRESS', 'DOB'] as const;

/** A built-in detector kind. */
export type BuiltinKind = (typeof builtinKinds)[number];

/** A placeholder kind: upper-case letters, digits and `_`, starting with a letter. */
export type PiiKind = string;

/** What a kind must look like (it becomes part of `[KIND_n]`). */
export const kindPattern = /^[A-Z][A-Z0-9_]*$/;

/** Matches every placeholder in a string; group 1 is the kind, group 2 the number. */
export const placeholderPattern = /\[([A-Z][A-Z0-9_]*)_(\d+)\]/g;

/** The placeholder for the `n`-th value of `kind`: `[EMAIL_1]`. */
export function formatPlaceholder(kind: string, n: number): string {
  return `[${kind}_${n}]`;
}

/** The kind and number of a placeholder, or `undefined` when `text` is not exactly one. */
export function parsePlaceholder(text: string): { kind: string; n: number } | undefined {
  const match = /^\[([A-Z][A-Z0-9_]*)_(\d+)\]$/.exec(text);
  return match ? { kind: match[1]!, n: Number(match[2]) } : undefined;
}
