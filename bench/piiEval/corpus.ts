/**
 * The evaluation corpus of `pnpm bench:pii`: personal values made by a third-party generator
 * (`@faker-js/faker`, a dev dependency of the bench only) in many locales, embedded in prose, CSV,
 * log lines and JSON, each value labelled with its kind and offsets; and hard negatives (versions,
 * amounts, ZIP codes, ...) in the same carriers, labelled too. The templates were written without
 * looking at the detectors; the detectors never see faker or its data.
 */
import { type Faker, allFakers } from '@faker-js/faker';
import { heldoutDobCues, heldoutTemplates } from './heldoutTemplates.ts';
import { type Template, carrierTemplates, dobCues } from './templates.ts';

/** The kinds a value is labelled with. */
export const evalKinds = ['NAME', 'ADDRESS', 'PHONE', 'EMAIL', 'IBAN', 'CARD', 'DOB', 'IP'] as const;
export type EvalKind = (typeof evalKinds)[number];

/** The locales the corpus is generated in (faker's locale names). */
export const evalLocales = ['de', 'fr', 'es', 'it', 'pt_BR', 'ja', 'en_IN', 'en_US', 'en_GB', 'nl', 'pl'] as const;
export type EvalLocale = (typeof evalLocales)[number];

/** Kinds of hard negatives: text that is not personal and must come out of masking unchanged. */
export const negativeKinds = [
  'version', 'section', 'amount', 'order', 'uuid', 'hash', 'zip', 'port', 'timestamp', 'code', 'gitRemote', 'product', 'company', 'file', 'jsonName', 'jsonCustomer', 'city', 'date',
] as const;
/** Kinds of hard negatives of the held-out set: some of the development set's, in new contexts, and new ones. */
export const heldoutNegativeKinds = [
  'ticketKey', 'semver', 'colour', 'coordinates', 'duration', 'sku', 'isbn', 'heading', 'jobTitle', 'hostname', 'place',
  'date', 'product', 'company', 'amount', 'order', 'uuid', 'hash', 'timestamp', 'port', 'zip', 'section', 'file', 'code',
] as const;
export type NegativeKind = (typeof negativeKinds)[number] | (typeof heldoutNegativeKinds)[number];

/**
 * Which set: `dev`, the development set (templates.ts; the detectors' authors have seen its misses),
 * or `heldout`, the held-out test set (heldoutTemplates.ts; written after the detectors and not used
 * for tuning them), with its own carriers, birth cues and seed.
 */
export type EvalSet = 'dev' | 'heldout';
export const evalSets: readonly EvalSet[] = ['dev', 'heldout'];

export interface Span<K extends string> {
  kind: K;
  value: string;
  start: number;
  end: number;
}

export interface EvalSample {
  id: string;
  locale: EvalLocale;
  /** The carrier template's id, e.g. `prose.ticket`, `csv.contacts`, `log.kv`, `json.crm`. */
  carrier: string;
  text: string;
  values: Span<EvalKind>[];
  negatives: Span<NegativeKind>[];
}

export interface CorpusOptions {
  /** @default 'dev' */
  set?: EvalSet;
  /** @default 20261206 for dev, 20271207 for heldout */
  seed?: number;
  /** Labelled values of each kind per locale, at least. @default 22 */
  perKind?: number;
  /** Negative samples per locale. @default 30 for dev, 36 for heldout */
  negativesPerLocale?: number;
  /** @default evalLocales */
  locales?: readonly EvalLocale[];
}

/** Sum of the digits' Luhn check; true when the number passes. */
export function luhnPasses(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

const ibanCountry: Partial<Record<EvalLocale, string>> = { de: 'DE', fr: 'FR', es: 'ES', it: 'IT', pt_BR: 'BR', nl: 'NL', pl: 'PL', en_GB: 'GB' };
const intlLocale: Record<EvalLocale, string> = { de: 'de-DE', fr: 'fr-FR', es: 'es-ES', it: 'it-IT', pt_BR: 'pt-BR', ja: 'ja-JP', en_IN: 'en-IN', en_US: 'en-US', en_GB: 'en-GB', nl: 'nl-NL', pl: 'pl-PL' };

const pad = (n: number): string => String(n).padStart(2, '0');

/** A birth date in the ways people of `locale` write it. */
function birthDate(f: Faker, locale: EvalLocale): string {
  const date = f.date.birthdate({ mode: 'age', min: 18, max: 90 });
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + 1;
  const d = date.getUTCDate();
  const long = (month: 'long' | 'short'): string => new Intl.DateTimeFormat(intlLocale[locale], { year: 'numeric', month, day: 'numeric', timeZone: 'UTC' }).format(date);
  const iso = `${y}-${pad(m)}-${pad(d)}`;
  const byLocale: Record<EvalLocale, string[]> = {
    de: [`${pad(d)}.${pad(m)}.${y}`, `${d}.${m}.${y}`, long('long'), iso],
    fr: [`${pad(d)}/${pad(m)}/${y}`, long('long'), `${pad(d)}.${pad(m)}.${y}`, iso],
    es: [`${pad(d)}/${pad(m)}/${y}`, `${d}/${m}/${y}`, long('long'), `${pad(d)}-${pad(m)}-${y}`],
    it: [`${pad(d)}/${pad(m)}/${y}`, long('long'), `${pad(d)}.${pad(m)}.${y}`, iso],
    pt_BR: [`${pad(d)}/${pad(m)}/${y}`, long('long'), `${d}/${m}/${y}`, iso],
    ja: [`${y}年${m}月${d}日`, `${y}/${pad(m)}/${pad(d)}`, iso, `${y}.${pad(m)}.${pad(d)}`],
    en_IN: [`${pad(d)}/${pad(m)}/${y}`, `${pad(d)}-${pad(m)}-${y}`, long('long'), long('short')],
    en_US: [`${pad(m)}/${pad(d)}/${y}`, `${m}/${d}/${y}`, long('long'), long('short'), iso],
    en_GB: [`${pad(d)}/${pad(m)}/${y}`, long('long'), long('short'), iso],
    nl: [`${pad(d)}-${pad(m)}-${y}`, long('long'), `${pad(d)}/${pad(m)}/${y}`, iso],
    pl: [`${pad(d)}.${pad(m)}.${y}`, long('long'), `${d}.${pad(m)}.${y} r.`, iso],
  };
  return f.helpers.arrayElement(byLocale[locale]);
}

function personName(f: Faker, locale: EvalLocale): string {
  const roll = f.number.int(9);
  if (locale === 'ja') return roll < 6 ? f.person.fullName() : `${f.person.lastName()} ${f.person.firstName()}`;
  if (roll < 6) return `${f.person.firstName()} ${f.person.lastName()}`;
  if (roll < 8) return `${f.person.prefix()} ${f.person.firstName()} ${f.person.lastName()}`;
  return f.person.fullName();
}

function address(f: Faker, locale: EvalLocale): string {
  const roll = f.number.int(9);
  const street = f.location.streetAddress(roll >= 4 && roll < 6);
  if (roll < 6) return street;
  const zip = f.location.zipCode();
  const city = f.location.city();
  switch (locale) {
    case 'en_US':
      return `${street}, ${city}, ${f.location.state({ abbreviated: true })} ${zip}`;
    case 'en_GB':
    case 'en_IN':
      return `${street}, ${city} ${zip}`;
    case 'ja':
      return `〒${zip} ${city}${street}`;
    case 'pt_BR':
      return `${street}, ${city}, CEP ${zip}`;
    default:
      return `${street}, ${zip} ${city}`;
  }
}

function phone(f: Faker): string {
  return f.phone.number({ style: f.helpers.arrayElement(['human', 'national', 'international'] as const) });
}

function iban(f: Faker, locale: EvalLocale): string {
  const countryCode = ibanCountry[locale];
  const formatted = f.datatype.boolean();
  const value = countryCode ? f.finance.iban({ formatted, countryCode }) : f.finance.iban({ formatted });
  return f.number.int(3) === 0 ? value.toLowerCase() : value;
}

function card(f: Faker): string {
  for (;;) {
    const digits = f.finance.creditCardNumber().replaceAll(/\D/g, '');
    if (digits.length < 13 || digits.length > 19 || !luhnPasses(digits)) continue;
    const groups = digits.length === 14 || digits.length === 15 ? [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10)] : (digits.match(/.{1,4}/g) ?? [digits]);
    return f.helpers.arrayElement([digits, groups.join(' '), groups.join('-')]);
  }
}

function ip(f: Faker): string {
  return f.number.int(9) < 7 ? f.internet.ipv4() : f.internet.ipv6();
}

function positive(f: Faker, locale: EvalLocale, kind: EvalKind): string {
  switch (kind) {
    case 'NAME':
      return personName(f, locale);
    case 'ADDRESS':
      return address(f, locale);
    case 'PHONE':
      return phone(f);
    case 'EMAIL':
      return f.internet.email();
    case 'IBAN':
      return iban(f, locale);
    case 'CARD':
      return card(f);
    case 'DOB':
      return birthDate(f, locale);
    case 'IP':
      return ip(f);
  }
}

function negative(f: Faker, locale: EvalLocale, kind: NegativeKind): string {
  const n = (max: number, min = 0): number => f.number.int({ min, max });
  switch (kind) {
    case 'version':
      return f.helpers.arrayElement([`${n(3, 1)}.${n(12)}.${n(9)}.${n(9)}`, `pkg-${n(3, 1)}.${n(12)}.${n(9)}.${n(9)}.tar.gz`, `v${f.system.semver()}`, f.system.semver()]);
    case 'section':
      return f.helpers.arrayElement([`section ${n(9, 1)}.${n(9, 1)}.${n(9, 1)}.${n(9, 1)}`, `§ ${n(30, 1)}.${n(9, 1)}.${n(9, 1)}`, `clause ${n(20, 1)}.${n(9, 1)}`]);
    case 'amount': {
      const value = f.number.float({ min: 10, max: 99_999, fractionDigits: 2 });
      const local = new Intl.NumberFormat(intlLocale[locale], { style: 'currency', currency: f.helpers.arrayElement(['EUR', 'USD', 'GBP', 'JPY', 'BRL', 'PLN', 'INR']) }).format(value);
      return f.helpers.arrayElement([value.toFixed(2), local, `total ${value.toFixed(2)}`]);
    }
    case 'order':
      return f.helpers.arrayElement([`ORD-${n(9_999_999, 1_000_000)}`, `#${n(99_999_999, 10_000_000)}`, `INV-${n(2026, 2019)}-${n(99_999, 10_000)}`, `PO ${n(999_999, 100_000)}`]);
    case 'uuid':
      return f.string.uuid();
    case 'hash':
      return f.helpers.arrayElement([f.git.commitSha(), f.git.commitSha({ length: 7 }), f.string.hexadecimal({ length: 64, casing: 'lower', prefix: '' })]);
    case 'zip':
      return f.helpers.arrayElement([`${n(99_999, 10_000)}-${n(9999, 1000)}`, `CEP ${n(99_999, 10_000)}-${n(999, 100)}`, `ZIP ${f.location.zipCode()}`, `${n(99, 10)}-${n(999, 100)}`]);
    case 'port':
      return f.helpers.arrayElement([`localhost:${n(9999, 1024)}`, `ECONNREFUSED ::1:${n(9999, 1024)}`, `127.0.0.1:${n(9999, 1024)}`, `0.0.0.0:${n(9999, 1024)}`, `[::]:${n(9999, 1024)}`]);
    case 'timestamp':
      return f.helpers.arrayElement([f.date.recent({ days: 400 }).toISOString(), String(f.date.recent({ days: 400 }).getTime()), String(Math.floor(f.date.recent({ days: 400 }).getTime() / 1000))]);
    case 'code':
      return f.helpers.arrayElement([`Error ${n(599, 400)}-${n(99, 10)}-${n(2026, 2019)}`, `Part ${n(999, 100)}-${n(99, 10)}-${n(9999, 1000)}`, `HTTP ${n(599, 200)}`, `E${n(9999, 1000)}`, `exit code ${n(255, 1)}`]);
    case 'gitRemote':
      return `git@github.com:${f.internet.domainWord()}/${f.helpers.arrayElement(['infra', 'api', 'web', 'deploy', 'tools'])}.git`;
    case 'product':
      return `${f.commerce.productAdjective()} ${f.commerce.product()}`;
    case 'company':
      return f.company.name();
    case 'file':
      return f.helpers.arrayElement(['README.md', 'CHANGELOG.md', 'package-lock.json', 'docker-compose.yml', f.system.commonFileName()]);
    case 'jsonName':
      return f.helpers.arrayElement(['README.md', 'main', 'build-and-test', 'default', 'ACME-ENTERPRISE', 'prod-eu-west-1']);
    case 'jsonCustomer':
      return f.helpers.arrayElement(['ACME-ENTERPRISE', 'CUST-00421', 'internal', 'tier-2', 'GLOBEX']);
    case 'city':
      return f.location.city();
    case 'ticketKey':
      return `${f.helpers.arrayElement(['JIRA', 'OPS', 'PAY', 'CORE', 'WEB', 'INFRA', 'MOB', 'DATA', 'SEC'])}-${n(9999, 12)}`;
    case 'semver':
      return f.helpers.arrayElement([f.system.semver(), `${f.system.semver()}-rc.${n(9, 1)}`, `^${f.system.semver()}`, `~${f.system.semver()}`, `${f.system.semver()}-beta.${n(20, 1)}+build.${n(999, 100)}`]);
    case 'colour':
      return f.helpers.arrayElement([f.color.rgb(), f.color.rgb({ casing: 'upper' }), `#${f.string.hexadecimal({ length: 3, casing: 'upper', prefix: '' })}`, f.color.rgb({ format: 'css' })]);
    case 'coordinates':
      return f.helpers.arrayElement([
        `${f.location.latitude({ precision: 4 })}, ${f.location.longitude({ precision: 4 })}`,
        `${f.location.latitude({ precision: 6 })},${f.location.longitude({ precision: 6 })}`,
        `${n(89)}°${n(59)}′${n(59)}″N ${n(179)}°${n(59)}′${n(59)}″E`,
      ]);
    case 'duration':
      return f.helpers.arrayElement([`PT${n(23, 1)}H${n(59, 1)}M`, `${n(23, 1)}h ${n(59, 1)}m`, `${pad(n(23))}:${pad(n(59))}:${pad(n(59))}`, `${n(9999, 10)} ms`, `${n(14, 2)} nights`, `${n(90, 2)}s`]);
    case 'sku':
      return f.helpers.arrayElement([`SKU-${f.string.alphanumeric({ length: 8, casing: 'upper' })}`, `${f.string.alpha({ length: 2, casing: 'upper' })}-${n(9999, 1000)}-${f.helpers.arrayElement(['RED', 'BLK', 'XL', 'S', 'M', 'BLU'])}`, `${n(999, 100)}.${n(999, 100)}.${n(99, 10)}`]);
    case 'isbn':
      return f.helpers.arrayElement([f.commerce.isbn(13), f.commerce.isbn(10), f.commerce.isbn({ variant: 13, separator: '' })]);
    case 'heading':
      return f.helpers.arrayElement([
        `${f.commerce.department()} ${f.helpers.arrayElement(['Roadmap', 'Status Report', 'Budget Review', 'Onboarding Guide', 'Release Notes', 'Known Issues'])}`,
        `Q${n(4, 1)} ${f.helpers.arrayElement(['Planning', 'Business Review', 'Retrospective', 'Kick-Off'])}`,
        f.helpers.arrayElement(['Getting Started', 'Frequently Asked Questions', 'Terms And Conditions', 'Data Retention Policy', 'Incident Postmortem', 'Architecture Decision Record']),
      ]);
    case 'jobTitle':
      return f.person.jobTitle();
    case 'hostname':
      return f.helpers.arrayElement([f.internet.domainName(), `api.${f.internet.domainName()}`, `${f.internet.domainWord()}-${n(9, 1)}.internal`]);
    case 'place':
      return f.helpers.arrayElement([f.location.city(), f.location.country(), f.location.state()]);
    case 'date':
      return f.helpers.arrayElement([`${f.date.recent({ days: 900 }).toISOString().slice(0, 10)}`, new Intl.DateTimeFormat(intlLocale[locale], { dateStyle: 'medium', timeZone: 'UTC' }).format(f.date.recent({ days: 900 }))]);
  }
}

const alnum = (text: string): string => text.replaceAll(/[^\p{L}\p{N}]/gu, '').toLowerCase();
const occurrences = (haystack: string, needle: string): number => haystack.split(needle).length - 1;

// YAML: a plain scalar unless the value would read as something else.
const yamlNeedsQuotes = /^[\s\-?:,[\]{}#&*!|>'"%@`]|: | #|\s$/;

/** A value inside a carrier: CSV quotes it when it holds a comma, logfmt when it holds a space, YAML when a plain scalar would misread it. */
function encode(value: string, format: Template['format']): { before: string; after: string } {
  if (format === 'csv' && /[",\n]/.test(value)) return { before: '"', after: '"' };
  if (format === 'kv' && /\s/.test(value)) return { before: '"', after: '"' };
  if (format === 'yaml' && yamlNeedsQuotes.test(value)) return { before: '"', after: '"' };
  return { before: '', after: '' };
}

const tokenPattern = /\{(NAME|ADDRESS|PHONE|EMAIL|IBAN|CARD|DOB|IP|DOBCUE|N:[A-Za-z]+)\}/g;

function render(f: Faker, locale: EvalLocale, template: Template, id: string, cues: Record<EvalLocale, readonly string[]> = dobCues): EvalSample | undefined {
  let text = '';
  const values: Span<EvalKind>[] = [];
  const negatives: Span<NegativeKind>[] = [];
  let last = 0;
  for (const m of template.text.matchAll(tokenPattern)) {
    text += template.text.slice(last, m.index);
    last = m.index + m[0].length;
    const token = m[1]!;
    if (token === 'DOBCUE') {
      text += f.helpers.arrayElement(cues[locale]);
      continue;
    }
    const isNegative = token.startsWith('N:');
    const kind = isNegative ? token.slice(2) : token;
    const value = isNegative ? negative(f, locale, kind as NegativeKind) : positive(f, locale, kind as EvalKind);
    // No escaping anywhere: a value that would need it in its carrier is generated again.
    if (template.format !== 'prose' && template.format !== 'plain' && /["\\]/.test(value)) return undefined;
    if ((template.format === 'xml' && /[<>&]/.test(value)) || (template.format === 'md' && value.includes('|'))) return undefined;
    const { before, after } = encode(value, template.format);
    text += before;
    const span = { value, start: text.length, end: text.length + value.length };
    if (isNegative) negatives.push({ kind: kind as NegativeKind, ...span });
    else values.push({ kind: kind as EvalKind, ...span });
    text += value + after;
  }
  text += template.text.slice(last);
  // Scoring looks for a value, or its letters and digits alone, anywhere in the masked text: keep
  // only samples where each occurs once, so a leftover always means that value was left.
  const flat = alnum(text);
  for (const v of values) if (occurrences(text, v.value) !== 1 || occurrences(flat, alnum(v.value)) !== 1) return undefined;
  for (const v of negatives) if (occurrences(text, v.value) !== 1) return undefined;
  return { id, locale, carrier: template.id, text, values, negatives };
}

/** The labelled corpus, the same for the same options. */
export function generateCorpus(options: CorpusOptions = {}): EvalSample[] {
  const heldout = options.set === 'heldout';
  const seed = options.seed ?? (heldout ? 20_271_207 : 20_261_206);
  const perKind = options.perKind ?? 22;
  const negativesPerLocale = options.negativesPerLocale ?? (heldout ? 36 : 30);
  const cues = heldout ? heldoutDobCues : dobCues;
  // Held-out ids are prefixed so that no id is shared between the sets.
  const prefix = heldout ? 'ho-' : '';
  const samples: EvalSample[] = [];
  for (const [localeIndex, locale] of (options.locales ?? evalLocales).entries()) {
    const f = allFakers[locale];
    f.seed(seed + localeIndex);
    // Dates (birth dates by age, recent timestamps) count from this day, not from today.
    f.setDefaultRefDate('2026-01-01T00:00:00.000Z');
    const templates = heldout ? heldoutTemplates(locale) : carrierTemplates(locale);
    const positives = templates.filter((t) => /\{(NAME|ADDRESS|PHONE|EMAIL|IBAN|CARD|DOB|IP)\}/.test(t.text));
    const negativeOnly = templates.filter((t) => !positives.includes(t));
    const counts = new Map<EvalKind, number>(evalKinds.map((k) => [k, 0]));
    let n = 0;
    let tries = 0;
    // Held-out: every carrier once first, so that the carriers of one kind only (names in lists,
    // hand-overs, calendar guests) are not crowded out by the ones that carry many kinds.
    if (heldout) {
      for (const template of new Set(positives)) {
        for (let attempt = 0; attempt < 20; attempt++) {
          const sample = render(f, locale, template, `${prefix}${locale}-${n}`, cues);
          if (!sample) continue;
          n++;
          samples.push(sample);
          for (const v of sample.values) counts.set(v.kind, counts.get(v.kind)! + 1);
          break;
        }
      }
    }
    // Cycle the templates that still carry a kind short of perKind, in a seeded order.
    while ([...counts.values()].some((c) => c < perKind) && tries++ < 10_000) {
      // Among those, the ones carrying fewest kinds already done (names come with most carriers).
      const done = (t: Template): number => evalKinds.filter((k) => counts.get(k)! >= perKind && t.text.includes(`{${k}}`)).length;
      const needed = positives.filter((t) => evalKinds.some((k) => counts.get(k)! < perKind && t.text.includes(`{${k}}`)));
      const fewest = Math.min(...needed.map(done));
      const template = f.helpers.arrayElement(needed.filter((t) => done(t) === fewest));
      const sample = render(f, locale, template, `${prefix}${locale}-${n}`, cues);
      if (!sample) continue;
      n++;
      samples.push(sample);
      for (const v of sample.values) counts.set(v.kind, counts.get(v.kind)! + 1);
    }
    for (let i = 0; i < negativesPerLocale && tries++ < 10_000; ) {
      const sample = render(f, locale, negativeOnly[i % negativeOnly.length]!, `${prefix}${locale}-${n}`, cues);
      if (!sample) continue;
      n++;
      i++;
      samples.push(sample);
    }
  }
  return samples;
}
