import type { Masker } from '../options.ts';
import type { LogEntry, RunError } from '../result.ts';

/** What the model view is built from. */
export interface ModelViewInput {
  runId: string;
  ok: boolean;
  result: unknown;
  hasResult: boolean;
  logs: LogEntry[];
  error: RunError | null;
  wallMs: number;
  toolCalls: number;
  /** The run's workspace, named when something was cut (never a host path). */
  workspaceId: string | undefined;
  maxBytes: number;
  masker: Masker;
}

function cut(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  // Bytes, not characters: cut by characters, then back off until the UTF-8 size fits.
  let end = Math.min(text.length, maxBytes);
  while (end > 0 && Buffer.byteLength(text.slice(0, end)) > maxBytes) end = Math.floor(end * 0.9);
  return text.slice(0, end);
}

/**
 * The curated text for the model: status, result, logs and error, every piece passed through the
 * masker, cut to `maxBytes` with a notice naming the file that holds everything.
 */
export function buildModelView(input: ModelViewInput): string {
  const mask = (text: string): string => input.masker.mask(text);
  const header = mask(
    input.ok
      ? `Run ${input.runId} succeeded in ${input.wallMs} ms with ${input.toolCalls} tool call${input.toolCalls === 1 ? '' : 's'}.`
      : `Run ${input.runId} failed after ${input.wallMs} ms with ${input.toolCalls} tool call${input.toolCalls === 1 ? '' : 's'}.`,
  );
  const sections: string[] = [];
  if (input.error) sections.push(mask(`Error ${input.error.code}: ${input.error.message}`));
  if (input.hasResult) {
    let resultText: string;
    try {
      resultText = typeof input.result === 'string' ? input.result : (JSON.stringify(input.result, null, 2) ?? 'undefined');
    } catch {
      resultText = String(input.result);
    }
    sections.push(`${mask('Result:')}\n${mask(resultText)}`);
  }
  if (input.logs.length > 0) {
    sections.push(`${mask(`Logs (${input.logs.length}):`)}\n${input.logs.map((entry) => mask(`[${entry.level}] ${entry.message}`)).join('\n')}`);
  }
  if (input.error?.stack) sections.push(mask(input.error.stack));
  // No one section may crowd out the others: each gets at most half the room.
  const share = Math.floor(input.maxBytes / 2);
  for (let i = 0; i < sections.length; i++) {
    const section = sections[i] ?? '';
    if (Buffer.byteLength(section) > share) sections[i] = `${cut(section, Math.max(0, share - 4))} ...`;
  }
  const full = [header, ...sections].join('\n\n');
  if (Buffer.byteLength(full) <= input.maxBytes) return full;
  const notice = mask(
    `\n\n[truncated: showing part of ${Buffer.byteLength(full)} bytes of output${input.workspaceId ? `; the whole output is kept with run ${input.runId} in workspace ${input.workspaceId}` : ''}]`,
  );
  const room = Math.max(0, input.maxBytes - Buffer.byteLength(notice));
  return cut(full, room) + notice;
}
