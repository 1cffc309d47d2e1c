import { afterAll, describe, expect, it } from 'vitest';
import { findOffThread } from '../src/detect/offThread.ts';
import { findInText } from '../src/tokenize.ts';
import { PiiVault, closeDetectionThread, createDetector, createMasker, offThreadMinChars, tokenizeToolResult, tokenizeToolResultAsync } from '../src/index.ts';

// Contact records as a CRM prints them, long enough to go to the detection thread.
function crm(count: number, offset = 0): string {
  const records = Array.from({ length: count }, (_, n) => {
    const i = n + offset;
    return {
      Id: `0035g${String(i).padStart(10, '0')}AAA`,
      Name: `Person${i} Example`,
      Email: `person${i}@example-mail.com`,
      Phone: `+1 415 555 ${String(1000 + (i % 9000)).padStart(4, '0')}`,
      Amount: 1000 + i / 100,
      Description: `Call back at person${i}@example-mail.com, card 4111 1111 1111 1111, from 10.0.${i % 250}.1`,
    };
  });
  return `Total: ${count} records\n${JSON.stringify(records, null, 2)}`;
}

const fields = { Name: 'NAME', Phone: 'PHONE', Email: 'EMAIL' };
const textResult = (text: string) => ({ content: [{ type: 'text', text }] });

afterAll(async () => {
  await closeDetectionThread();
});

describe('detection on the detection thread', () => {
  it('finds in a long text the same spans as the calling thread, known vault values included', async () => {
    const detector = createDetector({ fields });
    const vault = PiiVault.memory();
    // A value the vault knows, which no rule finds where it appears below (inside a longer word).
    vault.tokenize({ kind: 'NAME', value: 'Zebulon Quartermaine', server: 'crm' });
    const text = `${crm(2000)}\nnote: Zebulon Quartermaine called; see ZEBULON QUARTERMAINE's file`;
    expect(text.length).toBeGreaterThan(offThreadMinChars);
    const onThread = await findOffThread(text, detector, vault);
    expect(onThread, 'the built detection thread must be used for a long text (run pnpm build first)').toBeDefined();
    const { spans } = onThread!;
    // The thread searched for the vault's values too: both spellings of the known name.
    const known = spans.candidates.filter((c) => c.rule === 'vault').map((c) => text.slice(c.start, c.end));
    expect(known).toEqual(['Zebulon Quartermaine', 'ZEBULON QUARTERMAINE']);
    const here = findInText(text, detector, vault);
    expect(spans.candidates).toEqual(here.candidates);
    expect([...spans.fields]).toEqual([...here.fields.subarray(0, here.fieldCount)]);
    expect(spans.fieldCount).toBeGreaterThan(4000);
  });

  it('tokenizes a large result exactly as the synchronous path does, across calls that grow the vault and a restarted thread', async () => {
    const detector = createDetector({ fields });
    const threaded = PiiVault.memory();
    const inline = PiiVault.memory();
    const calls = [crm(2000, 0), crm(2000, 1000), `${crm(1500, 2500)}\nagain: person10@example-mail.com1 and Person10 Example`];
    for (const [i, text] of calls.entries()) {
      // The thread loses its copy of the vault: it must ask for all of it again, not use a partial one.
      if (i === 2) await closeDetectionThread();
      const async = await tokenizeToolResultAsync(textResult(text), { detector, vault: threaded, server: 'crm' });
      const sync = tokenizeToolResult(textResult(text), { detector, vault: inline, server: 'crm' });
      expect(async.result).toEqual(sync.result);
      expect(async.findings).toEqual(sync.findings);
    }
    expect(threaded.size).toBe(inline.size);
    // Values of the first calls were found again as known values in the last one.
    const last = tokenizeToolResult(textResult('person10@example-mail.com1'), { detector, vault: threaded, server: 'crm' });
    expect((last.result.content[0] as { text: string }).text).toMatch(/^\[EMAIL_\d+\]1$/);
  });

  it('detects a long text again on the calling thread when the vault grew after the thread searched it', async () => {
    const detector = createDetector({ fields });
    const text = crm(2000);
    // The same long text twice: the first copy adds values, which the thread's search of the second did not know.
    const twice = { content: [{ type: 'text', text }, { type: 'text', text }] };
    const async = await tokenizeToolResultAsync(twice, { detector, vault: PiiVault.memory(), server: 'crm' });
    const sync = tokenizeToolResult(twice, { detector, vault: PiiVault.memory(), server: 'crm' });
    expect(async.result).toEqual(sync.result);
    expect(async.result.content[0]).toEqual(async.result.content[1]);
  });

  it('tokenizes a long text blob on the thread as the text it decodes to', async () => {
    const detector = createDetector({ fields });
    const data = Buffer.from(crm(2000), 'utf8').toString('base64');
    const result = { content: [{ type: 'resource', resource: { uri: 'file:///contacts.json', mimeType: 'application/json', blob: data } }] };
    const async = await tokenizeToolResultAsync(result, { detector, vault: PiiVault.memory(), server: 'crm' });
    const sync = tokenizeToolResult(result, { detector, vault: PiiVault.memory(), server: 'crm' });
    expect(async.result).toEqual(sync.result);
    const decoded = Buffer.from((async.result.content[0] as { resource: { blob: string } }).resource.blob, 'base64').toString('utf8');
    expect(decoded).not.toContain('person1@example-mail.com');
    expect(decoded).toContain('[EMAIL_');
  });

  it("lets a masker find a run output's long texts ahead, with the same masked text as masking inline", async () => {
    const detector = createDetector({ fields });
    const prior = (vault: PiiVault) => vault.tokenize({ kind: 'EMAIL', value: 'person7@example-mail.com', server: 'crm' });
    const threadedVault = PiiVault.memory();
    const inlineVault = PiiVault.memory();
    prior(threadedVault);
    prior(inlineVault);
    const text = crm(2000);
    const threaded = createMasker({ detector, vault: threadedVault });
    await threaded.prepare!([text]);
    const inline = createMasker({ detector, vault: inlineVault });
    const masked = threaded.mask(text);
    expect(masked).toBe(inline.mask(text));
    expect(masked).not.toContain('person7@example-mail.com');
    // Masking added values to the vault: the prepared spans are stale and the text is searched again.
    expect(threaded.mask(text)).toBe(inline.mask(text));
  });
});
