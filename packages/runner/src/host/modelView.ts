import type { Masker } from '../options.ts';
import type { LogEntry, RunError } from '../result.ts';

/** What the model view is built from. */
export interface ModelViewInput {
  runId: string;
  ok: boolean;
  result: unknown;
  hasResult: boolean;
  /** The result as text, when the caller already made it ({@link resultTextOf}). */
  resultText?: string;
  logs: LogEntry[];
  error: RunError | null;
  wallMs: number;
  toolCalls: number;
  /** The run's workspace, named when something was cut (never a host path). */
  workspaceId: string | undefined;
  maxBytes: number;
  masker: Masker;
}

/**
 * At most `maxBytes` (UTF-8) of `text`, ending at a value boundary: the end of a line (pretty JSON
 * holds one value per line) when one is in the second half of the room, else after a comma or a
 * space, so no placeholder or number is cut in two. Linear in the room.
 */
function cut(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  // Bytes, not characters: cut by characters, then back off until the UTF-8 size fits.
  let end = Math.min(text.length, maxBytes);
  while (end > 0 && Buffer.byteLength(text.slice(0, end)) > maxBytes) end = Math.floor(end * 0.9);
  const line = text.lastIndexOf('\n', end - 1);
  if (line >= end / 2) return text.slice(0, line);
  const word = Math.max(text.lastIndexOf(', ', end - 2) + 1, text.lastIndexOf(' ', end - 1));
  return word >= end / 2 ? text.slice(0, word) : text.slice(0, end);
}

/** A run's result as the model view shows it. */
export function resultTextOf(result: unknown): string {
  try {
    return typeof result === 'string' ? result : (JSON.stringify(result, null, 2) ?? 'undefined');
  } catch {
    return String(result);
  }
}

/** A log entry as the model view shows it. */
export function logLineOf(entry: { level: string; message: string }): string {
  return `[${entry.level}] ${entry.message}`;
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
  if (input.hasResult) sections.push(`${mask('Result:')}\n${mask(input.resultText ?? resultTextOf(input.result))}`);
  if (input.logs.length > 0) {
    sections.push(`${mask(`Logs (${input.logs.length}):`)}\n${input.logs.map((entry) => mask(logLineOf(entry))).join('\n')}`);
  }
  if (input.error?.stack) sections.push(mask(input.error.stack));
  // No one section may crowd out the others: each gets at most half the room.
  const untruncated = Buffer.byteLength([header, ...sections].join('\n\n'));
  const share = Math.floor(input.maxBytes / 2);
  let shortened = false;
  for (let i = 0; i < sections.length; i++) {
    const section = sections[i] ?? '';
    const bytes = Buffer.byteLength(section);
    if (bytes > share) {
      const kept = cut(section, Math.max(0, share - 32));
      sections[i] = `${kept}\n... (${bytes - Buffer.byteLength(kept)} more bytes)`;
      shortened = true;
    }
  }
  const full = [header, ...sections].join('\n\n');
  if (!shortened && Buffer.byteLength(full) <= input.maxBytes) return full;
  const total = untruncated;
  const where = input.workspaceId
    ? `; the whole output is kept: read_output({ "workspace": "${input.workspaceId}", "runId": "${input.runId}" }) returns it in pages`
    : '';
  // The notice's own size depends on the figure it states; reserve room for the longest one.
  const room = Math.max(0, input.maxBytes - Buffer.byteLength(mask(`\n\n[truncated: ${total} of ${total} bytes shown${where}]`)));
  const kept = Buffer.byteLength(full) <= room ? full : cut(full, room);
  return kept + mask(`\n\n[truncated: ${Buffer.byteLength(kept)} of ${total} bytes shown${where}]`);
}
