// The in-memory vault of a PostgreSQL store (row mode): what is pending, what is dropped when
// another replica stored values first, and how stored rows merge with values still pending.
import { describe, expect, it } from 'vitest';
import { PiiVault } from '../src/index.ts';

const row = (placeholder: string, value: string, origins: string[] = ['crm']) => ({ placeholder, kind: placeholder.slice(1, placeholder.lastIndexOf('_')), value, type: 'string' as const, normalized: value, origins });

describe('PiiVault in row mode', () => {
  it('numbers new values after the stored ones and lists them as pending until confirmed', () => {
    const vault = PiiVault.rows();
    vault.applyStored([row('[EMAIL_1]', 'a@example.com'), row('[EMAIL_4]', 'b@example.com')]);
    expect(vault.tokenize({ kind: 'EMAIL', value: 'c@example.com', server: 'crm' })).toBe('[EMAIL_5]');
    expect(vault.tokenize({ kind: 'EMAIL', value: 'a@example.com', server: 'notion' })).toBe('[EMAIL_1]');
    const pending = vault.pending();
    expect(pending.entries.map((e) => e.placeholder)).toEqual(['[EMAIL_5]']);
    expect([...pending.origins].map(([p, o]) => [p, [...o]])).toEqual([['[EMAIL_1]', ['notion']]]);
    vault.confirm();
    expect(vault.pending().entries).toEqual([]);
    expect(vault.pending().origins.size).toBe(0);
  });

  it('drops pending values (and their numbers) when another replica got there first', () => {
    const vault = PiiVault.rows();
    vault.applyStored([row('[EMAIL_1]', 'a@example.com')]);
    const generation = vault.generation;
    expect(vault.tokenize({ kind: 'EMAIL', value: 'mine@example.com' })).toBe('[EMAIL_2]');
    vault.discardPending();
    expect(vault.generation).not.toBe(generation);
    expect(vault.lookup('[EMAIL_2]')).toBeUndefined();
    expect(vault.placeholderFor('EMAIL', 'mine@example.com')).toBeUndefined();
    // The other replica's row comes in; the value is tokenized again after it.
    vault.applyStored([row('[EMAIL_2]', 'theirs@example.com')]);
    expect(vault.tokenize({ kind: 'EMAIL', value: 'mine@example.com' })).toBe('[EMAIL_3]');
    expect(vault.lookup('[EMAIL_2]')?.value).toBe('theirs@example.com');
  });

  it('keeps values a masker added while rows were read, unless a stored row took their value or placeholder', () => {
    const vault = PiiVault.rows();
    vault.tokenize({ kind: 'EMAIL', value: 'kept@example.com' }); // [EMAIL_1], pending
    vault.tokenize({ kind: 'PHONE', value: '+14155552671' }); // [PHONE_1], pending
    vault.tokenize({ kind: 'NAME', value: 'Same Value' }); // [NAME_1], pending
    vault.applyStored([row('[PHONE_1]', '+33142685300'), row('[NAME_7]', 'Same Value')]);
    expect(vault.lookup('[PHONE_1]')?.value).toBe('+33142685300');
    expect(vault.placeholderFor('NAME', 'Same Value')).toBe('[NAME_7]');
    expect(vault.lookup('[EMAIL_1]')?.value).toBe('kept@example.com');
    expect(vault.pending().entries.map((e) => e.placeholder)).toEqual(['[EMAIL_1]']);
    expect(vault.tokenize({ kind: 'PHONE', value: '+14155552671' })).toBe('[PHONE_2]');
  });
});
