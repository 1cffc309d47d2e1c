import { isIP } from 'node:net';
import { cardValid, ibanChecksumValid, ibanLengths, ssnValid } from './checksums.ts';
import { leftBoundary } from './boundary.ts';
import { PhoneScanner } from './phone.ts';
import { dobRule } from './dob.ts';
import { driverLicenseRule, passportRule } from './documents.ts';
import { obfuscatedEmailRule } from './obfuscatedEmail.ts';
import { pemRule, urlCredentialsRule } from './secrets.ts';
import { tokenRules } from './tokens.ts';
import { nameRule } from './names.ts';
import { addressRule } from './addresses.ts';

/** One raw detection before overlaps are resolved. */
export interface Candidate {
  kind: string;
  rule: string;
  priority: number;
  start: number;
  end: number;
  /** The raw value (JSON-decoded for field values found in JSON text). */
  value: string;
  /** The form used to give equal values one placeholder (E.164 phone, compact IBAN, ...). */
  normalized?: string;
  /** Replace with a quoted placeholder (a JSON number that is personal data). */
  quote?: boolean;
  /** The value was a JSON number under a field rule (restored as a number when untokenized). */
  number?: boolean;
  /**
   * Encoded text (base64, percent-encoding): the findings in its decoded form, and how it was encoded
   * (data, not a function, so that a candidate can be sent to another thread).
   */
  inner?: { text: string; candidates: Candidate[]; encoding: Encoding };
}

/** How an encoded span was written: {@link encodeAs} writes the masked text back the same way. */
export type Encoding = 'base64' | 'base64url' | 'percent';

/** Encodes `text` the way an encoded span was written. */
export function encodeAs(encoding: Encoding, text: string): string {
  return encoding === 'percent' ? encodeURIComponent(text) : Buffer.from(text, 'utf8').toString(encoding);
}

/**
 * A candidate with every property present, so that all rules make objects of one shape: a large
 * document has hundreds of thousands, and the overlap sort and the replacement loop read them through
 * one inline cache instead of several.
 */
export function newCandidate(kind: string, rule: string, priority: number, start: number, end: number, value: string, normalized: string | undefined): Candidate {
  return { kind, rule, priority, start, end, value, normalized, quote: false, number: false, inner: undefined };
}

/** A detection rule: scans a string and pushes candidates. */
export interface Rule {
  id: string;
  kind: string;
  priority: number;
  /** Skip the scan when the text has no ASCII digit. */
  needsDigit?: boolean;
  /** Skip the scan unless the text contains one of these strings (a cheap filter). */
  needsAny?: readonly string[];
  /**
   * `covered(start, end)`, when given, says a span is already decided (a value under a personal
   * key): a rule may skip its costly checks there. Called with increasing `start`.
   */
  scan(text: string, out: Candidate[], covered?: (start: number, end: number) => boolean): void;
}

/** Priorities: the more specific rule wins a tie in length. */
export const priorities = { field: 110, custom: 100, SECRET: 90, IBAN: 80, CARD: 75, EMAIL: 70, SSN: 65, IP: 60, PHONE: 50 } as const;

interface RegexRuleOptions {
  id: string;
  kind: string;
  regex: RegExp;
  priority?: number;
  group?: number;
  needsDigit?: boolean;
  needsAny?: readonly string[];
  validate?: (value: string, text: string, start: number) => boolean;
  normalize?: (value: string) => string;
}

/** A rule from a global regex; `group` picks a capture group as the value (needs the `d` flag). */
export function regexRule(options: RegexRuleOptions): Rule {
  const { id, kind, group, validate, normalize } = options;
  const flags = new Set(options.regex.flags.split(''));
  flags.add('g');
  if (group !== undefined) flags.add('d');
  const regex = new RegExp(options.regex.source, [...flags].join(''));
  const priority = options.priority ?? priorities.custom;
  return {
    id,
    kind,
    priority,
    needsDigit: options.needsDigit,
    needsAny: options.needsAny,
    scan(text, out, covered) {
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
        if (m[0].length === 0) {
          regex.lastIndex++;
          continue;
        }
        let start = m.index;
        let value = m[0];
        if (group !== undefined) {
          const span = m.indices?.[group];
          if (!span) continue;
          start = span[0];
          value = text.slice(span[0], span[1]);
        }
        if (covered?.(start, start + value.length) || (validate && !validate(value, text, start))) continue;
        out.push(newCandidate(kind, id, priority, start, start + value.length, value, normalize?.(value)));
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Email: find each "@" and expand; cheaper than a regex that starts at every letter.

function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
const unicodeLetter = /[\p{L}\p{N}]/u;
function isLocalChar(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (isAsciiAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45) return true;
  return c > 127 && unicodeLetter.test(text[i]!);
}
function isDomainChar(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (isAsciiAlnum(c) || c === 45 || c === 46) return true;
  return c > 127 && unicodeLetter.test(text[i]!);
}
const tldPattern = /^[\p{L}]{2,24}$/u;
const labelPattern = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;
const retinaAsset = /^\d+(?:\.\d+)?x\./i;
const fileTlds = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'bmp']);

/**
 * `git@github.com:acme/infra.git` (an scp-style git remote), `user:token@host` (a URL's password,
 * the `urlCredentials` rule's) and `p@ss@host` (two `@`): no email address, though shaped like one.
 */
function notAnAddress(text: string, start: number, end: number): boolean {
  const before = start > 0 ? text.charCodeAt(start - 1) : 0;
  if (before === 64) return true;
  if (text.charCodeAt(end) === 58) {
    // `host:path/...`: a path (letters, `~`, `/`) right after the colon, no space.
    let i = end + 1;
    while (i < text.length && i - end < 128 && isRemotePathChar(text.charCodeAt(i))) i++;
    if (i > end + 1 && (text.charCodeAt(i) === 47 || text.charCodeAt(end + 1) === 126 || text.charCodeAt(end + 1) === 47 || text.endsWith('.git', i))) return true;
  }
  if (before === 58) {
    // The password of `scheme://user:password@host`: "://" before it with no `/`, `?`, `#` or space between.
    for (let i = start - 2; i >= 2 && start - i < 256; i--) {
      const c = text.charCodeAt(i);
      if (c === 47) return text.charCodeAt(i - 1) === 47 && text.charCodeAt(i - 2) === 58;
      if (c === 63 || c === 35 || c === 64 || c <= 32) return false;
    }
  }
  return false;
}
function isRemotePathChar(c: number): boolean {
  return isAsciiAlnum(c) || c === 45 || c === 46 || c === 95 || c === 126;
}

export const emailRule: Rule = {
  id: 'email',
  kind: 'EMAIL',
  priority: priorities.EMAIL,
  scan(text, out, covered) {
    let at = text.indexOf('@');
    while (at !== -1) {
      let start = at;
      while (start > 0 && at - start < 64 && isLocalChar(text, start - 1)) start--;
      // "\nalice@..." in JSON text: the escape's letter is not part of the address.
      if (start > 1 && text.charCodeAt(start - 1) === 92 && start < at) start++;
      while (start < at && text.charCodeAt(start) === 46) start++;
      let end = at + 1;
      while (end < text.length && end - at < 255 && isDomainChar(text, end)) end++;
      while (end > at + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
      let next = text.indexOf('@', at + 1);
      // An address inside a value a field rule replaces whole needs no checks (the common case in CRM data).
      if (start < at && text.charCodeAt(at - 1) !== 46 && !notAnAddress(text, start, end) && !covered?.(start, end)) {
        const domain = text.slice(at + 1, end);
        const labels = domain.split('.');
        const tld = labels.at(-1) ?? '';
        if (labels.length >= 2 && tldPattern.test(tld) && labels.every((l) => labelPattern.test(l)) && !(retinaAsset.test(domain) && fileTlds.has(tld.toLowerCase()))) {
          const value = text.slice(start, end);
          out.push(newCandidate('EMAIL', 'email', priorities.EMAIL, start, end, value, value.toLowerCase()));
          if (next !== -1 && next < end) next = text.indexOf('@', end);
        }
      }
      at = next;
    }
  },
};

// ---------------------------------------------------------------------------------------------

/** The phone rule for a set of default regions. */
export function phoneRule(regions?: readonly string[]): Rule {
  const scanner = new PhoneScanner(regions);
  return {
    id: 'phone',
    kind: 'PHONE',
    priority: priorities.PHONE,
    needsDigit: true,
    scan(text, out, covered) {
      scanner.scan(text, covered, ({ start, end, e164 }) => {
        out.push(newCandidate('PHONE', 'phone', priorities.PHONE, start, end, text.slice(start, end), e164));
      });
    },
  };
}

const cardRule = regexRule({
  id: 'card',
  kind: 'CARD',
  priority: priorities.CARD,
  needsDigit: true,
  // Not preceded by a word character, `.` or `-` (unless that is escaped: `\n4111...` in JSON text).
  // The check sits after the first digit, not before the match: a regex that starts with a
  // lookbehind is tried at every position; one that starts with a digit skips the rest quickly.
  regex: /\d(?<!(?<!\\)[\w.-]\d)(?:\d{3}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{3}([ -])\d{6}\2\d{4,5}|\d{11,18})(?![\w]|[.-]\d)/g,
  validate: (value) => cardValid(value),
  normalize: (value) => value.replace(/\D/g, ''),
});

// `Part 201-44-7810`, `Error 401-12-2024`: a part, error or order number shaped like an SSN.
const notSsnBefore = /(?:^|[^a-z])(?:part|p\/n|pn|error|err|errno|code|order|invoice|inv|ref|model|item|sku|ticket|case|build|serial|lot|batch|isbn)\s*(?:no\.?|nr\.?|number|#)?\s*[:#=]?\s*$/i;
const ssnRule = regexRule({
  id: 'ssn',
  kind: 'SSN',
  priority: priorities.SSN,
  needsDigit: true,
  regex: /\d{3}([- –])\d{2}\1\d{4}(?![\w]|[.-]\d)/g,
  validate: (value, text, start) => leftBoundary(text, start, '.-') && ssnValid(value) && !notSsnBefore.test(text.slice(Math.max(0, start - 16), start)),
  normalize: (value) => value.replace(/\D/g, ''),
});

const ssnKeywordRule = regexRule({
  id: 'ssn',
  kind: 'SSN',
  priority: priorities.SSN,
  needsDigit: true,
  // After a cue, also nine bare digits, dotted or en-dashed groups, and groups right after `SSN-`.
  regex: /\b(?:ssn|social[ _]security(?:[ _]number|[ _]no\.?)?|ss#)\W{0,6}(\d{9}|\d{3}([-. –])\d{2}\2\d{4})(?![\w]|[.-]\d)/gi,
  needsAny: ['sn', 'SN', 'ocial', 'OCIAL', 's#', 'S#'],
  group: 1,
  validate: (value) => ssnValid(value),
  normalize: (value) => value.replace(/\D/g, ''),
});

const ibanCandidate = /\b[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,30}/g;
// A lower-case IBAN written with spaces is grouped by four (prose is not).
const lowerGrouped = /^[a-z0-9]{4}(?: [a-z0-9]{4})*(?: [a-z0-9]{1,4})?$/;
const ibanCue = /iban|konto|account|compte|cuenta|conto|conta|rekening|rachunek/i;

// Lengths of hex ids (span ids, Mongo ObjectIds, UUIDs without dashes) that a lower-case IBAN shares.
const hexIdLengths = new Set([16, 20, 24, 32]);

/**
 * A lower-case IBAN candidate that reads as one: grouped by four when spaced, and an IBAN cue before
 * it when it is all hex digits as long as a common hex id.
 */
function lowerIbanPlausible(value: string, text: string, start: number): boolean {
  if (/[A-Z]/.test(value)) return false;
  if (value.includes(' ')) return lowerGrouped.test(value);
  return /[g-z]/.test(value) || !hexIdLengths.has(value.length) || ibanCue.test(text.slice(Math.max(0, start - 32), start));
}
const ibanRule: Rule = {
  id: 'iban',
  kind: 'IBAN',
  priority: priorities.IBAN,
  needsDigit: true,
  scan(text, out) {
    ibanCandidate.lastIndex = 0;
    for (let m = ibanCandidate.exec(text); m !== null; m = ibanCandidate.exec(text)) {
      const lower = m[0].charCodeAt(0) >= 97;
      if (lower !== m[0].charCodeAt(1) >= 97) continue;
      const length = ibanLengths[lower ? m[0].slice(0, 2).toUpperCase() : m[0].slice(0, 2)];
      if (length === undefined) continue;
      // Take exactly `length` alphanumerics; the IBAN must end there (space, punctuation or end).
      let taken = 0;
      let end = m.index;
      while (end < text.length && taken < length) {
        const c = text.charCodeAt(end);
        if (c === 32) {
          end++;
          continue;
        }
        if (!isAsciiAlnum(c)) break;
        taken++;
        end++;
      }
      if (taken !== length || (end < text.length && isAsciiAlnum(text.charCodeAt(end)))) continue;
      const value = text.slice(m.index, end);
      const compact = lower ? value.replace(/ /g, '').toUpperCase() : value.replace(/ /g, '');
      if (lower ? !lowerIbanPlausible(value, text, m.index) || !ibanChecksumValid(compact) : !ibanChecksumValid(compact)) continue;
      out.push(newCandidate('IBAN', 'iban', priorities.IBAN, m.index, end, value, compact));
      ibanCandidate.lastIndex = end;
    }
  },
};

const versionBefore = /(?:version|ver|release|build|rev|firmware|v)\s*[:=]?\s*$/i;
// `section 2.1.3.4`, `§ 1.2.3.4`: a numbered heading, not an address.
const headingBefore = /(?:(?:^|[^a-z])(?:section|sect|sec|chapter|ch|clause|article|art|para|paragraph|figure|fig|appendix)|§)\.?\s*$/i;
function fileExtensionAfter(text: string, end: number): boolean {
  if (text.charCodeAt(end) !== 46) return false;
  const c = text.charCodeAt(end + 1);
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
const ipv4Rule = regexRule({
  id: 'ipv4',
  kind: 'IP',
  priority: priorities.IP,
  needsDigit: true,
  regex: /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w]|\.\d)/g,
  validate: (value, text, start) =>
    leftBoundary(text, start, '.') &&
    isIP(value) === 4 && !value.startsWith('127.') && value !== '0.0.0.0' && value !== '255.255.255.255' &&
    // `pkg-1.10.2.0.tar.gz`: a version in a file name (a letter right after a dot ends no address).
    !fileExtensionAfter(text, start + value.length) &&
    !versionBefore.test(text.slice(Math.max(0, start - 12), start)) && !headingBefore.test(text.slice(Math.max(0, start - 12), start)),
});

function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
function isIpv6Char(c: number): boolean {
  return isHexCode(c) || c === 58 || c === 46;
}

// `::1:5432`, `:::8080`: the loopback or any-address and a port, as servers log them.
const loopbackWithPort = /^::1?:\d{1,5}$/;

// IPv6: start from each ":" that has a hex digit or ":" next to it, expand over hex digits, ":" and
// "." (embedded IPv4), then let node:net decide. Far cheaper than a regex tried at every letter.
const ipv6Rule: Rule = {
  id: 'ipv6',
  kind: 'IP',
  priority: priorities.IP,
  needsDigit: true,
  scan(text, out) {
    let colon = text.indexOf(':');
    while (colon !== -1) {
      const before = colon > 0 ? text.charCodeAt(colon - 1) : 0;
      const after = text.charCodeAt(colon + 1);
      if (!(isHexCode(before) || before === 58) || !(isHexCode(after) || after === 58)) {
        colon = text.indexOf(':', colon + 1);
        continue;
      }
      let start = colon;
      while (start > 0 && isIpv6Char(text.charCodeAt(start - 1))) start--;
      let end = colon + 1;
      while (end < text.length && isIpv6Char(text.charCodeAt(end))) end++;
      while (start < colon && text.charCodeAt(start) === 46) start++;
      if (text.charCodeAt(end) === 37) {
        // zone index: fe80::1%eth0
        let zone = end + 1;
        while (zone < text.length && /[\w.]/.test(text[zone]!)) zone++;
        if (zone > end + 1) end = zone;
      }
      colon = text.indexOf(':', end);
      let value = text.slice(start, end);
      while (value.endsWith('.') || (value.endsWith(':') && !value.endsWith('::'))) value = value.slice(0, -1);
      const stop = start + value.length;
      const prev = start > 0 ? text[start - 1]! : '';
      if (/[\w]/.test(prev) || (stop < text.length && /\w/.test(text[stop]!))) continue;
      if (isIP(value) !== 6 || !/\d/.test(value) || value === '::1' || loopbackWithPort.test(value)) continue;
      if (value.split('%')[0]!.split(':').filter((group) => group.length > 0).length < 2) continue;
      out.push(newCandidate('IP', 'ipv6', priorities.IP, start, stop, value, value.toLowerCase()));
    }
  },
};

function hasLetterAndDigit(value: string): boolean {
  return /\d/.test(value) && /[A-Za-z]/.test(value);
}

const secretRules: Rule[] = [
  regexRule({ id: 'secret.aws', kind: 'SECRET', priority: priorities.SECRET, regex: /A(?:KIA|SIA|BIA|CCA|GPA|IDA|IPA|NPA|NVA|ROA|PKA|SCA)[A-Z0-9]{16}\b/g, validate: (_value, text, start) => leftBoundary(text, start) }),
  regexRule({ id: 'secret.github', kind: 'SECRET', priority: priorities.SECRET, regex: /g(?:h[pousr]_[A-Za-z0-9]{36,251}|ithub_pat_[A-Za-z0-9_]{22,255})\b/g, validate: (_value, text, start) => leftBoundary(text, start) }),
  regexRule({
    id: 'secret.slack',
    needsAny: ['xox', 'xapp-', 'hooks.slack.com'],
    kind: 'SECRET',
    priority: priorities.SECRET,
    regex: /\b(?:xox[abposre]-[A-Za-z0-9-]{10,250}|xapp-\d-[A-Za-z0-9-]{10,250})\b|https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]{20,}/g,
  }),
  regexRule({ id: 'secret.jwt', kind: 'SECRET', priority: priorities.SECRET, needsAny: ['eyJ'], regex: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g }),
  regexRule({ id: 'secret.bearer', kind: 'SECRET', priority: priorities.SECRET, needsAny: ['earer'], regex: /\b[Bb]earer[ \t]+([A-Za-z0-9._~+/-]{12,}=*)/g, group: 1, validate: hasLetterAndDigit }),
  regexRule({ id: 'secret.bearer', kind: 'SECRET', priority: priorities.SECRET, regex: /authorization["']?\s*[:=]\s*["']?Basic[ \t]+([A-Za-z0-9+/]{8,}={0,2})/gi, group: 1 }),
  regexRule({
    id: 'secret.apiKey',
    kind: 'SECRET',
    priority: priorities.SECRET,
    regex:
      /\b(?:sk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)\d\d-)?[A-Za-z0-9_-]{20,}|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{36}|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}|hf_[A-Za-z0-9]{30,}|shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}|dop_v1_[a-f0-9]{64}|pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}|key-[0-9a-zA-Z]{32})(?![\w-])/g,
    validate: hasLetterAndDigit,
  }),
  regexRule({
    id: 'secret.assignment',
    kind: 'SECRET',
    priority: priorities.SECRET - 1,
    regex: /(api[_-]?key|apikey|secret|access[_-]?key|token|password|passwd|pwd|private[_-]?key)["']?[ \t]*[:=][ \t]*["']?([^\s"'`,;&<>{}()[\]\\]{6,})/gi,
    group: 2,
    validate: (value, text, start) => {
      if (/^(?:\*+|x+|null|none|true|false|undefined|redacted|changeme)$/i.test(value) || value.startsWith('$')) return false;
      const before = text.slice(Math.max(0, start - 24), start).toLowerCase();
      const password = /(?:password|passwd|pwd)["']?[ \t]*[:=][ \t]*["']?$/.test(before);
      return password || (value.length >= 12 && hasLetterAndDigit(value));
    },
  }),
];

/** Every built-in pattern rule, by id. `phone` is built per detector (it takes regions). */
export function builtinRules(phoneRegions?: readonly string[]): Rule[] {
  return [
    emailRule, phoneRule(phoneRegions), cardRule, ssnRule, ssnKeywordRule, ibanRule, ipv4Rule, ipv6Rule, ...secretRules,
    pemRule(), dobRule(), passportRule(), driverLicenseRule(), obfuscatedEmailRule(), urlCredentialsRule(), ...tokenRules(),
    nameRule, addressRule,
  ];
}

/** Ids of the built-in rules, for `pii.disable` (kinds such as `IP` work too). */
export const builtinRuleIds = [
  'email', 'phone', 'card', 'ssn', 'iban', 'ipv4', 'ipv6',
  'secret.aws', 'secret.github', 'secret.slack', 'secret.jwt', 'secret.pem', 'secret.bearer', 'secret.apiKey', 'secret.assignment',
  'field.personal', 'field.secret',
  'dob', 'passport', 'driverLicense', 'email.obfuscated', 'secret.urlCredentials',
  'secret.awsSecret', 'secret.gitlab', 'secret.discord', 'secret.telegram', 'secret.stripe', 'secret.twilio', 'secret.google', 'secret.azure',
  'name', 'address', 'field.name', 'field.address',
] as const;
