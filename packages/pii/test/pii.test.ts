import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMagsagError } from '@magsag/core';
import { describe, expect, it } from 'vitest';
import { type ToolCall, auditDir, createPii, generateVaultKey, parseVaultKey, readAudit } from '../src/index.ts';

function setup() {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'magsag-pii-'));
  const pii = createPii({
    stateDir,
    env: {},
    servers: [
      { id: 'memory', pii: { fields: { name: 'NAME' } }, flows: { allow: [{ to: 'crm', kinds: ['EMAIL', 'NAME'] }] } },
      { id: 'crm', pii: { fields: { name: 'NAME' } } },
      { id: 'notion' },
    ],
  });
  const call = (server: string, tool: string, args: Record<string, unknown> = {}): ToolCall => ({ server, tool, args, context: { runId: 'run-1', workspaceId: 'ws1' } });
  return { stateDir, pii, call };
}

const contacts = {
  content: [{ type: 'text', text: '[{"name": "Alice Smith", "email": "alice@example.com", "phone": "+1 415 555 2671"}]' }],
  structuredContent: { contacts: [{ name: 'Alice Smith', email: 'alice@example.com', phone: '+1 415 555 2671' }] },
};

describe('middleware', () => {
  it('tokenizes results after the call and untokenizes allowed arguments before the next', async () => {
    const { pii, call } = setup();
    const result = await pii.middleware.afterCall(contacts, call('memory', 'read_graph'));
    expect(result).toEqual({
      content: [{ type: 'text', text: '[{"name": "[NAME_1]", "email": "[EMAIL_1]", "phone": "[PHONE_1]"}]' }],
      structuredContent: { contacts: [{ name: '[NAME_1]', email: '[EMAIL_1]', phone: '[PHONE_1]' }] },
    });
    const args = await pii.middleware.beforeCall(call('crm', 'update_record', { fields: { Name: '[NAME_1]', Email: '[EMAIL_1]' } }));
    expect(args).toEqual({ fields: { Name: 'Alice Smith', Email: 'alice@example.com' } });
    // Nothing to untokenize: the client keeps its arguments.
    expect(await pii.middleware.beforeCall(call('crm', 'query', { q: 'all' }))).toBeUndefined();
  });

  it('refuses a denied flow before the call leaves', async () => {
    const { pii, call } = setup();
    await pii.middleware.afterCall(contacts, call('memory', 'read_graph'));
    const denied = (() => {
      try {
        pii.middleware.beforeCall(call('crm', 'update_record', { phone: '[PHONE_1]' }));
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(isMagsagError(denied, 'PII_POLICY_VIOLATION')).toBe(true);
    expect(() => pii.middleware.beforeCall(call('notion', 'create_page', { text: 'for [EMAIL_1]' }))).toThrow(/EMAIL from memory.*notion/);
    // Back to the server it came from: always allowed.
    expect(pii.middleware.beforeCall(call('memory', 'search', { q: '[PHONE_1]' }))).toEqual({ q: '+1 415 555 2671' });
  });

  it('keeps placeholders stable across processes through the encrypted workspace vault', async () => {
    const { stateDir, pii, call } = setup();
    await pii.middleware.afterCall(contacts, call('memory', 'read_graph'));
    const file = path.join(stateDir, 'workspaces', 'ws1', 'pii-vault.enc');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).not.toContain('alice');
    const second = createPii({ stateDir, env: {}, servers: [{ id: 'crm' }] });
    const again = await second.middleware.afterCall({ content: [{ type: 'text', text: 'bob@example.com and alice@example.com' }] }, call('crm', 'query'));
    expect(again?.content).toEqual([{ type: 'text', text: '[EMAIL_2] and [EMAIL_1]' }]);
  });

  it('rejects invalid server configuration at startup, naming the file', () => {
    expect(() => createPii({ stateDir: os.tmpdir(), env: {}, servers: [{ id: 'crm', file: '/p/crm.yaml', flows: { allow: [{ to: 'Bad Id', kinds: ['EMAIL'] }] } }] })).toThrow(/\/p\/crm\.yaml/);
  });
});

describe('masker', () => {
  it('masks detector findings and raw values already in the vault, in free text', async () => {
    const { pii, call } = setup();
    await pii.middleware.afterCall(contacts, call('memory', 'read_graph'));
    const masker = pii.masker('ws1');
    expect(masker.mask('Dear ALICE SMITH, we wrote to alice@example.com; also carol@example.org')).toBe('Dear [NAME_1], we wrote to [EMAIL_1]; also [EMAIL_2]');
  });

  it('maskText reports findings with offsets in the original text', () => {
    const { pii } = setup();
    const text = 'call +44 20 7946 0958 or mail bo@example.com';
    const { masked, findings } = pii.maskText(text);
    expect(masked).toBe('call [PHONE_1] or mail [EMAIL_1]');
    expect(findings).toEqual([
      { kind: 'PHONE', placeholder: '[PHONE_1]', start: 5, end: 21 },
      { kind: 'EMAIL', placeholder: '[EMAIL_1]', start: 30, end: 44 },
    ]);
    expect(text.slice(5, 21)).toBe('+44 20 7946 0958');
  });
});

describe('audit', () => {
  it('records tokenize and untokenize events with raw values encrypted at rest', async () => {
    const { stateDir, pii, call } = setup();
    await pii.middleware.afterCall(contacts, call('memory', 'read_graph'));
    pii.middleware.beforeCall(call('crm', 'update_record', { email: '[EMAIL_1]' }));
    const file = path.join(auditDir(stateDir), 'run-1.jsonl');
    const raw = readFileSync(file, 'utf8');
    expect(raw).not.toContain('alice');
    expect(raw).not.toContain('Alice');
    expect(raw).toContain('"placeholder":"[EMAIL_1]"');

    const entries = readAudit({ dir: auditDir(stateDir), runId: 'run-1', key: pii.key() });
    expect(entries.map((e) => [e.direction, e.server, e.tool, e.kind, e.placeholder, e.value])).toEqual([
      ['tokenize', 'memory', 'read_graph', 'NAME', '[NAME_1]', 'Alice Smith'],
      ['tokenize', 'memory', 'read_graph', 'EMAIL', '[EMAIL_1]', 'alice@example.com'],
      ['tokenize', 'memory', 'read_graph', 'PHONE', '[PHONE_1]', '+1 415 555 2671'],
      ['untokenize', 'crm', 'update_record', 'EMAIL', '[EMAIL_1]', 'alice@example.com'],
    ]);
    expect(entries[3]).toMatchObject({ origin: 'memory', runId: 'run-1', workspaceId: 'ws1' });
  });

  it('refuses to show an audit without the key or with another one', async () => {
    const { stateDir, pii, call } = setup();
    await pii.middleware.afterCall(contacts, call('memory', 'read_graph'));
    const dir = auditDir(stateDir);
    expect(() => readAudit({ dir, runId: 'run-1', key: undefined })).toThrow(/without the vault key/);
    expect(() => readAudit({ dir, runId: 'run-1', key: parseVaultKey(generateVaultKey(), 'MAGSAG_VAULT_KEY') })).toThrow(/another key/);
    expect(() => readAudit({ dir, runId: 'nope', key: pii.key() })).toThrow(/No audit for run nope/);
  });
});
