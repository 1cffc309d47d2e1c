import { describe, expect, it } from 'vitest';
import { PiiVault, createDetector, maskText } from '../src/index.ts';

// Issue 20: each false positive the fresh corpus found stays unchanged after masking, and the true
// positives next to it are still found.
const detector = createDetector();
const found = (text: string): [string, string][] => detector.detect(text).map((f) => [f.kind, text.slice(f.start, f.end)]);

describe('false positives of issue 20', () => {
  it.each([
    ['a version in a file name as an IP', 'download pkg-1.10.2.0.tar.gz from the mirror'],
    ['a section number as an IP', 'see section 2.1.3.4 for details'],
    ['a numbered heading as an IP', 'Sec. 2.1.3.4 and § 1.2.3.4 and chapter 10.1.2.3'],
    ['a US ZIP+4 as a phone', 'zip: 02139-4307'],
    ['a Brazilian CEP as a phone', 'CEP 01310-100, São Paulo'],
    ['the loopback and a port as an IP', 'connect ECONNREFUSED ::1:5432'],
    ['an scp-style git remote as an email', 'git remote add origin git@github.com:acme/infra.git'],
    ['a part number as an SSN', 'Part 201-44-7810 is out of stock'],
    ['an error code as an SSN', 'Error 401-12-2024: token expired'],
    ['an amount as a phone', 'Invoice total 16871.09 EUR'],
    ['an amount in JSON as a phone', '{"invoice": 42, "amount": 16871.09, "currency": "EUR"}'],
    ['an amount in CSV as a phone', 'id,amount,currency\n1,16871.09,EUR\n2,271.5,USD\n'],
    ['an amount after a label as a phone', 'amount: 16871.09'],
  ])('leaves %s unchanged', (_what, text) => {
    expect(maskText(text).masked).toBe(text);
  });

  it('still finds the true positives next to them', () => {
    expect(found('from 10.1.2.3 and 10.0.0.1-10.0.0.255')).toEqual([['IP', '10.1.2.3'], ['IP', '10.0.0.1'], ['IP', '10.0.0.255']]);
    expect(found('search 10.1.2.3, start 10.1.2.4, firewall rule 10.1.2.5')).toEqual([['IP', '10.1.2.3'], ['IP', '10.1.2.4'], ['IP', '10.1.2.5']]);
    expect(found('peer fe80::1ff:fe23:4567:890a on eth0')).toEqual([['IP', 'fe80::1ff:fe23:4567:890a']]);
    expect(found('tel 02139-4307')).toEqual([['PHONE', '02139-4307']]);
    expect(found('mail alice@example.com: thanks')).toEqual([['EMAIL', 'alice@example.com']]);
    expect(found('SSN 201-44-7810')).toEqual([['SSN', '201-44-7810']]);
  });
});

describe('SSN recall', () => {
  it.each([
    ['SSN: 123 45 6789', '123 45 6789'],
    ['SSN#123-45-6789', '123-45-6789'],
    ['ssn 123.45.6789', '123.45.6789'],
    ['Social Security No. 123456789', '123456789'],
    ['SSN-123-45-6789', '123-45-6789'],
    ['SSN 123–45–6789', '123–45–6789'],
    ['{"social_security_number": "123456789"}', '123456789'],
    ['id,ssn,plan\n1,123456789,pro\n', '123456789'],
  ])('finds %j', (text, value) => {
    expect(found(text)).toContainEqual(['SSN', value]);
  });
});

it.each(['{"ssn": "000-00-0000"}', '{"ssn": "N/A"}', 'id,ssn\n1,unknown\n'])('leaves the SSN field %j unchanged when its value is none', (text) => {
  expect(maskText(text).masked).toBe(text);
});

describe('emails', () => {
  it.each([
    ['write to alice at example dot com today', 'alice at example dot com'],
    ['alice [at] example [dot] com', 'alice [at] example [dot] com'],
    ['alice(at)example(dot)com', 'alice(at)example(dot)com'],
    ['contact: alice AT example DOT org', 'alice AT example DOT org'],
    ['bob.smith {at} mail.example.co.uk', 'bob.smith {at} mail.example.co.uk'],
    ['alice [at] example.com', 'alice [at] example.com'],
  ])('finds the obfuscated address in %j', (text, value) => {
    expect(found(text)).toContainEqual(['EMAIL', value]);
  });

  it('gives an obfuscated address the placeholder of its plain form', () => {
    const vault = PiiVault.memory();
    expect(maskText('alice@example.com, alice [at] example [dot] com, Alice AT Example DOT com', { vault }).masked).toBe('[EMAIL_1], [EMAIL_1], [EMAIL_1]');
  });

  it('masks percent-encoded addresses alone and in query strings, with the plain address placeholder', () => {
    const vault = PiiVault.memory();
    // Standing alone it is decoded, masked and encoded again (`%5B` is `[`).
    expect(maskText('alice@example.com, alice%40example.com', { vault }).masked).toBe('[EMAIL_1], %5BEMAIL_1%5D');
    expect(maskText('GET /unsubscribe?list=news&email=alice%40example.com', { vault }).masked).toBe('GET /unsubscribe?list=news&email=%5BEMAIL_1%5D');
    expect(maskText('https://x.example/?to=bob%40example.org', { vault }).masked).not.toContain('bob');
  });

  it.each([
    'meet at home dot',
    'we met at noon and left at five',
    'look at this dot product',
    'the meeting is at google dot something',
    'arrived at example.com headquarters',
    'price at 5 dot 99',
  ])('leaves the prose %j unchanged', (text) => {
    expect(maskText(text).masked).toBe(text);
  });
});

describe('IBANs', () => {
  it.each([
    ['de89370400440532013000', 'de89370400440532013000'],
    ['IBAN: DE89 3704 0044 0532 0130 00.', 'DE89 3704 0044 0532 0130 00'],
    ['iban de89 3704 0044 0532 0130 00', 'de89 3704 0044 0532 0130 00'],
    ['gb82west12345698765432', 'gb82west12345698765432'],
  ])('finds %j', (text, value) => {
    expect(found(text)).toContainEqual(['IBAN', value]);
  });

  it('gives the lower-case and spaced forms one placeholder', () => {
    const vault = PiiVault.memory();
    expect(maskText('DE89370400440532013000 de89 3704 0044 0532 0130 00', { vault }).masked).toBe('[IBAN_1] [IBAN_1]');
  });

  it.each(['de88370400440532013000', 'De89370400440532013000', 'de89 37 04 00 44 05 32 01 30 00'])('leaves %j unchanged', (text) => {
    expect(maskText(text).masked).toBe(text);
  });
});
