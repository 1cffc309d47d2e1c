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

describe('structure and known values', () => {
  it('keeps JSON valid: personal numbers quoted, amounts numbers, placeholders untouched', () => {
    const vault = PiiVault.memory();
    const text = '{"phone": 4155552671, "Amount": 16871.09, "full_name": "[NAME_7]", "note": "ok"}';
    const out = tokenizeText(text, { detector, vault, server: 'crm' }).text;
    expect(JSON.parse(out)).toEqual({ phone: '[PHONE_1]', Amount: 16871.09, full_name: '[NAME_7]', note: 'ok' });
  });

  it('masks CSV cells by their column header and finds a phone right after a comma', () => {
    const vault = PiiVault.memory();
    const csv = 'Total: 1 records\nId,full_name,Email,Fax\r\n1,"Doe, Jane",jane@example.com,+44 20 7946 0958\r\n';
    expect(tokenizeText(csv, { detector, vault, server: 'crm' }).text).toBe('Total: 1 records\nId,full_name,Email,Fax\r\n1,"[NAME_1]",[EMAIL_1],[PHONE_1]\r\n');
  });

  it('finds known values inside longer strings, by their digits, and in encoded text', () => {
    const vault = PiiVault.memory();
    tokenizeText('mail ann@example.com, call +49 30 90182 411', { detector, vault, server: 'crm' });
    const later = `id ann@example.com1 or 030 90182411 b64 ${Buffer.from('hello ann@example.com').toString('base64')} url q=ann%40example.com`;
    const { text } = tokenizeText(later, { detector, vault, server: 'x' });
    expect(text).not.toContain('ann');
    expect(text).not.toContain('90182');
    expect(text).toContain('[EMAIL_1]1');
    expect(Buffer.from(text.split('b64 ')[1]!.split(' ')[0]!, 'base64').toString()).toBe('hello [EMAIL_1]');
  });

  it('finds the same known values in a short text (searched value by value) and a long one (automaton), digits offsets right after a non-digit', () => {
    const vault = PiiVault.memory();
    const fields = createDetector({ fields: { who: 'NAME', where: 'ADDRESS' } });
    tokenizeText('{"who": "Ann Lee", "where": "ann lee", "mail": "ann.lee@example.com", "tel": "+49 30 90182 411"}', { detector: fields, vault, server: 'crm' });
    tokenizeText('{"who": "Lee Ann", "card": "4111 1111 1111 1111"}', { detector: fields, vault, server: 'crm' });
    const text = 'Ann Lee, ANN LEE and lee ann wrote ann.lee@example.com1 from 030 90182411; card 4111-1111-1111-1111, Ann Leeway';
    const known = { detector: createDetector({ disable: ['email', 'phone', 'card', 'name'] }), vault, server: 'x' };
    const short = tokenizeText(text, known).text;
    const long = tokenizeText(`${text}\n${'filler words '.repeat(20_000)}`, known).text;
    expect(long.slice(0, short.length + 1)).toBe(`${short}\n`);
    expect(short).toBe('[NAME_1], [NAME_1] and [NAME_2] wrote [EMAIL_1]1 from 0[PHONE_1]; card [CARD_1], Ann Leeway');
  });

  it('records no origin for a server that only echoes (pii.source: false)', () => {
    const vault = PiiVault.memory();
    tokenizeText('from bob@example.com', { detector, vault, server: 'everything', source: false });
    expect(vault.lookup('[EMAIL_1]')?.origins).toEqual([]);
  });

  it('withholds binary blobs unless allowed, and masks text blobs', () => {
    const png = { type: 'image', data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]).toString('base64'), mimeType: 'image/png' };
    const txt = { type: 'resource', resource: { uri: 'file:///a.txt', mimeType: 'text/plain', blob: Buffer.from('bo@example.com').toString('base64') } };
    const vault = PiiVault.memory();
    const { result } = tokenizeToolResult({ content: [png, txt] }, { detector, vault, server: 'fs' });
    expect(result.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/withheld.*pii: \{ blobs: allow \}/) });
    expect(Buffer.from((result.content[1] as typeof txt).resource.blob, 'base64').toString()).toBe('[EMAIL_1]');
    expect(tokenizeToolResult({ content: [png] }, { detector, vault, server: 'fs', blobs: 'allow' }).result.content[0]).toEqual(png);
  });

  it('tokenizes a tool result with more findings than a call can take arguments (no spread of the findings)', () => {
    const text = Array.from({ length: 200_000 }, (_, i) => `u${i}@example.com`).join('\n');
    const { result, findings } = tokenizeToolResult({ content: [{ type: 'text', text }] }, { detector: createDetector(), vault: PiiVault.memory(), server: 'crm' });
    expect(findings).toHaveLength(200_000);
    expect((result.content[0] as { text: string }).text.split('\n', 2)).toEqual(['[EMAIL_1]', '[EMAIL_2]']);
  });
});

