import { isMagsagError } from '@magsag/core';
import { describe, expect, it } from 'vitest';
import { PiiVault, isFlowAllowed, parseFlowPolicy, parsePiiConfig, untokenizeArgs } from '../src/index.ts';

const policies = new Map([
  ['memory', parseFlowPolicy({ allow: [{ to: 'crm', kinds: ['EMAIL', 'NAME'] }] })],
  ['github', parseFlowPolicy({ allow: [{ to: '*', kinds: ['*'] }] })],
  ['notion', parseFlowPolicy(undefined)],
]);

describe('data-flow policy', () => {
  it('allows the same server, listed flows and wildcards; denies the rest', () => {
    expect(isFlowAllowed(policies, 'notion', 'notion', 'EMAIL')).toBe(true);
    expect(isFlowAllowed(policies, 'memory', 'crm', 'EMAIL')).toBe(true);
    expect(isFlowAllowed(policies, 'memory', 'crm', 'PHONE')).toBe(false);
    expect(isFlowAllowed(policies, 'memory', 'notion', 'EMAIL')).toBe(false);
    expect(isFlowAllowed(policies, 'github', 'anything', 'SECRET')).toBe(true);
    expect(isFlowAllowed(policies, 'unknown', 'crm', 'EMAIL')).toBe(false);
  });

  it('untokenizes allowed placeholders at any depth, restoring numbers', () => {
    const vault = PiiVault.memory();
    const email = vault.tokenize({ kind: 'EMAIL', value: 'alice@example.com', server: 'memory' });
    const dob = vault.tokenize({ kind: 'DOB', value: 19850314, server: 'crm' });
    const { args, events } = untokenizeArgs(
      { record: { email, note: `mail ${email} twice ${email}`, dob }, unknown: '[EMAIL_99]', keyIsKept: { [email]: 1 } },
      { vault, destination: 'crm', tool: 'update_record', policies },
    );
    expect(args).toEqual({ record: { email: 'alice@example.com', note: 'mail alice@example.com twice alice@example.com', dob: 19850314 }, unknown: '[EMAIL_99]', keyIsKept: { [email]: 1 } });
    expect(events.map((e) => [e.placeholder, e.origin, e.count])).toEqual([
      ['[EMAIL_1]', 'memory', 3],
      ['[DOB_1]', 'crm', 1],
    ]);
  });

  it('refuses a denied flow with PII_POLICY_VIOLATION naming kind, origin and destination', () => {
    const vault = PiiVault.memory();
    const phone = vault.tokenize({ kind: 'PHONE', value: '+14155552671', server: 'memory' });
    let error: unknown;
    try {
      untokenizeArgs({ phone }, { vault, destination: 'crm', tool: 'update_record', policies });
    } catch (caught) {
      error = caught;
    }
    expect(isMagsagError(error, 'PII_POLICY_VIOLATION')).toBe(true);
    expect((error as Error).message).toMatch(/\[PHONE_1\] \(PHONE from memory\) to crm\.update_record/);
    expect((error as { data?: unknown }).data).toMatchObject({ kind: 'PHONE', origin: 'memory', destination: 'crm' });
  });

  it('validates the pii and flows keys with errors naming the file', () => {
    expect(parsePiiConfig({ fields: { name: 'NAME' }, disable: ['ip'], rules: [{ kind: 'EMPLOYEE_ID', pattern: 'EMP-\\d+' }] }).fields).toEqual({ name: 'NAME' });
    expect(() => parsePiiConfig({ fields: { name: 'name' } }, 'crm.yaml')).toThrow(/Invalid pii in crm\.yaml: pii\.fields\.name/);
    expect(() => parsePiiConfig({ rules: [{ kind: 'X', pattern: '(' }] })).toThrow(/not a valid regular expression/);
    expect(() => parseFlowPolicy({ allow: [{ to: 'crm' }] }, 'memory.yaml')).toThrow(/flows\.allow\.0\.kinds/);
    expect(() => parseFlowPolicy({ allow: [], deny: [] })).toThrow(/CONFIG_INVALID|Invalid flows/);
  });
});
