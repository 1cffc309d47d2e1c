// The PII vault and the audit log in PostgreSQL, with two `Store`s on one database standing for two
// `serve` replicas: a placeholder made on one resolves on the other, values tokenized on both at
// once never share a placeholder, the database holds no raw value, and a missing or wrong key is
// refused before anything is written. Against a real throwaway cluster (test/support/postgres.ts).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MagsagError } from '@magsag/core';
import { type Pii, type PiiStore, type ToolCall, createPii, generateVaultKey, parseVaultKey, readAudit, readAuditFrom, rowAad } from '@magsag/pii';
import { openStore, type Store } from '@magsag/store';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { repoRoot } from './helpers.ts';

// The store's own driver, to look at the rows as an operator would (test/e2e does not depend on pg).
interface PgClient {
  connect(): Promise<void>;
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  end(): Promise<void>;
}
const { Client } = createRequire(path.join(repoRoot, 'packages/store/package.json'))('pg') as { Client: new (options: { connectionString: string }) => PgClient };

const unavailable = postgresUnavailable();
let cluster: TestPostgres;
const stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-store-vault-'));
const opened: Store[] = [];

const key = generateVaultKey();
const env = { MAGSAG_VAULT_KEY: key };
const workspaceId = 'ws-20261207T050000-0123456789abcdef0123456789abcdef';

const servers = [
  { id: 'memory', pii: { fields: { name: 'NAME' } }, flows: { allow: [{ to: 'crm', kinds: ['EMAIL', 'NAME'] }] } },
  { id: 'crm', pii: { fields: { name: 'NAME' } } },
  { id: 'notion' },
];

async function sql<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

async function freshDatabase(): Promise<string> {
  return cluster!.freshDatabase('vault');
}

async function replica(url: string, options: { env?: Record<string, string | undefined> } = {}): Promise<{ store: Store; pii: Pii }> {
  const store = await openStore({ stateDir, url, maxConnections: 4 });
  opened.push(store);
  return { store, pii: createPii({ stateDir, env: options.env ?? env, servers, store }) };
}

const call = (server: string, tool: string, args: Record<string, unknown> = {}, runId = 'run-20261207T050000-0a1b2c3d'): ToolCall => ({ server, tool, args, context: { runId, workspaceId } });

const contact = (name: string, email: string) => ({
  content: [{ type: 'text', text: `${name} <${email}>` }],
  structuredContent: { name, email },
});

describe.skipIf(unavailable)(`PII vault and audit in PostgreSQL${unavailable ? ` (${unavailable})` : ''}`, () => {
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close().catch(() => {})));
    await cluster?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('a placeholder made on one replica is untokenized on the other, and the same value keeps it there', async () => {
    const url = await freshDatabase();
    const a = await replica(url);
    const b = await replica(url);
    const masked = await a.pii.middleware.afterCall(contact('Alice Smith', 'alice@example.com'), call('memory', 'read_graph'));
    expect(masked?.structuredContent).toEqual({ name: '[NAME_1]', email: '[EMAIL_1]' });
    // B never saw the value: it reads the row A stored before it untokenizes.
    expect(await b.pii.middleware.beforeCall(call('crm', 'update_record', { email: '[EMAIL_1]', name: '[NAME_1]' }))).toEqual({ email: 'alice@example.com', name: 'Alice Smith' });
    // The flow policy holds on A and B alike: memory's values may go to crm, not to notion.
    await expect(a.pii.middleware.beforeCall(call('notion', 'create_page', { text: '[EMAIL_1]' }))).rejects.toMatchObject({ code: 'PII_POLICY_VIOLATION' });
    await expect(b.pii.middleware.beforeCall(call('notion', 'create_page', { text: '[EMAIL_1]' }))).rejects.toMatchObject({ code: 'PII_POLICY_VIOLATION' });
    // B tokenizing the same value (from notion, in other case) reuses A's placeholder; a new value gets the next number.
    const again = await b.pii.middleware.afterCall(contact('Bob Jones', 'ALICE@example.com'), call('notion', 'get_page'));
    expect(again?.structuredContent).toEqual({ name: '[NAME_2]', email: '[EMAIL_1]' });
    // The origin B added reaches A: the value came from notion too, so A may now send it there.
    expect(await a.pii.middleware.beforeCall(call('notion', 'create_page', { text: '[EMAIL_1]' }))).toEqual({ text: 'alice@example.com' });
    // Nothing was written to the state folder: no vault file, no key file, no audit file.
    expect(existsSync(path.join(stateDir, 'workspaces', workspaceId, 'pii-vault.enc'))).toBe(false);
    expect(existsSync(path.join(stateDir, 'vault.key'))).toBe(false);
    expect(existsSync(path.join(stateDir, 'audit'))).toBe(false);
  });

  it('different values tokenized on both replicas at once never share a placeholder', async () => {
    const url = await freshDatabase();
    const a = await replica(url);
    const b = await replica(url);
    // Each call brings a few new emails; both replicas start from an empty vault, so without
    // reconciling they would both hand out [EMAIL_1], [EMAIL_2]... for different people.
    const batches = Array.from({ length: 12 }, (_, i) => ({
      on: i % 2 === 0 ? a : b,
      emails: Array.from({ length: 3 }, (_, j) => `person${i}x${j}@example.com`),
    }));
    const results = await Promise.all(
      batches.map(async ({ on, emails }) => {
        const masked = await on.pii.middleware.afterCall({ content: [], structuredContent: { emails } }, call('crm', 'list'));
        return { emails, placeholders: (masked!.structuredContent as { emails: string[] }).emails };
      }),
    );
    const meaning = new Map<string, string>();
    for (const { emails, placeholders } of results) {
      for (const [i, placeholder] of placeholders.entries()) {
        expect(placeholder).toMatch(/^\[EMAIL_\d+\]$/);
        // One placeholder, one value, whichever replica handed it out.
        expect(meaning.get(placeholder) ?? emails[i]).toBe(emails[i]);
        meaning.set(placeholder, emails[i]!);
      }
    }
    expect(meaning.size).toBe(36);
    // What the placeholders mean in the database is what each replica said they mean.
    const fresh = await replica(url);
    await fresh.pii.syncVault(workspaceId);
    for (const [placeholder, value] of meaning) expect(fresh.pii.vault(workspaceId).lookup(placeholder)?.value).toBe(value);
    expect(fresh.pii.vault(workspaceId).size).toBe(36);
    const rows = await sql<{ n: string }>(url, 'SELECT count(*) AS n FROM magsag_vault_entries');
    expect(Number(rows[0]!.n)).toBe(36);
  });

  it('stores run input, masker values (at flush) and tool errors, which the other replica then resolves', async () => {
    const url = await freshDatabase();
    const a = await replica(url);
    const b = await replica(url);
    await a.pii.recordInput(workspaceId, { value: { email: 'input@example.com' } });
    // The masker tokenizes synchronously; its values reach the store at the next flush.
    const masked = a.pii.masker(workspaceId).mask('reach out to masked@example.com');
    expect(masked).toBe('reach out to [EMAIL_2]');
    await a.pii.flush();
    const error = await a.pii.middleware.onError(new MagsagError('TOOL_ERROR', 'no such user error@example.com'), call('crm', 'get_contact'));
    expect(error?.message).toBe('no such user [EMAIL_3]');
    await b.pii.syncVault(workspaceId);
    expect(['[EMAIL_1]', '[EMAIL_2]', '[EMAIL_3]'].map((p) => b.pii.vault(workspaceId).lookup(p)?.value)).toEqual(['input@example.com', 'masked@example.com', 'error@example.com']);
    // A run's input may go to any server, from any replica.
    expect(await b.pii.middleware.beforeCall(call('notion', 'create_page', { to: '[EMAIL_1]' }))).toEqual({ to: 'input@example.com' });
  });

  it('keeps no raw value in the database: vault rows and audit rows are sealed', async () => {
    const url = await freshDatabase();
    const a = await replica(url);
    await a.pii.middleware.afterCall(contact('Carol Danvers', 'carol@example.com'), call('memory', 'read_graph'));
    await a.pii.middleware.beforeCall(call('crm', 'update_record', { email: '[EMAIL_1]' }));
    const dump = await sql<{ t: string }>(url, "SELECT string_agg(t::text, '\n') AS t FROM (SELECT v::text AS t FROM magsag_vault_entries v UNION ALL SELECT a::text FROM magsag_audit a) x");
    expect(dump[0]!.t).toContain('[EMAIL_1]');
    for (const raw of ['carol@example.com', 'Carol Danvers', 'carol', 'Carol']) expect(dump[0]!.t).not.toContain(raw);
    // A row moved to another placeholder does not open (the AAD binds workspace and placeholder).
    const [row] = await sql<{ sealed: { iv: string; tag: string; data: string } }>(url, "SELECT sealed FROM magsag_vault_entries WHERE placeholder = '[EMAIL_1]'");
    const { open } = await import('../../packages/pii/src/vault/crypto.ts');
    expect(open(parseVaultKey(key, 'test'), row!.sealed, rowAad(workspaceId, '[EMAIL_1]'))).toContain('carol@example.com');
    expect(() => open(parseVaultKey(key, 'test'), row!.sealed, rowAad(workspaceId, '[NAME_1]'))).toThrow();
    await sql(url, "UPDATE magsag_vault_entries SET sealed = (SELECT sealed FROM magsag_vault_entries WHERE placeholder = '[EMAIL_1]') WHERE placeholder = '[NAME_1]'");
    const reader = await replica(url);
    await expect(reader.pii.syncVault(workspaceId)).rejects.toMatchObject({ code: 'PII_VAULT_KEY', message: expect.stringContaining('[NAME_1]') });
  });

  it('reads the audit through the store on another replica, sealed as the JSONL lines are', async () => {
    const url = await freshDatabase();
    const a = await replica(url);
    const b = await replica(url);
    const runId = 'run-20261207T050000-0badcafe';
    await a.pii.middleware.afterCall(contact('Dana Scully', 'dana@example.com'), call('memory', 'read_graph', {}, runId));
    await b.pii.middleware.beforeCall(call('crm', 'update_record', { email: '[EMAIL_1]' }, runId));
    await b.pii.recordApprovals([
      { direction: 'approval', ts: '2026-12-07T05:00:00.000Z', runId, approvalId: 'apr-0001', server: 'crm', tool: 'update_record', argumentsHash: 'ab', outcome: 'approved', decidedBy: 'local:me', requestedAt: '2026-12-07T05:00:00.000Z', waitedMs: 5 },
    ]);
    const entries = await readAuditFrom(b.store.audit, { runId, key: parseVaultKey(key, 'test') });
    expect(entries.map((e) => [e.direction, e.placeholder, e.value])).toEqual([
      ['tokenize', '[NAME_1]', 'Dana Scully'],
      ['tokenize', '[EMAIL_1]', 'dana@example.com'],
      ['untokenize', '[EMAIL_1]', 'dana@example.com'],
    ]);
    const rows = await sql<{ record: { value?: unknown; direction: string } }>(url, 'SELECT record FROM magsag_audit WHERE run_id = $1 ORDER BY id', [runId]);
    expect(rows.map((r) => r.record.direction)).toEqual(['tokenize', 'tokenize', 'untokenize', 'approval']);
    for (const { record } of rows.slice(0, 3)) expect(Object.keys(record.value as object).sort()).toEqual(['data', 'iv', 'tag']);
    await expect(readAuditFrom(b.store.audit, { runId, key: parseVaultKey(generateVaultKey(), 'other') })).rejects.toMatchObject({ code: 'PII_VAULT_KEY' });
    await expect(readAuditFrom(b.store.audit, { runId: 'run-20261207T050000-00000000', key: parseVaultKey(key, 'test') })).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' });
  });

  it('refuses a replica without MAGSAG_VAULT_KEY, and one with another key, before it writes', async () => {
    const url = await freshDatabase();
    const store = await openStore({ stateDir, url, maxConnections: 2 });
    opened.push(store);
    expect(() => createPii({ stateDir, env: {}, servers, store })).toThrow(expect.objectContaining({ code: 'PII_VAULT_KEY', message: expect.stringContaining('MAGSAG_VAULT_KEY is not set') }));
    const first = await replica(url);
    await first.pii.ready();
    const wrong = await replica(url, { env: { MAGSAG_VAULT_KEY: generateVaultKey() } });
    await expect(wrong.pii.ready()).rejects.toMatchObject({ code: 'PII_VAULT_KEY', message: expect.stringContaining('not the key of the store') });
    await expect(wrong.pii.middleware.afterCall(contact('Eve Moneypenny', 'eve@example.com'), call('memory', 'read_graph'))).rejects.toMatchObject({ code: 'PII_VAULT_KEY' });
    expect(await sql(url, 'SELECT 1 FROM magsag_vault_entries')).toEqual([]);
    expect(await sql<{ purpose: string }>(url, 'SELECT purpose FROM magsag_keys')).toEqual([{ purpose: 'vault' }]);
  });

  it('with the local store, keeps the files it always kept', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'magsag-store-vault-local-'));
    try {
      const store: PiiStore = await openStore({ stateDir: dir });
      const pii = createPii({ stateDir: dir, env: {}, servers, store });
      const runId = 'run-20261207T050000-0c0ffee0';
      await pii.middleware.afterCall(contact('Fox Mulder', 'fox@example.com'), call('memory', 'read_graph', {}, runId));
      expect(existsSync(path.join(dir, 'workspaces', workspaceId, 'pii-vault.enc'))).toBe(true);
      expect(existsSync(path.join(dir, 'vault.key'))).toBe(true);
      const fromFiles = readAudit({ dir: path.join(dir, 'audit'), runId, key: pii.key() });
      expect(await readAuditFrom(store.audit, { runId, key: pii.key() })).toEqual(fromFiles);
      expect(fromFiles.map((e) => e.value)).toEqual(['Fox Mulder', 'fox@example.com']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
