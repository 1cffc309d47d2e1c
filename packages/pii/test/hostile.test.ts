import { describe, expect, it } from 'vitest';
import { createDetector } from '../src/index.ts';

// Every scanner added for issue 20 reads hostile text in bounded work per cue: 200 KB of cue words
// and near-matches is scanned to the end (timings belong in `pnpm bench:pii`).
const detector = createDetector();
const size = 200 * 1024;
const fill = (unit: string): string => unit.repeat(Math.ceil(size / unit.length));

describe('hostile input', () => {
  it.each([
    ['birth cues without dates', fill('born on the DOB: geb. né le 生年月日 ')],
    ['birth cues before broken dates', fill('DOB: 1985-13-45 born 99/99/1985 ')],
    ['birth cues and separators', `born ${fill(' : - ')}`],
    ['passport cues without numbers', fill('passport no. number nr ')],
    ['driver licence cues before words', fill("driver's license DL# Führerschein patente ")],
    ['obfuscated at marks', fill('alice [at] [dot] (at) ')],
    ['bare at and dot words', fill('at home dot at ')],
    ['URL schemes without credentials', fill('redis://cache:6379 ')],
    ['URL userinfo without a host', fill('a://u:p')],
    ['PEM BEGIN lines', fill('-----BEGIN PRIVATE KEY-----\n-----\n')],
    ['lower-case IBAN prefixes', fill('de89 3704 de12 ')],
    ['Discord-like runs', fill('M')],
    ['AWS secret key names', fill('aws_secret_access_key= ; ')],
    ['colons after hosts', fill('git@host.example:a/')],
  ])('scans %s to the end and finds nothing', (_what, text) => {
    expect(detector.detect(text)).toEqual([]);
  });

  it('reads a PEM block only up to its bound, then goes on', () => {
    const text = `-----BEGIN PRIVATE KEY-----\n${fill('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0123456789abcdefghijklmnopqrst\n')}`;
    const findings = detector.detect(text);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.kind === 'SECRET')).toBe(true);
  });
});
