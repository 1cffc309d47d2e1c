import { birthCue, cuesOf } from './cues.ts';
import { type Rule, newCandidate, priorities } from './rules.ts';

// Built by a function: rules.ts imports this module (see secrets.ts). The birth cues are found in
// cues.ts, in one pass with the passport and driver licence cues.

/** After a cue, the date must start within this many characters. */
const window = 24;

// Month names and abbreviations (en, de, fr, es, it, pt, nl, pl: nominative and genitive).
const monthNames = new Set(
  (
    'january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec ' +
    'januar jänner februar märz mai juni juli oktober dezember mär mrz okt dez ' +
    'janvier février fevrier mars avril juin juillet août aout septembre octobre novembre décembre decembre janv févr fevr avr juil déc ' +
    'enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre ene ago dic ' +
    'gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre gen mag giu lug set ott ' +
    'janeiro fevereiro março marco maio junho julho setembro outubro novembro dezembro fev out ' +
    'januari februari maart mei augustus mrt ' +
    'stycznia lutego marca kwietnia maja czerwca lipca sierpnia września wrzesnia października pazdziernika listopada grudnia ' +
    'styczeń styczen luty marzec kwiecień kwiecien maj czerwiec lipiec sierpień sierpien wrzesień wrzesien październik pazdziernik listopad grudzień grudzien'
  ).split(' '),
);

// Each tried at one position only (sticky).
const isoDate = /(\d{4})([-/.])(\d{1,2})\2(\d{1,2})/y;
const numericDate = /(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})/y;
const dayMonthYear = /(\d{1,2})(?:st|nd|rd|th|er|º|°)?\.?\s{0,2}(?:(?:de|of)\s{1,2})?(\p{L}{3,12})\.?,?\s{0,2}(?:de\s{1,2})?(\d{4})/uy;
const monthDayYear = /(\p{L}{3,12})\.?\s{1,2}(\d{1,2})(?:st|nd|rd|th)?,?\s{1,2}(\d{4})/uy;
const japaneseDate = /(\d{4})\s?年\s?(\d{1,2})\s?月\s?(\d{1,2})\s?日/y;
// Between the cue and the date: separators and a few short words ("born on the", "né le", "am").
const gap = /(?:[\s:=#"'()\-–—,/：]|\b(?:on|the|am|le|el|il|em|op|is|was|dnia)\b){1,12}/y;

function isLetterOrDigit(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}]/u.test(c);
}

function isAsciiWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function plausible(year: number, month: number, day: number, twoDigitYear = false): boolean {
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (twoDigitYear) return true;
  return year >= 1880 && year <= new Date().getUTCFullYear();
}

/** The end of a date of birth written at `at`, or -1. */
function dateAt(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c >= 48 && c <= 57) {
    japaneseDate.lastIndex = at;
    let m = japaneseDate.exec(text);
    if (m && plausible(Number(m[1]), Number(m[2]), Number(m[3]))) return japaneseDate.lastIndex;
    isoDate.lastIndex = at;
    m = isoDate.exec(text);
    if (m && plausible(Number(m[1]), Number(m[3]), Number(m[4])) && !/\d/.test(text[isoDate.lastIndex] ?? '')) return isoDate.lastIndex;
    numericDate.lastIndex = at;
    m = numericDate.exec(text);
    if (m && !/\d/.test(text[numericDate.lastIndex] ?? '')) {
      const a = Number(m[1]);
      const b = Number(m[3]);
      const short = m[4]!.length === 2;
      const year = Number(m[4]);
      // Day first or month first: either reading may be the right one.
      if (plausible(year, b, a, short) || plausible(year, a, b, short)) return numericDate.lastIndex;
    }
    dayMonthYear.lastIndex = at;
    m = dayMonthYear.exec(text);
    if (m && monthNames.has(m[2]!.toLowerCase()) && plausible(Number(m[3]), 1, Number(m[1])) && !/\d/.test(text[dayMonthYear.lastIndex] ?? '')) return dayMonthYear.lastIndex;
    return -1;
  }
  monthDayYear.lastIndex = at;
  const m = monthDayYear.exec(text);
  if (m && monthNames.has(m[1]!.toLowerCase()) && plausible(Number(m[3]), 1, Number(m[2])) && !/\d/.test(text[monthDayYear.lastIndex] ?? '')) return monthDayYear.lastIndex;
  return -1;
}

/**
 * Dates of birth: a date right after a birth cue (`DOB: 1985-03-14`, `born on 14 March 1985`,
 * `Geburtsdatum: 14.03.1985`, `né le 14 mars 1985`, `生年月日: 1985年3月14日`). Only the date is
 * masked, not the cue. Cue first, then one date parse in a short window after it: a date without a
 * cue (`created 2024-03-14`) is no date of birth.
 */
export function dobRule(): Rule {
  return {
    id: 'dob',
    kind: 'DOB',
    priority: priorities.SSN,
    needsDigit: true,
    scan(text, out, covered) {
      const cues = cuesOf(text);
      let done = 0;
      for (let c = 0; c < cues.starts.length; c++) {
        const cueStart = cues.starts[c]!;
        const cueEnd = cues.ends[c]!;
        if (cues.kinds[c] !== birthCue || cueStart < done) continue;
        // A word of its own: not `adobe`, `reborn`, `dobby`.
        if (isLetterOrDigit(text[cueStart - 1]) || (isAsciiWordChar(text.charCodeAt(cueEnd)) && isAsciiWordChar(text.charCodeAt(cueEnd - 1)))) continue;
        let at = cueEnd;
        gap.lastIndex = at;
        if (gap.exec(text) !== null) at = gap.lastIndex;
        if (at - cueEnd > window) continue;
        const end = dateAt(text, at);
        if (end === -1 || covered?.(at, end)) continue;
        out.push(newCandidate('DOB', 'dob', priorities.SSN, at, end, text.slice(at, end), undefined));
        done = end;
      }
    },
  };
}
