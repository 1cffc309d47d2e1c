import { describe, expect, it } from 'vitest';
import { createDetector, maskText } from '../src/index.ts';

const detector = createDetector();
const found = (text: string): [string, string][] => detector.detect(text).map((f) => [f.kind, text.slice(f.start, f.end)]);

describe('dates of birth', () => {
  it.each([
    ['DOB: 1985-03-14', '1985-03-14'],
    ['Patient D.O.B. 03/14/1985, seen today', '03/14/1985'],
    ['she was born on 14 March 1985 in Leeds', '14 March 1985'],
    ['born 1985-03-14', '1985-03-14'],
    ['he was born on March 14, 1985.', 'March 14, 1985'],
    ['Geburtsdatum: 14.03.1985', '14.03.1985'],
    ['Herr Maier, geb. 14.03.1985, wohnhaft', '14.03.1985'],
    ['geboren am 14. März 1985', '14. März 1985'],
    ['date de naissance : 14/03/1985', '14/03/1985'],
    ['Mme Durand, née le 14 mars 1985', '14 mars 1985'],
    ['né le 14 mars 1985', '14 mars 1985'],
    ['fecha de nacimiento: 14/03/1985', '14/03/1985'],
    ['nacida el 3 de marzo de 1990', '3 de marzo de 1990'],
    ['data di nascita 14/03/1985', '14/03/1985'],
    ['nato il 14 marzo 1985', '14 marzo 1985'],
    ['data de nascimento: 14/03/1985', '14/03/1985'],
    ['geboortedatum 14-03-1985', '14-03-1985'],
    ['data urodzenia: 14.03.1985', '14.03.1985'],
    ['urodzony 14 marca 1985', '14 marca 1985'],
    ['生年月日: 1985年3月14日', '1985年3月14日'],
    ['record: birth_date: 12/01/1966 (verified)', '12/01/1966'],
    ['{"user": {"dob": "1985-03-14"}}', '1985-03-14'],
    ['{"birthDate": "1985-03-14"}', '1985-03-14'],
    ['{"date_of_birth": "14/03/1985"}', '14/03/1985'],
    ['{"geburtsdatum": "14.03.1985"}', '14.03.1985'],
    ['level=info dob=1985-03-14 user=42', '1985-03-14'],
    ['id,birth_date,plan\n1,12/01/1966,pro\n', '12/01/1966'],
  ])('finds the date in %j', (text, date) => {
    expect(found(text)).toContainEqual(['DOB', date]);
  });

  it('masks the date only, not the cue', () => {
    expect(maskText('DOB: 1985-03-14').masked).toBe('DOB: [DOB_1]');
    expect(maskText('Born on 14 March 1985, she moved in 2001.').masked).toBe('Born on [DOB_1], she moved in 2001.');
    expect(maskText('Geburtsdatum 14.03.1985, geb. 14.03.1985').masked).toBe('Geburtsdatum [DOB_1], geb. [DOB_1]');
  });

  it.each([
    'created 2024-03-14',
    'ts=2024-03-14T10:30:00Z level=info',
    'due 14/03/1985 and paid 14.03.1985',
    'Adobe 2024-03-14 release',
    'born in 1985',
    'born on 45 March 1985',
    'born on 2099-01-01',
    'born on the 4th of July parade, 2024-07-04',
    'reborn 1985-03-14',
  ])('leaves %j unchanged', (text) => {
    expect(maskText(text).masked).toBe(text);
  });
});
