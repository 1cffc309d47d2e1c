import { describe, expect, it } from 'vitest';
import { createDetector, maskText } from '../src/index.ts';

// A phone word before a number, in the languages of the default regions, lets a number through
// that the metadata does not know (new ranges, synthetic test data, a region not in the list).
const detector = createDetector();
const phones = (text: string): string[] => detector.detect(text).filter((f) => f.kind === 'PHONE').map((f) => text.slice(f.start, f.end));

describe('phone numbers after a phone word', () => {
  it.each([
    ['text me on 0612 000 111 tonight', '0612 000 111'],
    ['SMS sent to 0190001122', '0190001122'],
    ['Bitte Rückruf unter 0911 0000 1234', '0911 0000 1234'],
    ['pide que la llamen al 811 00 22 33', '811 00 22 33'],
    ['prosi o kontakt pod numerem 12 345 67 89', '12 345 67 89'],
    ['her mobile is +99 123 4567 890', '+99 123 4567 890'],
    ['電話番号: 0120-000-111', '0120-000-111'],
  ])('%s', (text, phone) => {
    expect(phones(text)).toEqual([phone]);
  });

  it('a + and a country code of a possible length are a phone without a word before them', () => {
    // +33 followed by a 9-digit number the French ranges do not hold.
    expect(phones('escalated, see +33 590 00 11 22 in the ticket')).toEqual(['+33 590 00 11 22']);
  });

  it.each([
    ['an order number after "call"', 'call about order 12345678 tomorrow'],
    ['a count after a phone word', 'calls handled: 1234567 this year'],
    ['a date after "sms sent"', 'sms sent 2024-03-14 10:22'],
    ['an amount after "contact"', 'contact billing: 16871.09 EUR outstanding'],
    ['a short number after "call"', 'call 911 or 112'],
  ])('leaves %s alone', (_what, text) => {
    expect(maskText(text).masked).toBe(text);
  });

  it('decides each occurrence by its own words: one detector, the same number with and without a phone word', () => {
    const one = createDetector();
    const of = (text: string): string[] => one.detect(text).filter((f) => f.kind === 'PHONE').map((f) => text.slice(f.start, f.end));
    // 12 345 67 89 is no number the metadata knows: only a phone word before it makes it a phone.
    expect(of('ref 12 345 67 89 in the ledger')).toEqual([]);
    expect(of('prosi o kontakt pod numerem 12 345 67 89')).toEqual(['12 345 67 89']);
    expect(of('ref 12 345 67 89 in the ledger')).toEqual([]);
  });
});
