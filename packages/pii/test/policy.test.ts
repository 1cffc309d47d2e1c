import { isMagsagError } from '@magsag/core';
import { describe, expect, it } from 'vitest';
import { PiiVault, createDetector, isFlowAllowed, parseFlowPolicy, parsePiiConfig, untokenizeArgs } from '../src/index.ts';

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

describe('flow rules on values', () => {
  const detector = createDetector();
  const setup = () => {
    const vault = PiiVault.memory();
    const email = vault.tokenize({ kind: 'EMAIL', value: 'ann@example.com', normalized: 'ann@example.com', server: 'memory' });
    vault.tokenize({ kind: 'EMAIL', value: 'me@input.example', normalized: 'me@input.example', server: 'magsag:input' });
    return { vault, email };
  };
  const refusal = (fn: () => unknown): string => {
    try {
      fn();
    } catch (error) {
      expect(isMagsagError(error, 'PII_POLICY_VIOLATION')).toBe(true);
      return (error as Error).message;
    }
    throw new Error('not refused');
  };

  it('swaps back only whole placeholders and tokens between word boundaries', () => {
    const { vault, email } = setup();
    const { args } = untokenizeArgs({ a: email, b: `to ${email}.`, c: `${email}1`, d: `x${email}` }, { vault, destination: 'crm', policies, detector });
    expect(args).toEqual({ a: 'ann@example.com', b: 'to ann@example.com.', c: `${email}1`, d: `x${email}` });
  });

  it('checks raw values like their placeholders, and never names the raw value', () => {
    const { vault } = setup();
    // Known, from memory: allowed to crm, refused to notion, in any letter case or inside a string.
    expect(untokenizeArgs({ q: 'ANN@EXAMPLE.COM' }, { vault, destination: 'crm', policies, detector }).args).toEqual({ q: 'ANN@EXAMPLE.COM' });
    const message = refusal(() => untokenizeArgs({ body: 'write to ann@example.com1' }, { vault, destination: 'notion', policies, detector }));
    expect(message).toContain('[EMAIL_1]');
    expect(message).not.toContain('ann@');
    // Unknown to the vault: refused; from the run's input: allowed anywhere.
    expect(refusal(() => untokenizeArgs({ body: 'bob@example.org' }, { vault, destination: 'notion', policies, detector }))).toMatch(/raw EMAIL/);
    expect(untokenizeArgs({ body: 'me@input.example' }, { vault, destination: 'notion', policies, detector }).args).toEqual({ body: 'me@input.example' });
  });

  it('refuses placeholders and raw personal values in query arguments', () => {
    const { vault, email } = setup();
    const options = { vault, destination: 'memory', policies, detector, queryArgs: ['query'] };
    expect(refusal(() => untokenizeArgs({ query: email }, options))).toMatch(/queryArgs/);
    expect(refusal(() => untokenizeArgs({ filter: { query: 'me@input.example' } }, options))).toMatch(/queryArgs/);
    expect(untokenizeArgs({ query: 'open issues', id: email }, options).args).toEqual({ query: 'open issues', id: 'ann@example.com' });
  });
});
