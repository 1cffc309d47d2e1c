import { describe, expect, it } from 'vitest';
import { createDetector, maskText } from '../src/index.ts';

const detector = createDetector();
const found = (text: string): [string, string][] => detector.detect(text).map((f) => [f.kind, text.slice(f.start, f.end)]);

describe('passports and driver licences', () => {
  it.each([
    ['PASSPORT', 'passport no. X1234567', 'X1234567'],
    ['PASSPORT', 'Passport Number: 533380006', '533380006'],
    ['PASSPORT', 'scan of her passport number is 533380006, expires 2031', '533380006'],
    ['PASSPORT', 'Reisepass C01X00T47', 'C01X00T47'],
    ['PASSPORT', 'numéro de passeport 12AB34567', '12AB34567'],
    ['PASSPORT', 'passeport 12AB34567', '12AB34567'],
    ['PASSPORT', 'pasaporte: AB1234567', 'AB1234567'],
    ['PASSPORT', 'passaporto n. YA1234567', 'YA1234567'],
    ['PASSPORT', 'passaporte FZ123456', 'FZ123456'],
    ['PASSPORT', 'paszport nr AB1234567', 'AB1234567'],
    ['PASSPORT', 'パスポート番号：TK1234567', 'TK1234567'],
    ['PASSPORT', '{"passport_number": "X1234567"}', 'X1234567'],
    ['PASSPORT', 'passport number: GB1234567 issued in 2019', 'GB1234567'],
    ['PASSPORT', '{"passportNumber": "X1234567"}', 'X1234567'],
    ['PASSPORT', 'id,passport,country\n1,X1234567,DE\n', 'X1234567'],
    ['DRIVER_LICENSE', "driver's license D1234-56789-01234", 'D1234-56789-01234'],
    ['DRIVER_LICENSE', 'Driving licence: MORGA657054SM9IJ', 'MORGA657054SM9IJ'],
    ['DRIVER_LICENSE', 'DL# D12345678', 'D12345678'],
    ['DRIVER_LICENSE', 'Führerschein B072RRE2I55', 'B072RRE2I55'],
    ['DRIVER_LICENSE', 'Führerscheinnummer: B072RRE2I55', 'B072RRE2I55'],
    ['DRIVER_LICENSE', 'permis de conduire 123456789012', '123456789012'],
    ['DRIVER_LICENSE', 'licencia de conducir 12345678A', '12345678A'],
    ['DRIVER_LICENSE', 'patente di guida U1A23B456C', 'U1A23B456C'],
    ['DRIVER_LICENSE', 'patente U1A23B456C', 'U1A23B456C'],
    ['DRIVER_LICENSE', 'carteira de motorista/CNH 12345678901', '12345678901'],
    ['DRIVER_LICENSE', 'CNH: 12345678901', '12345678901'],
    ['DRIVER_LICENSE', 'rijbewijs 5123456789', '5123456789'],
    ['DRIVER_LICENSE', '{"driver_license": "D1234-56789-01234"}', 'D1234-56789-01234'],
    ['DRIVER_LICENSE', '{"driverLicenseNumber": "D1234567"}', 'D1234567'],
    ['DRIVER_LICENSE', 'id,drivers_license,state\n1,D1234567,CA\n', 'D1234567'],
  ])('finds %s in %j', (kind, text, value) => {
    expect(found(text)).toContainEqual([kind, value]);
  });

  it('masks the number only', () => {
    expect(maskText('passport no. X1234567, DL# D12345678').masked).toBe('passport no. [PASSPORT_1], DL# [DRIVER_LICENSE_1]');
  });

  it.each([
    'X1234567 and 533380006 and D1234-56789-01234',
    'passport expired last year, order 12345678 shipped',
    'passport photos: 2 of 4',
    'bring your passport and driver license to desk 12',
    '{"license_number": "ABC12345"}',
    '{"passport_expiry": "2030-01-01"}',
    '{"passport": "yes"}',
    'download DL 1234567',
    'a patent US1234567 was filed',
    'the compass number is 123456789',
  ])('leaves %j unchanged', (text) => {
    expect(maskText(text).masked).toBe(text);
  });
});
