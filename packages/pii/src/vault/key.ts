import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { MagsagError } from '@magsag/core';

/** The environment variable holding the vault key: 64 hex characters, or base64 of 32 bytes. */
export const vaultKeyEnv = 'MAGSAG_VAULT_KEY';

/** The key file's name inside the state folder. */
export const vaultKeyFileName = 'vault.key';

const generateHint = 'generate one with `openssl rand -hex 32` (or `node -e "console.log(crypto.randomBytes(32).toString(\'hex\'))"`)';

/**
 * A 32-byte AES-256 key and where it came from. Printing or serialising it shows only the source.
 */
export class VaultKey {
  readonly #bytes: Buffer;
  /** `MAGSAG_VAULT_KEY`, a key file path, or `inline`. */
  readonly source: string;

  constructor(bytes: Uint8Array, source: string) {
    if (bytes.length !== 32) {
      throw new MagsagError('PII_VAULT_KEY', `The vault key from ${source} is ${bytes.length} bytes long; it must be 32 bytes (64 hex characters or base64 of 32 bytes): ${generateHint}.`, { data: { source } });
    }
    this.#bytes = Buffer.from(bytes);
    this.source = source;
  }

  /** The raw key bytes (a copy). */
  bytes(): Buffer {
    return Buffer.from(this.#bytes);
  }

  toJSON(): { source: string } {
    return { source: this.source };
  }

  [inspect.custom](): string {
    return `VaultKey(${this.source})`;
  }
}

/** Parses a key written as 64 hex characters or as base64 (standard or URL-safe) of 32 bytes. */
export function parseVaultKey(text: string, source: string): VaultKey {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return new VaultKey(Buffer.from(trimmed, 'hex'), source);
  if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return new VaultKey(bytes, source);
  }
  throw new MagsagError('PII_VAULT_KEY', `The vault key in ${source} is malformed: expected 64 hex characters or base64 of 32 bytes; ${generateHint}.`, { data: { source } });
}

/** A new random key as 64 hex characters. */
export function generateVaultKey(): string {
  return randomBytes(32).toString('hex');
}

/** Options for {@link resolveVaultKey}. */
export interface ResolveVaultKeyOptions {
  /** The state folder; the key file defaults to `<stateDir>/vault.key`. */
  stateDir?: string;
  /** An explicit key file path. */
  keyFile?: string;
  /** @default process.env */
  env?: Record<string, string | undefined>;
  /**
   * Create the key file (mode 0600) when there is no key yet.
   * @default true
   */
  create?: boolean;
}

function checkMode(file: string): void {
  if (process.platform === 'win32') return;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new MagsagError(
      'PII_VAULT_KEY',
      `The vault key file ${file} has mode ${mode.toString(8).padStart(4, '0')}; it must be readable by its owner only. Run \`chmod 600 ${file}\`, or set ${vaultKeyEnv} instead.`,
      { data: { file, mode } },
    );
  }
}

/**
 * The vault key: `MAGSAG_VAULT_KEY` when set, else the key file (`keyFile`, or
 * `<stateDir>/vault.key`), created with mode 0600 on first use. A key file readable by group or
 * others is refused with `PII_VAULT_KEY`.
 */
export function resolveVaultKey(options: ResolveVaultKeyOptions = {}): VaultKey {
  const env = options.env ?? process.env;
  const fromEnv = env[vaultKeyEnv];
  if (fromEnv !== undefined && fromEnv !== '') return parseVaultKey(fromEnv, vaultKeyEnv);
  const file = options.keyFile ?? (options.stateDir === undefined ? undefined : path.join(options.stateDir, vaultKeyFileName));
  if (file === undefined) {
    throw new MagsagError('PII_VAULT_KEY', `No vault key: set ${vaultKeyEnv} (64 hex characters; ${generateHint}) or pass a state folder or key file.`);
  }
  if (existsSync(file)) {
    checkMode(file);
    return parseVaultKey(readFileSync(file, 'utf8'), file);
  }
  if (options.create === false) {
    throw new MagsagError('PII_VAULT_KEY', `No vault key: ${vaultKeyEnv} is not set and ${file} does not exist. Set ${vaultKeyEnv} to the key the data was written with, or restore the key file.`, { data: { file } });
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const hex = generateVaultKey();
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return resolveVaultKey({ ...options, create: false });
    throw new MagsagError('PII_VAULT_KEY', `Cannot create the vault key file ${file}: ${(error as Error).message}. Set ${vaultKeyEnv} instead.`, { cause: error, data: { file } });
  }
  try {
    writeSync(fd, `${hex}\n`);
  } finally {
    closeSync(fd);
  }
  return parseVaultKey(hex, file);
}
