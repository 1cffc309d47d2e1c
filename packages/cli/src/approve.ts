import { MagsagError } from '@magsag/core';
import type { ApprovalCall, ApprovalDecision, ApprovalRequest, Approver } from '@magsag/runner';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';

/** The approval flags of `magsag exec` and `magsag run`. */
export interface ApprovalFlags {
  /** `--yes`: approve every call that needs approval (scripted use). */
  yes?: boolean;
  /** `--approve <server/tool>` (repeatable, globs): approve calls of these tools. */
  approve?: string[];
}

/** Checks one `--approve` value while the flags are parsed. */
export function approveFlag(value: string, previous: string[] = []): string[] {
  if (!/^[^/\s]+\/[^/\s]+$/.test(value)) {
    throw new MagsagError('USAGE', `--approve takes <server>/<tool> (globs allowed, e.g. crm/update_* or github/*), got "${value}".`, { data: { flag: '--approve', value } });
  }
  return [...previous, value];
}

/** The terminal the CLI may ask on: stdin and stderr both attached to one. */
export interface PromptTerminal {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
}

const processTerminal: PromptTerminal = { input: process.stdin, output: process.stderr };

/** The OS user running this process: who `local:<user>` decisions name. */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown';
  }
}

const argumentChars = 400;
const listedCalls = 30;

/**
 * The calls of an approval request as a person reads them, wherever they are asked (the terminal,
 * an elicitation): one numbered line each with the masked arguments (cut at 400 characters), the
 * reason under it, at most 30 calls and then how many more.
 */
export function approvalCallLines(calls: readonly ApprovalCall[]): string[] {
  const lines: string[] = [];
  calls.slice(0, listedCalls).forEach((call, i) => {
    const args = JSON.stringify(call.arguments);
    lines.push(`${i + 1}. ${call.server}/${call.tool} ${args.length > argumentChars ? `${args.slice(0, argumentChars)}…` : args}`, `   ${call.reason}`);
  });
  if (calls.length > listedCalls) {
    const rest = calls.slice(listedCalls);
    lines.push(`… and ${rest.length} more (${[...new Set(rest.map((c) => `${c.server}/${c.tool}`))].join(', ')}).`);
  }
  return lines;
}

/**
 * How `magsag exec` and `magsag run` ask: `--yes` approves everything, `--approve` the tools it
 * names, and otherwise a person at the terminal is asked (approve once, approve these tools for the
 * rest of the run, deny). Without a terminal and without those flags there is nobody to ask
 * (undefined): such calls fail with `TOOL_APPROVAL_REQUIRED`.
 */
export function cliApprover(flags: ApprovalFlags, options: { terminal?: PromptTerminal; onPrompt?: (prompting: boolean) => void } = {}): Approver | undefined {
  const patterns = flags.approve ?? [];
  const terminal = options.terminal ?? processTerminal;
  const interactive = terminal.input.isTTY === true && terminal.output.isTTY === true;
  if (!flags.yes && patterns.length === 0 && !interactive) return undefined;
  // One question at a time on the terminal.
  let turn: Promise<unknown> = Promise.resolve();
  return async (request): Promise<ApprovalDecision> => {
    if (flags.yes) return { approved: true, scope: 'calls', decidedBy: '--yes' };
    // Loaded here, not with the CLI: every command imports this file for its flags.
    const { matchApprovalRule } = await import('@magsag/mcp-client/config');
    const matched = request.calls.map((call) => matchApprovalRule({ allow: patterns }, `${call.server}/${call.tool}`)?.pattern);
    if (matched.every((p) => p !== undefined)) return { approved: true, scope: 'tools', decidedBy: `--approve ${[...new Set(matched)].join(' ')}` };
    if (!interactive) {
      const missing = [...new Set(request.calls.filter((_, i) => matched[i] === undefined).map((c) => `${c.server}/${c.tool}`))];
      throw new MagsagError('TOOL_APPROVAL_REQUIRED', `${missing.join(', ')} need${missing.length === 1 ? 's' : ''} approval and --approve does not name ${missing.length === 1 ? 'it' : 'them'}, and there is no terminal to ask: add --approve ${missing[0]} (or --yes). Nothing was sent to the server.`, {
        data: { approvalId: request.id, tools: missing },
      });
    }
    const ask = turn.then(() => prompt(terminal, request, options.onPrompt));
    turn = ask.catch(() => {});
    return ask;
  };
}

async function prompt(terminal: PromptTerminal, request: ApprovalRequest, onPrompt: ((prompting: boolean) => void) | undefined): Promise<ApprovalDecision> {
  const seconds = Math.max(1, Math.round((Date.parse(request.expiresAt) - Date.now()) / 1000));
  const n = request.calls.length;
  const rl = createInterface({ input: terminal.input, output: terminal.output, terminal: true });
  onPrompt?.(true);
  try {
    terminal.output.write(`\nmagsag: the program wants to make ${n === 1 ? 'a call' : `${n} calls`} that need${n === 1 ? 's' : ''} your approval (${request.id}):\n${approvalCallLines(request.calls).join('\n')}\n`);
    for (;;) {
      const answer = (await rl.question(`Approve? [y] yes, once  [a] yes, and these tools for the rest of the run  [n] no  (${seconds} s to answer): `, { signal: request.signal }))
        .trim()
        .toLowerCase();
      const by = `local:${osUser()} (terminal)`;
      if (answer === 'y' || answer === 'yes') return { approved: true, scope: 'calls', decidedBy: by };
      if (answer === 'a' || answer === 'always') return { approved: true, scope: 'tools', decidedBy: by };
      if (answer === 'n' || answer === 'no' || answer === '') return { approved: false, decidedBy: by };
      terminal.output.write('Answer y, a or n.\n');
    }
  } catch (error) {
    if (request.signal.aborted) {
      terminal.output.write('\nmagsag: no answer in time; the call is refused.\n');
      throw new MagsagError('TOOL_APPROVAL_REQUIRED', `Nobody answered approval request ${request.id} at the terminal in time. Nothing was sent to the server.`, { data: { approvalId: request.id } });
    }
    throw error;
  } finally {
    rl.close();
    onPrompt?.(false);
  }
}
