import { ssnValid } from './checksums.ts';
import { cuesOf, driverCue, passportCue } from './cues.ts';
import { type Rule, newCandidate, priorities } from './rules.ts';

// Built by a function: rules.ts imports this module (see secrets.ts).

// Led by the letters, not `\b` (tried at every position); the rule checks the word start.
const upperCue = /DL(?=\s{0,2}(?:[#:]|[Nn]o\b|[Nn]r\b|[Nn]um\b|[Nn]umber\b))|CNH\b/g;

/** The value must start within this many characters after the cue. */
const window = 40;
/** Words allowed between the cue and the value (`passport no.`, `Passport Number:`, `numéro de`). */
const fillers = new Set([
  'no', 'nr', 'num', 'number', 'numbers', 'id', 'nummer', 'numéro', 'numero', 'número', 'n', 'n°', 'nº', 'de', 'du', 'del', 'di', 'do', 'da', 'is', 'was', 'card', 'cnh', 'dl', 'license', 'licence', 'ref', 'no°',
]);

function isSeparator(c: number): boolean {
  // space, tab, line breaks, : ： # = - " ' . , ( ) / _ [ ] ’
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 58 || c === 0xff1a || c === 35 || c === 61 || c === 45 || c === 34 || c === 39 || c === 46 || c === 44 || c === 40 || c === 41 || c === 47 || c === 95 || c === 91 || c === 93 || c === 0x2019;
}
function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
const unicodeWordChar = /[\p{L}\p{N}°º]/u;
function isWordChar(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return isAsciiAlnum(c) || (c > 127 && c !== 0xff1a && c !== 0x2019 && unicodeWordChar.test(text[i]!));
}

/**
 * The document number after a cue ending at `from`: separators and filler words, then an
 * alphanumeric token of 6–20 characters (inner `-` allowed) with at least one digit. Returns its
 * span, or undefined when anything else comes first.
 */
function valueAfter(text: string, from: number, joined: boolean): [number, number] | undefined {
  const limit = Math.min(text.length, from + window);
  let i = from;
  for (let words = 0; words < 4; words++) {
    while (i < limit && isSeparator(text.charCodeAt(i))) i++;
    if (i >= limit) return undefined;
    const start = i;
    let digits = 0;
    let ascii = true;
    while (i < text.length && i - start <= 24) {
      if (isWordChar(text, i)) {
        const c = text.charCodeAt(i);
        if (c >= 48 && c <= 57) digits++;
        else if (!isAsciiAlnum(c)) ascii = false;
        i++;
      } else if (text.charCodeAt(i) === 45 && isAsciiAlnum(text.charCodeAt(i + 1)) && i > start) {
        i++;
      } else {
        break;
      }
    }
    const length = i - start;
    if (length === 0) return undefined;
    if (digits > 0) {
      // `passportNumber`: a word joined to the cue must be a filler, never the value.
      if (joined && words === 0) return undefined;
      if (!ascii || length < 6 || length > 20 || isWordChar(text, i)) return undefined;
      return [start, i];
    }
    if (!fillers.has(text.slice(start, i).toLowerCase())) return undefined;
  }
  return undefined;
}

function cueRule(id: string, kind: string, cueKind: number, upper?: RegExp): Rule {
  return {
    id,
    kind,
    priority: priorities.SSN,
    needsDigit: true,
    scan(text, out, covered) {
      let done = 0;
      const found = (start: number, end: number): void => {
        if (start < done) return;
        // A word of its own, or joined to a filler (`passport_number`, `passportNumber`); not `xpassport`.
        if (start > 0 && isAsciiAlnum(text.charCodeAt(start - 1))) return;
        const joined = isAsciiAlnum(text.charCodeAt(end)) && isAsciiAlnum(text.charCodeAt(end - 1));
        const span = valueAfter(text, end, joined);
        if (span === undefined || covered?.(span[0], span[1])) return;
        const value = text.slice(span[0], span[1]);
        out.push(newCandidate(kind, id, priorities.SSN, span[0], span[1], value, value.toUpperCase()));
        done = span[1];
      };
      const cues = cuesOf(text);
      for (let c = 0; c < cues.starts.length; c++) if (cues.kinds[c] === cueKind) found(cues.starts[c]!, cues.ends[c]!);
      if (upper === undefined) return;
      done = 0;
      upper.lastIndex = 0;
      for (let m = upper.exec(text); m !== null; m = upper.exec(text)) found(m.index, m.index + m[0].length);
    },
  };
}

/** Passport numbers after a passport cue (`passport no. X1234567`, `Reisepass C01X00T47`). */
export function passportRule(): Rule {
  return cueRule('passport', 'PASSPORT', passportCue);
}

/** Driver licence numbers after a cue (`driver's license D1234-56789-01234`, `DL# …`, `Führerschein`). */
export function driverLicenseRule(): Rule {
  return cueRule('driverLicense', 'DRIVER_LICENSE', driverCue, upperCue);
}

/**
 * A value under a passport or driver licence key: a document number of letters, digits, `-` and
 * spaces where every space-separated group holds a digit (`passport number: GB1234567 issued` is
 * not one value).
 */
function documentNumber(value: string): boolean {
  const trimmed = value.trim();
  return trimmed.length >= 5 && trimmed.length <= 24 && /^[A-Za-z0-9][A-Za-z0-9 -]*$/.test(trimmed) && trimmed.split(/ +/).every((group) => /\d/.test(group));
}

/** Validators of the default field rules by kind: a key says what a value is, the value must agree. */
export const documentFieldValidators: Readonly<Record<string, (value: string) => boolean>> = {
  PASSPORT: documentNumber,
  DRIVER_LICENSE: documentNumber,
  SSN: ssnValid,
};
