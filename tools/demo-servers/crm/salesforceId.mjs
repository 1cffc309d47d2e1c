// Salesforce record ids: a 3-character key prefix, a 12-character body, and the 3-character
// case-safe suffix Salesforce appends to make the 18-character form.
const suffixAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** The 18-character id for the `n`-th record of the object with key prefix `prefix` (`003` = Contact). */
export function salesforceId(prefix, n) {
  const id15 = `${prefix}5g00000${String(n).padStart(5, '0')}`.slice(0, 15);
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const char = id15[chunk * 5 + i];
      if (char >= 'A' && char <= 'Z') bits |= 1 << i;
    }
    suffix += suffixAlphabet[bits];
  }
  return id15 + suffix;
}
