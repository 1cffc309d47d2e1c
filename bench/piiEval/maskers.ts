/**
 * The maskers the evaluation compares, each in its default configuration: @magsag/pii as a user
 * gets it with no `pii.fields` (the built-in detector, a fresh in-memory vault per sample), and
 * three third-party libraries, loaded only when the evaluation runs.
 */
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

async function load(name: string, make: () => Promise<(text: string) => string>): Promise<ThirdParty> {
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
    await load('redact-pii 3.4.0', async () => {
      const { SyncRedactor } = await import('redact-pii');
      const redactor = new SyncRedactor();
      return (text) => redactor.redact(text);
    }),
    await load('@openredaction/openredaction 1.0.4', async () => {
      const { OpenRedaction } = await import('@openredaction/openredaction');
      const redactor = new OpenRedaction();
      return (text) => redactor.detect(text).redacted;
    }),
    await load('@redactpii/node 1.0.17', async () => {
      const { Redactor } = await import('@redactpii/node');
      const redactor = new Redactor();
      return (text) => redactor.redact(text);
    }),
  ];
}
