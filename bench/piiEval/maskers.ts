/**
 * The maskers the evaluation compares, each in its default configuration: @magsag/pii as a user
 * gets it with no `pii.fields` (the built-in detector, a fresh in-memory vault per sample), and
 * three third-party libraries, loaded only when the evaluation runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PiiVault, maskText } from '@magsag/pii';

export interface EvalMasker {
  name: string;
  /** Masks one text; throws when the library does. */
  mask: (text: string) => string;
}

/** @magsag/pii with its default detector; each sample gets its own vault. */
export const magsagMasker: EvalMasker = { name: '@magsag/pii', mask: (text) => maskText(text, { vault: PiiVault.memory() }).masked };

/** One entry per third-party library: its masker, or why it could not be loaded. */
export type ThirdParty = { name: string; masker: EvalMasker; error?: undefined } | { name: string; masker?: undefined; error: string };

// The installed version, read from the package's own package.json (not every library exports it).
function installed(name: string): string {
  try {
    const file = path.resolve(import.meta.dirname, '..', '..', 'node_modules', name, 'package.json');
    return `${name} ${(JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version}`;
  } catch {
    return name;
  }
}

async function load(library: string, make: () => Promise<(text: string) => string>): Promise<ThirdParty> {
  const name = installed(library);
  try {
    const mask = await make();
    mask('warm up: call Jane Doe at 555-010-1234');
    return { name, masker: { name, mask } };
  } catch (error) {
    return { name, error: error instanceof Error ? error.message : String(error) };
  }
}

/** `redact-pii`, `@openredaction/openredaction` and `@redactpii/node`, default options. */
export async function thirdPartyMaskers(): Promise<ThirdParty[]> {
  return [
    await load('redact-pii', async () => {
      const { SyncRedactor } = await import('redact-pii');
      const redactor = new SyncRedactor();
      return (text) => redactor.redact(text);
    }),
    await load('@openredaction/openredaction', async () => {
      const { OpenRedaction } = await import('@openredaction/openredaction');
      const redactor = new OpenRedaction();
      return (text) => redactor.detect(text).redacted;
    }),
    await load('@redactpii/node', async () => {
      const { Redactor } = await import('@redactpii/node');
      const redactor = new Redactor();
      return (text) => redactor.redact(text);
    }),
  ];
}
