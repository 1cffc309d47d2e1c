import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { MagsagError } from '@magsag/core';
import { leftBoundary } from './boundary.ts';

/**
 * Regions tried, in order, for numbers written without a country code.
 * @default ['US', 'GB', 'DE', 'FR', 'IN', 'AU', 'JP', 'BR', 'ES', 'IT', 'NL', 'CA']
 */
export const defaultPhoneRegions: readonly string[] = ['US', 'GB', 'DE', 'FR', 'IN', 'AU', 'JP', 'BR', 'ES', 'IT', 'NL', 'CA'];

/**
 * Phone words in the languages of the default regions, with a few linking words after them, just
 * before a number: `sms sent to`, `call me on`, `Rückruf unter`, `llamen al`, `phone: `. Near one,
 * a grouped number of a possible length is a phone even when the metadata knows no such range.
 */
const cueBefore =
  /(?:\b(?:tel|tél|phone[ds]?|telephone|mobile|mob|cell|cellphone|fax|call(?:ed|ing)?|ring|sms|text(?:ed)?|whatsapp|signal|reach|dial(?:led)?|contact|hotline|helpline|anruf(?:en)?|rückruf|ruf|zurückrufen|telefon(?:isch|nummer)?|handy|mobil(?:nummer)?|appel(?:er|ez)?|rappel(?:er|ez)?|téléphone|portable|llam(?:ar|e|en|ada)|tel[eé]fono|m[oó]vil|celular|chiama(?:re|mi|to)?|richiama(?:re|to|ta|mi)?|cellulare|ligar|ligue|telefone|bel(?:len|t)?|teruggebeld|terugbellen|telefoon|mobiel|dzwo[nń](?:ić|ic)?|zadzwo[nń]|telefonu?|komórk[ai]|kontakt|numer(?:em|u)?)\b|電話(?:番号)?|携帯)[\s.:#"'=()/-]*(?:(?:no\.?|nr\.?|num(?:ber|ero|éro|mer)?|n[º°]|me|us|him|her|them|back|sent|to|at|on|via|is|was|under|al|au|a|op|pod|em|no|de|pe|unter)[\s.:#"'=-]+){0,4}$/i;

/** Words that, just before a bare digit run, say it is a phone number. */
const keywordBefore = /(?:tel|phone|mobile|mob|cell|fax|call|sms|whatsapp|contact|ph|tél|telefon|telefono|téléphone|電話)[\s.:#"'=()/-]*(?:no\.?|number|nr\.?|num)?[\s.:#"'=-]*$/i;
const nanpShape = /^(?:\+?1[ .-]?)?(?:\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}$/;
// National-format candidates with these shapes are SSNs, IP addresses or ISBN/part numbers.
const notPhoneShape = /^\d{3}([- ])\d{2}\1\d{4}$|^\d{1,3}(?:\.\d{1,3}){3}$/;
// An amount (16871.09), not a phone: digits, one decimal point, at most two decimals.
const amountShape = /^\d+\.\d{1,2}$/;
// A US ZIP+4 (`02139-4307`) or a Brazilian CEP (`01310-100`): a phone only after a phone word.
const postalShape = /^\d{5}-\d{3,4}$/;
const postalBefore = /(?:zip|zip code|postal|postcode|post code|plz|cep|cp|code postal|código postal|codigo postal)[\s.:#"'=-]*$/i;
const datePrefix = /^(?:\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{1,2}[./-]\d{1,2}[./-]\d{2}$)/;

/** What a phone detector reports: the span in the candidate and the E.164 form. */
export interface PhoneMatch {
  start: number;
  end: number;
  e164: string;
}

/** Validates region codes for the phone detector, naming the bad one. */
export function checkPhoneRegions(regions: readonly string[]): CountryCode[] {
  return regions.map((region) => {
    if (!isSupportedCountry(region)) {
      throw new MagsagError('CONFIG_INVALID', `Unknown phone region "${region}" in pii.phoneRegions: use ISO 3166 alpha-2 codes such as US, GB, DE.`, { data: { region } });
    }
    return region;
  });
}

function digitsOf(text: string): string {
  return text.replace(/\D/g, '');
}

/**
 * A phone-number detector: a loose candidate pattern, cheap shape checks, then libphonenumber-js
 * (full metadata) decides. Numbers without a country code must be written the way the region
 * writes them nationally (trunk prefix and all), so dates and order numbers do not pass as phones.
 */
export class PhoneScanner {
  // A run of digits with the separators phone numbers use, optionally starting with + or 00.
  // Linear in the text: a candidate never starts inside a digit run (the lookbehind fails at once
  // there), and each digit group is at most 17 digits long (no phone number has more), so a long
  // run of digits costs a bounded amount of backtracking once instead of once per position.
  readonly #candidate = /(?<!\d)(?:\+[ ]?|\b00[ ]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,17}(?:(?:[ .-]|[ .-]?\(|\)[ .-]?)\d{1,17}){0,8}(?![\w@]|[.,-]\d)/g;
  readonly #regions: CountryCode[];
  readonly #cache = new Map<string, string | null>();

  constructor(regions: readonly string[] = defaultPhoneRegions) {
    this.#regions = checkPhoneRegions(regions);
  }

  /** Calls `found` for each phone in `text`; spans `covered` says are decided are not parsed. */
  scan(text: string, covered: ((start: number, end: number) => boolean) | undefined, found: (match: PhoneMatch) => void): void {
    const re = this.#candidate;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const candidate = m[0];
      // Most matches are short numbers (amounts, counts, parts of dates): the digit count goes first.
      if (candidate.length < 7) continue;
      let count = 0;
      for (let i = 0; i < candidate.length; i++) {
        const c = candidate.charCodeAt(i);
        if (c >= 48 && c <= 57) count++;
      }
      if (count < 7 || count > 17) continue;
      if (!leftBoundary(text, m.index, '+/.,-')) continue;
      if (covered?.(m.index, m.index + candidate.length)) continue;
      const digits = digitsOf(candidate);
      const e164 = this.#check(candidate, digits, text, m.index);
      if (e164 !== undefined) found({ start: m.index, end: m.index + candidate.length, e164 });
    }
  }

  #check(candidate: string, digits: string, text: string, index: number): string | undefined {
    const international = candidate[0] === '+' || candidate.startsWith('00');
    const bare = /^\+?\d+$/.test(candidate);
    if (!international) {
      const beforeLast = candidate.charCodeAt(candidate.length - 2);
      // A last group of one digit: ISBNs and part numbers, not phones.
      if (beforeLast === 32 || beforeLast === 45 || beforeLast === 46) return undefined;
      if (datePrefix.test(candidate) || notPhoneShape.test(candidate) || amountShape.test(candidate)) return undefined;
    }
    // A phone word up to 40 characters before: read once, only when a rule below needs it.
    let cue: boolean | undefined;
    const cued = (): boolean => (cue ??= cueBefore.test(text.slice(Math.max(0, index - 40), index)));
    if (!international && bare && !keywordBefore.test(text.slice(Math.max(0, index - 24), index)) && !cued()) return undefined;
    if (!international && postalShape.test(candidate)) {
      const before = text.slice(Math.max(0, index - 24), index);
      if (postalBefore.test(before) || !keywordBefore.test(before)) return undefined;
    }
    // The cache holds what the metadata says of a candidate alone; the cue below depends on the
    // text around it, so it is applied after the cache, never stored in it.
    let result: string | undefined;
    const cached = this.#cache.get(candidate);
    if (cached !== undefined) result = cached ?? undefined;
    else {
      result = international ? this.#international(candidate) : this.#national(candidate, digits);
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(candidate, result ?? null);
    }
    // After a phone word, a number with a + or a trunk 0 or in groups, or 8 digits or more, is one.
    if (result === undefined && (international || !bare || digits[0] === '0' || digits.length >= 8) && cued()) {
      result = this.#possible(candidate, international ? `+${digitsOf(candidate.startsWith('00') ? candidate.slice(2) : candidate)}` : digits);
    }
    return result;
  }

  #international(candidate: string): string | undefined {
    const normalized = candidate.startsWith('00') ? `+${candidate.slice(2)}` : candidate;
    const digits = digitsOf(normalized);
    if (digits.length < 8 || digits.length > 15) return undefined;
    // "+44 (0)20 7946 0958": the bracketed trunk prefix is a UK/EU convention, not part of the number.
    const phone = parsePhoneNumberFromString(normalized.replace(/\(0\)/, ''));
    // A leading + and a country code say "phone" by themselves: a number of a possible length for
    // that country is taken even when the metadata knows no such range (new ranges, overseas
    // departments written under their parent's code, numbers the metadata has not caught up with).
    return phone?.isValid() || phone?.isPossible() ? phone.number : undefined;
  }

  /**
   * A grouped national number after a phone word: taken when it has a possible length in one of the
   * regions (its E.164 form from the first), else as its digits when there are 7 to 15.
   */
  #possible(candidate: string, digits: string): string | undefined {
    if (digits.startsWith('+')) return digits.length >= 9 && digits.length <= 16 ? digits : undefined;
    if (digits.length < 7 || digits.length > 15) return undefined;
    for (const region of this.#regions) {
      const phone = parsePhoneNumberFromString(candidate, region);
      if (phone?.isPossible()) return phone.number;
    }
    return digits;
  }

  #national(candidate: string, digits: string): string | undefined {
    const nanp = nanpShape.test(candidate);
    for (const region of this.#regions) {
      if ((region === 'US' || region === 'CA') && !nanp) continue;
      const phone = parsePhoneNumberFromString(candidate, region);
      if (!phone?.isValid()) continue;
      // The digits must be exactly the national form (trunk prefix included) or, for NANP, 1 + it.
      const national = digitsOf(phone.format('NATIONAL'));
      if (digits === national || digits === `${phone.countryCallingCode}${phone.nationalNumber}` && phone.countryCallingCode === '1') {
        return phone.number;
      }
    }
    return undefined;
  }
}
