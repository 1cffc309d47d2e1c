import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MagsagError } from '@magsag/core';

/** Who is calling `magsag serve`: the local user (stdio, token-less loopback) or a named token holder. */
export interface Principal {
  /** `local` for the local user, else the name given with the token. */
  readonly name: string;
  /** True for the local user: the one who may write skills and owns CLI-made workspaces. */
  readonly local: boolean;
}

/** The local user: a stdio client, or any client of a token-less loopback `serve --http`. */
export const localPrincipal: Principal = Object.freeze({ name: 'local', local: true });

const namePattern = /^[a-z0-9_-]{1,32}$/;
const tokenPattern = /^[A-Za-z0-9._~-]{16,512}$/;

/** One `name=token` pair. */
export interface TokenEntry {
  name: string;
  token: string;
}

function entryError(where: string, message: string): MagsagError {
  return new MagsagError('USAGE', `${where}: ${message}`, { data: { where } });
}

/** Checks one `name=token` pair; `where` names the flag, variable or file line in errors (never the token). */
export function parseTokenEntry(text: string, where: string): TokenEntry {
  const eq = text.indexOf('=');
  if (eq < 0) throw entryError(where, 'expected name=token.');
  const name = text.slice(0, eq).trim();
  const token = text.slice(eq + 1).trim();
  if (!namePattern.test(name)) throw entryError(where, `principal name "${name.slice(0, 40)}" must be 1-32 characters of a-z, 0-9, "_" and "-".`);
  if (name === localPrincipal.name) throw entryError(where, `"${localPrincipal.name}" is the local user's name; give the token another one.`);
  checkToken(token, where);
  return { name, token };
}

function checkToken(token: string, where: string): void {
  if (!tokenPattern.test(token)) {
    throw entryError(where, 'a token must be at least 16 characters of A-Z, a-z, 0-9, ".", "_", "~" and "-" (for example: openssl rand -hex 32).');
  }
}

/** Where tokens come from; any mix may be given. */
export interface TokenSources {
  /** `--token` / `MAGSAG_SERVE_TOKEN`: one principal named `default`. */
  token?: string | undefined;
  /** `MAGSAG_SERVE_TOKENS`: `alice=<token>,bob=<token>`. */
  tokensEnv?: string | undefined;
  /** `--tokens-file`: one `name=token` line each; blank lines and `#` comments are skipped. */
  tokensFile?: string | undefined;
}

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/**
 * The bearer tokens `serve --http` accepts, each mapped to its principal. Tokens are kept only as
 * SHA-256 digests and compared in constant time against every entry, so neither the timing nor a
 * log line tells anything about them.
 */
export class TokenTable {
  readonly #entries: { name: string; digest: Buffer }[];

  constructor(entries: readonly TokenEntry[]) {
    const names = new Set<string>();
    const tokens = new Set<string>();
    for (const entry of entries) {
      if (names.has(entry.name)) throw new MagsagError('USAGE', `Principal "${entry.name}" is given twice: each name gets one token.`);
      if (tokens.has(entry.token)) throw new MagsagError('USAGE', `Principals "${entry.name}" and another share a token: give each principal its own.`);
      names.add(entry.name);
      tokens.add(entry.token);
    }
    this.#entries = entries.map((e) => ({ name: e.name, digest: digest(e.token) }));
  }

  /** How many principals have tokens. */
  get size(): number {
    return this.#entries.length;
  }

  /** The principal names, for logs and docs (never the tokens). */
  get names(): string[] {
    return this.#entries.map((e) => e.name);
  }

  /** The principal of an `Authorization` header value, or `undefined` when it carries no known token. */
  authenticate(authorization: string | undefined): Principal | undefined {
    if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return undefined;
    const presented = digest(authorization.slice('Bearer '.length).trim());
    let found: string | undefined;
    // Every entry is compared, match or not: the time taken does not depend on which one matched.
    for (const entry of this.#entries) {
      if (timingSafeEqual(entry.digest, presented)) found = entry.name;
    }
    return found === undefined ? undefined : Object.freeze({ name: found, local: false });
  }

  /** Builds the table from the flag, the environment and the tokens file; errors name their source. */
  static load(sources: TokenSources): TokenTable {
    const entries: TokenEntry[] = [];
    if (sources.token) {
      checkToken(sources.token, '--token (or MAGSAG_SERVE_TOKEN)');
      entries.push({ name: 'default', token: sources.token });
    }
    if (sources.tokensEnv) {
      sources.tokensEnv
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '')
        .forEach((part, i) => entries.push(parseTokenEntry(part, `MAGSAG_SERVE_TOKENS entry ${i + 1}`)));
    }
    if (sources.tokensFile) {
      let text: string;
      try {
        text = readFileSync(sources.tokensFile, 'utf8');
      } catch (error) {
        throw new MagsagError('CONFIG_NOT_FOUND', `--tokens-file ${sources.tokensFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): give a file with one name=token line each.`);
      }
      text.split(/\r?\n/).forEach((line, i) => {
        const trimmed = line.trim();
        if (trimmed === '' || trimmed.startsWith('#')) return;
        entries.push(parseTokenEntry(trimmed, `${sources.tokensFile}:${i + 1}`));
      });
    }
    return new TokenTable(entries);
  }
}
