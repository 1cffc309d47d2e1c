import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMagsagError } from '@magsag/core';
import { describe, expect, it } from 'vitest';
import { PiiVault, generateVaultKey, parseVaultKey, resolveVaultKey, vaultKeyEnv } from '../src/index.ts';

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), 'magsag-pii-'));

describe('vault', () => {
  it('round-trips through an AES-256-GCM file that holds no raw value in clear', () => {
    const dir = tmp();
    const file = path.join(dir, 'ws', 'pii-vault.enc');
    const key = parseVaultKey(generateVaultKey(), 'test');
    const vault = PiiVault.open(file, key);
    expect(vault.tokenize({ kind: 'EMAIL', value: 'alice@example.com', server: 'memory' })).toBe('[EMAIL_1]');
    expect(vault.tokenize({ kind: 'NAME', value: 'Alice Smith', server: 'memory' })).toBe('[NAME_1]');
    vault.save();
    const raw = readFileSync(file, 'utf8');
    expect(raw).not.toContain('alice');
    expect(raw).not.toContain('Alice');
    expect(JSON.parse(raw)).toMatchObject({ format: 'magsag-pii-vault', alg: 'aes-256-gcm' });
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const again = PiiVault.open(file, key);
    expect(again.lookup('[NAME_1]')).toMatchObject({ value: 'Alice Smith', origins: ['memory'] });
    expect(again.tokenize({ kind: 'EMAIL', value: 'alice@example.com', server: 'memory' })).toBe('[EMAIL_1]');
    expect(again.tokenize({ kind: 'EMAIL', value: 'bob@example.com', server: 'memory' })).toBe('[EMAIL_2]');
  });

  it('refuses to open with the wrong key, naming the file and the fix', () => {
    const file = path.join(tmp(), 'pii-vault.enc');
    const vault = PiiVault.open(file, parseVaultKey(generateVaultKey(), 'first'));
    vault.tokenize({ kind: 'EMAIL', value: 'a@example.com', server: 's' });
    vault.save();
    let error: unknown;
    try {
      PiiVault.open(file, parseVaultKey(generateVaultKey(), 'MAGSAG_VAULT_KEY'));
    } catch (caught) {
      error = caught;
    }
    expect(isMagsagError(error, 'PII_VAULT_KEY')).toBe(true);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain('MAGSAG_VAULT_KEY');
  });

  it('accepts MAGSAG_VAULT_KEY as 64 hex characters or base64 of 32 bytes, and rejects anything else', () => {
    const hex = generateVaultKey();
    const b64 = Buffer.from(hex, 'hex').toString('base64');
    expect(resolveVaultKey({ env: { [vaultKeyEnv]: hex } }).bytes().toString('hex')).toBe(hex);
    expect(resolveVaultKey({ env: { [vaultKeyEnv]: b64 } }).bytes().toString('hex')).toBe(hex);
    expect(() => resolveVaultKey({ env: { [vaultKeyEnv]: 'too-short' } })).toThrow(/MAGSAG_VAULT_KEY is malformed/);
    expect(JSON.stringify({ key: resolveVaultKey({ env: { [vaultKeyEnv]: hex } }) })).not.toContain(hex);
  });

  it('creates the key file with mode 0600 on first use and reuses it', () => {
    const stateDir = tmp();
    const first = resolveVaultKey({ stateDir, env: {} });
    const file = path.join(stateDir, 'vault.key');
    expect(first.source).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveVaultKey({ stateDir, env: {} }).bytes()).toEqual(first.bytes());
  });

  it.skipIf(process.platform === 'win32')('refuses a key file readable by group or others', () => {
    const stateDir = tmp();
    const file = path.join(stateDir, 'vault.key');
    writeFileSync(file, `${generateVaultKey()}\n`);
    chmodSync(file, 0o644);
    expect(() => resolveVaultKey({ stateDir, env: {} })).toThrow(/mode 0644.*chmod 600/);
    try {
      resolveVaultKey({ stateDir, env: {} });
    } catch (error) {
      expect(isMagsagError(error, 'PII_VAULT_KEY')).toBe(true);
    }
  });

  it('does not create a key when told not to', () => {
    expect(() => resolveVaultKey({ stateDir: tmp(), env: {}, create: false })).toThrow(/does not exist/);
  });
});
