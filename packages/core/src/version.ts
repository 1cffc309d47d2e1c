import { readFileSync } from 'node:fs';

/**
 * The MAGSAG version, read from this package's package.json (src/ and dist/ both sit beside it).
 * Every MAGSAG package is released with the same version, so this is the CLI's and the server's too.
 */
export const version: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
