import { describe, expect, it } from 'vitest';
import { PiiVault, createDetector, tokenizeText, tokenizeToolResult, tokenizeValue } from '../src/index.ts';

const detector = createDetector({ fields: { name: 'NAME', address: 'ADDRESS', dob: 'DOB' } });

describe('tokenization', () => {
  it('gives the same value the same placeholder within a vault, and other values new ones', () => {
    const vault = PiiVault.memory();
    const options = { detector, vault, server: 'crm' };
    const a = tokenizeText('mail Alice@Example.com or bob@example.com', options);
    const b = tokenizeText('again alice@example.com, phone +1 415 555 2671 / (415) 555-2671', options);
    expect(a.text).toBe('mail [EMAIL_1] or [EMAIL_2]');
    expect(b.text).toBe('again [EMAIL_1], phone [PHONE_1] / [PHONE_1]');
    expect(vault.lookup('[EMAIL_1]')).toMatchObject({ kind: 'EMAIL', value: 'Alice@Example.com', origins: ['crm'] });
    expect(PiiVault.memory().tokenize({ kind: 'EMAIL', value: 'bob@example.com', server: 'crm' })).toBe('[EMAIL_1]');
  });

  it('reports findings with offsets in the original text', () => {
    const text = 'x alice@example.com y';
    const { findings } = tokenizeText(text, { detector, vault: PiiVault.memory(), server: 's' });
    expect(findings).toEqual([{ kind: 'EMAIL', placeholder: '[EMAIL_1]', start: 2, end: 19, rule: 'email' }]);
  });

  it('walks structured data: keys and values masked, field rules whatever the value', () => {
    const vault = PiiVault.memory();
    const input = {
      name: 'Zoë Müller',
      email: 'zoe@example.com',
      dob: 19_850_314,
      address: { street: '1 Main St', city: 'Springfield' },
      notes: ['call +44 20 7946 0958', 'no pii here'],
      'alice@example.com': true,
      count: 3,
    };
    const { value, findings } = tokenizeValue(input, { detector, vault, server: 'crm' });
    expect(value).toEqual({
      name: '[NAME_1]',
      email: '[EMAIL_1]',
      dob: '[DOB_1]',
      address: { street: '[ADDRESS_1]', city: '[ADDRESS_2]' },
      notes: ['call [PHONE_1]', 'no pii here'],
      '[EMAIL_2]': true,
      count: 3,
    });
    expect(findings.map((f) => f.path.join('.'))).toContain('address.city');
    expect(vault.lookup('[DOB_1]')).toMatchObject({ value: '19850314', type: 'number' });
  });

  it('masks a raw value the vault already holds wherever it appears', () => {
    const vault = PiiVault.memory();
    tokenizeValue({ name: 'Kwame Mensah' }, { detector, vault, server: 'memory' });
    const { text } = tokenizeText('Spoke with kwame mensah about Kwame Mensahs order', { detector, vault, server: 'crm' });
    expect(text).toBe('Spoke with [NAME_1] about Kwame Mensahs order');
    expect(vault.lookup('[NAME_1]')?.origins).toEqual(['memory', 'crm']);
  });

  it('tokenizes MCP text blocks, resource text and structuredContent, leaving other blocks alone', () => {
    const vault = PiiVault.memory();
    const image = { type: 'image', data: 'aGk=', mimeType: 'image/png' };
    const { result } = tokenizeToolResult(
      {
        content: [
          { type: 'text', text: '{"name": "Ann Lee", "email": "ann@example.com"}' },
          { type: 'resource', resource: { uri: 'file:///a.txt', mimeType: 'text/plain', text: 'IP 203.0.113.9' } },
          image,
        ],
        structuredContent: { contacts: [{ name: 'Ann Lee', phone: '+1 415 555 2671' }] },
        isError: false,
      },
      { detector, vault, server: 'crm' },
    );
    expect(result.content).toEqual([
      { type: 'text', text: '{"name": "[NAME_1]", "email": "[EMAIL_1]"}' },
      { type: 'resource', resource: { uri: 'file:///a.txt', mimeType: 'text/plain', text: 'IP [IP_1]' } },
      image,
    ]);
    expect(result.structuredContent).toEqual({ contacts: [{ name: '[NAME_1]', phone: '[PHONE_1]' }] });
    expect(result.isError).toBe(false);
  });

  it('masks log lines (logfmt and JSON lines)', () => {
    const vault = PiiVault.memory();
    const log = 'level=info name="Ann Lee" ip=203.0.113.9 msg="sent to ann@example.com"\n{"level":30,"name":"Bo Ek","msg":"ok"}';
    expect(tokenizeText(log, { detector, vault, server: 'log' }).text).toBe('level=info name="[NAME_1]" ip=[IP_1] msg="sent to [EMAIL_1]"\n{"level":30,"name":"[NAME_2]","msg":"ok"}');
  });
});
