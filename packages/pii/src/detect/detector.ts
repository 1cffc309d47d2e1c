import { isIP } from 'node:net';
import { MagsagError } from '@magsag/core';
import { kindPattern } from '../kinds.ts';
import { cardValid, ibanValid, luhnValid, ssnValid } from './checksums.ts';
import { FieldMatcher, type FieldRule, defaultPersonalFields, defaultSecretFields, defaultShapedFields, fieldRule } from './fields.ts';
import { capitalNameKeys, looksLikeCapitalName, looksLikeName } from './names.ts';
import { looksLikeAddress } from './addresses.ts';
import { type Candidate, type Rule, builtinRules, newCandidate, priorities, regexRule } from './rules.ts';
import { findCandidates } from './find.ts';
import { documentFieldValidators } from './documents.ts';
import { resolveOverlaps } from './overlaps.ts';

export { resolveOverlaps };
import { decodeJsonString } from './structure.ts';

/** Named validators a custom rule can use from YAML. */
export const validatorNames = ['luhn', 'card', 'iban', 'ssn', 'ip'] as const;
/** A named validator or a function of the matched value. */
export type Validator = (typeof validatorNames)[number] | ((value: string) => boolean);

/** A custom rule: a pattern (its match, or capture `group`, is the value) or a field path. */
export type CustomRule =
  | { id?: string; kind: string; pattern: string | RegExp; flags?: string; group?: number; validator?: Validator }
  | { id?: string; kind: string; field: string; validator?: Validator };

/** How a detector is built; every part is optional. */
export interface DetectorOptions {
  /** Built-in rule ids (`email`, `secret.jwt`, `field.personal`, ...), id prefixes (`secret`) or kinds (`IP`) to switch off. */
  disable?: readonly string[];
  /** Extra rules. */
  rules?: readonly CustomRule[];
  /** Key or dotted key path → kind: values under these keys are masked whatever they look like. */
  fields?: Readonly<Record<string, string>>;
  /**
   * Regions tried for phone numbers written without a country code.
   * @default defaultPhoneRegions
   */
  phoneRegions?: readonly string[];
}

/** One detected value in a text, after overlaps are resolved. Offsets are UTF-16 indices. */
export interface Finding {
  kind: string;
  /** The rule that found it (`email`, `secret.jwt`, `field`, a custom id...). */
  rule: string;
  start: number;
  end: number;
  /** The raw value (JSON-decoded when it came from a JSON string in text). */
  value: string;
  /** The form that makes equal values share a placeholder. */
  normalized: string;
}

function toValidator(validator: Validator | undefined): ((value: string) => boolean) | undefined {
  if (validator === undefined || typeof validator === 'function') return validator;
  switch (validator) {
    case 'luhn':
      return luhnValid;
    case 'card':
      return cardValid;
    case 'iban':
      return ibanValid;
    case 'ssn':
      return ssnValid;
    case 'ip':
      return (value) => isIP(value) !== 0;
  }
}

function checkKind(kind: string, where: string): void {
  if (!kindPattern.test(kind)) {
    throw new MagsagError('CONFIG_INVALID', `Invalid PII kind "${kind}" in ${where}: use upper-case letters, digits and "_", starting with a letter (e.g. EMPLOYEE_ID).`, { data: { kind } });
  }
}

function isDisabled(disable: readonly string[], id: string, kind: string): boolean {
  return disable.some((entry) => entry === id || entry === kind || entry.toUpperCase() === kind || id.startsWith(`${entry}.`));
}


/**
 * Texts up to this long are checked for a rule's `needsAny` literals before its regex runs. On a
 * longer text the check costs more than it saves: `includes` of a literal that starts with a common
 * letter (`earer`, `eyJ`, `sn`) stops at every such letter, while each of these regexes scans the
 * text several times faster (CRM-like JSON: 12 literal checks took longer than the 5 regexes).
 */
const literalCheckMaxChars = 16 * 1024;

function wanted(rule: Rule, text: string): boolean {
  return rule.needsAny === undefined || text.length > literalCheckMaxChars || rule.needsAny.some((literal) => text.includes(literal));
}

/** Finds personal data in text and tells which key paths are personal fields. */
export class Detector {
  readonly #rules: Rule[];
  readonly #digitRules: Rule[];
  readonly #otherRules: Rule[];
  /** Field rules: which key paths hold personal values. */
  readonly fields: FieldMatcher;

  /**
   * The options it was built from, when another thread can build the same detector from them (no
   * validator is a function); else undefined, and detection stays on the calling thread.
   */
  readonly portableOptions: DetectorOptions | undefined;

  constructor(options: DetectorOptions = {}) {
    this.portableOptions = (options.rules ?? []).some((rule) => typeof rule.validator === 'function') ? undefined : options;
    const disable = options.disable ?? [];
    const rules = builtinRules(options.phoneRegions).filter((rule) => !isDisabled(disable, rule.id, rule.kind));
    const fieldRules: FieldRule[] = [];
    for (const [key, kind] of Object.entries(defaultPersonalFields)) {
      if (!isDisabled(disable, 'field.personal', kind)) fieldRules.push(fieldRule('field.personal', key, kind, documentFieldValidators[kind]));
    }
    for (const [key, kind] of Object.entries(defaultSecretFields)) {
      if (!isDisabled(disable, 'field.secret', kind)) fieldRules.push(fieldRule('field.secret', key, kind));
    }
    for (const [key, kind] of Object.entries(defaultShapedFields)) {
      const id = kind === 'NAME' ? 'field.name' : 'field.address';
      if (!isDisabled(disable, id, kind)) fieldRules.push(fieldRule(id, key, kind, kind === 'ADDRESS' ? looksLikeAddress : capitalNameKeys.has(key) ? looksLikeCapitalName : looksLikeName, true));
    }
    for (const [path, kind] of Object.entries(options.fields ?? {})) {
      checkKind(kind, `pii.fields["${path}"]`);
      fieldRules.unshift(fieldRule('field', path, kind));
    }
    for (const [index, custom] of (options.rules ?? []).entries()) {
      const id = custom.id ?? `custom.${index}`;
      checkKind(custom.kind, `pii.rules[${index}]`);
      const validate = toValidator(custom.validator);
      if ('field' in custom) {
        fieldRules.unshift(fieldRule(id, custom.field, custom.kind, validate));
        continue;
      }
      let regex: RegExp;
      try {
        regex = typeof custom.pattern === 'string' ? new RegExp(custom.pattern, custom.flags ?? '') : custom.pattern;
      } catch (error) {
        throw new MagsagError('CONFIG_INVALID', `pii.rules[${index}].pattern is not a valid regular expression: ${(error as Error).message}.`, { cause: error, data: { index } });
      }
      rules.push(regexRule({ id, kind: custom.kind, regex, priority: priorities.custom, group: custom.group, validate: validate && ((value) => validate(value)) }));
    }
    this.#rules = rules;
    this.#digitRules = rules.filter((rule) => rule.needsDigit === true);
    this.#otherRules = rules.filter((rule) => rule.needsDigit !== true);
    this.fields = new FieldMatcher(fieldRules);
  }

  /** Every rule id this detector runs (pattern rules and field rules). */
  get ruleIds(): string[] {
    return [...new Set([...this.#rules.map((rule) => rule.id), ...this.fields.rules.map((rule) => rule.id)])];
  }

  /** Candidates of the pattern rules alone, before overlap resolution, offsets shifted by `offset`. */
  ruleCandidates(text: string, out: Candidate[] = [], offset = 0, covered?: (start: number, end: number) => boolean): Candidate[] {
    if (text.length < 3) return out;
    const mark = out.length;
    for (const rule of this.#otherRules) if (wanted(rule, text)) rule.scan(text, out, covered);
    if (/\d/.test(text)) for (const rule of this.#digitRules) if (wanted(rule, text)) rule.scan(text, out, covered);
    if (offset !== 0) {
      for (let i = mark; i < out.length; i++) {
        const c = out[i]!;
        c.start += offset;
        c.end += offset;
      }
    }
    return out;
  }

  /**
   * Field values in unstructured text: JSON-like pairs (`"name": "…"`) and logfmt pairs
   * (`name="…"`, `name=…`) whose key is a personal field. Offsets shifted by `offset`.
   */
  textFieldCandidates(text: string, out: Candidate[] = [], offset = 0): Candidate[] {
    const { jsonPair, logfmtPair } = this.fields;
    if (jsonPair && text.includes('"')) this.#pairs(jsonPair, text, out, true, offset);
    if (logfmtPair && text.includes('=')) this.#pairs(logfmtPair, text, out, false, offset);
    return out;
  }

  /**
   * Every candidate in `text` with its structure in view (JSON, CSV/TSV, `key: value` lines), before
   * overlap resolution.
   */
  candidates(text: string): Candidate[] {
    return findCandidates(text, this, { resolve: false });
  }

  /** The personal values in `text`, non-overlapping, in order. */
  detect(text: string): Finding[] {
    return findCandidates(text, this).map((c) => ({ kind: c.kind, rule: c.rule, start: c.start, end: c.end, value: c.value, normalized: c.normalized ?? c.value }));
  }

  #pairs(regex: RegExp, text: string, out: Candidate[], json: boolean, offset: number): void {
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      const rule = this.fields.matchKey(m[1]!);
      const span = m.indices?.[2] ?? m.indices?.[3];
      if (!rule || !span || span[1] === span[0]) continue;
      const raw = text.slice(span[0], span[1]);
      const value = json || m.indices?.[2] ? decodeJsonString(raw) : raw;
      if (rule.validate && !rule.validate(value)) continue;
      out.push(newCandidate(rule.kind, rule.id, priorities.field, span[0] + offset, span[1] + offset, value, undefined));
    }
  }
}

/** Builds a {@link Detector}. */
export function createDetector(options: DetectorOptions = {}): Detector {
  return new Detector(options);
}
