import { MagsagError } from '@magsag/core';
import type { FlowPolicy } from './config.ts';
import type { Detector } from './detect/detector.ts';
import { findCandidates } from './detect/find.ts';
import { parsePlaceholder, placeholderPattern } from './kinds.ts';
import { knownValuesOf } from './tokenize.ts';
import type { PiiVault, VaultEntry } from './vault/vault.ts';

/** The flow policy of each origin server, by id. A server without one denies every cross-server flow. */
export type FlowPolicies = ReadonlyMap<string, FlowPolicy> | Readonly<Record<string, FlowPolicy>>;

function policyOf(policies: FlowPolicies, server: string): FlowPolicy | undefined {
  return policies instanceof Map ? policies.get(server) : (policies as Readonly<Record<string, FlowPolicy>>)[server];
}

/**
 * True when a raw value of `kind` from `origin` may be sent to `destination`: always to its own
 * server, otherwise only when the origin's `flows.allow` lists the destination (or `*`) with the
 * kind (or `*`).
 */
export function isFlowAllowed(policies: FlowPolicies, origin: string, destination: string, kind: string): boolean {
  if (origin === destination) return true;
  const policy = policyOf(policies, origin);
  return policy?.allow.some((rule) => (rule.to === destination || rule.to === '*') && (rule.kinds.includes(kind) || rule.kinds.includes('*'))) ?? false;
}

/** One placeholder swapped back for its raw value. */
export interface UntokenizeEvent {
  placeholder: string;
  kind: string;
  /** The origin whose policy allowed the flow (or the destination itself). */
  origin: string;
  /** The raw value (never log it; the audit stores it encrypted). */
  value: string;
  count: number;
}

/** What {@link untokenizeArgs} needs. */
export interface UntokenizeOptions {
  vault: PiiVault;
  /** The server the call goes to. */
  destination: string;
  /** The tool called, for the error message. */
  tool?: string;
  policies: FlowPolicies;
  /**
   * Finds raw personal values in arguments (they are checked like placeholders: known to the vault,
   * under its origins' flow rules; found by a rule but unknown, refused). Without it only
   * placeholders are checked.
   */
  detector?: Detector;
  /** Argument names (at any depth) that refuse placeholders and raw personal values: the destination's `pii.queryArgs`. */
  queryArgs?: readonly string[];
  /**
   * The origin of the run's own input (program text, skill input): its values may go to any server.
   * @default 'magsag:input'
   */
  inputOrigin?: string;
}

/** The origin PII from a run's own input (a skill's input, the program's text) is recorded under. */
export const inputOrigin = 'magsag:input';

function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}

function argPath(path: readonly (string | number)[]): string {
  return path.length === 0 ? 'the arguments' : `argument ${path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')}`;
}

/**
 * Replaces placeholders in tool-call arguments by their raw values where the policy allows the flow:
 * a placeholder that is a whole string value (a number placeholder becomes a number again), or a
 * token inside a string between word boundaries (`[EMAIL_1]1` stays as it is). Raw personal values
 * already in the arguments are checked under the same rules. Placeholders the vault does not know
 * stay as they are. Throws `PII_POLICY_VIOLATION` for the first value that may not flow; error
 * messages name placeholders and kinds, never raw values.
 */
export function untokenizeArgs<T>(args: T, options: UntokenizeOptions): { args: T; events: UntokenizeEvent[] } {
  const events = new Map<string, UntokenizeEvent>();
  const target = options.tool === undefined ? options.destination : `${options.destination}.${options.tool}`;
  const input = options.inputOrigin ?? inputOrigin;
  const queryArgs = new Set((options.queryArgs ?? []).map((name) => name.toLowerCase()));
  const refuse = (message: string, data: Record<string, unknown>): never => {
    throw new MagsagError('PII_POLICY_VIOLATION', message, { data: { destination: options.destination, tool: options.tool, ...data } });
  };
  const allowedOrigin = (entry: VaultEntry): string | undefined =>
    entry.origins.find((server) => server === input || isFlowAllowed(options.policies, server, options.destination, entry.kind));
  const deny = (entry: VaultEntry, path: readonly (string | number)[], raw: boolean): never => {
    const from = entry.origins.length > 0 ? entry.origins.join(', ') : 'a server that only echoed it (pii.source: false)';
    const first = entry.origins.find((origin) => !origin.startsWith('magsag:'));
    const what = raw ? `the raw value of ${entry.placeholder}` : entry.placeholder;
    return refuse(
      `Refused to send ${what} (${entry.kind} from ${from}) to ${target} in ${argPath(path)}: the data-flow policy does not allow ${entry.kind} to flow to ${options.destination}. ` +
        (first === undefined
          ? 'Leave the value out of the call.'
          : `If this flow is intended, add \`flows: { allow: [{ to: ${options.destination}, kinds: [${entry.kind}] }] }\` to the YAML of ${first}; otherwise leave the value out of the call.`),
      { placeholder: entry.placeholder, kind: entry.kind, origin: entry.origins[0] ?? 'unknown', origins: [...entry.origins], path: [...path] },
    );
  };
  const resolve = (placeholder: string, path: readonly (string | number)[], query: boolean): { value: string; type: 'string' | 'number' } | undefined => {
    const entry = options.vault.lookup(placeholder);
    if (!entry) return undefined;
    if (query) {
      refuse(
        `Refused to send ${placeholder} in ${argPath(path)} to ${target}: it is one of the server's pii.queryArgs, where a placeholder would let the server test guesses about the value. Filter in the program instead.`,
        { placeholder, kind: entry.kind, path: [...path] },
      );
    }
    const origin = entry.origins.find((server) => server === options.destination) ?? allowedOrigin(entry);
    if (origin === undefined) deny(entry, path, false);
    const event = events.get(placeholder);
    if (event) event.count++;
    else events.set(placeholder, { placeholder, kind: entry.kind, origin: origin!, value: entry.value, count: 1 });
    return { value: entry.value, type: entry.type };
  };
  // Raw personal values written into the arguments: known ones under their origins' rules, unknown
  // ones (found by a rule, in no vault) refused.
  const checkRaw = (text: string, path: readonly (string | number)[], query: boolean): void => {
    if (!options.detector || text.length < 3) return;
    const known = options.vault.size > 0 ? knownValuesOf(options.vault) : undefined;
    for (const candidate of findCandidates(text, options.detector, known ? { known } : {})) {
      const entry =
        candidate.rule === 'vault'
          ? options.vault.lookup(candidate.normalized!)
          : (() => {
              const placeholder = options.vault.placeholderFor(candidate.kind, candidate.normalized ?? candidate.value);
              return placeholder === undefined ? undefined : options.vault.lookup(placeholder);
            })();
      if (!entry) {
        refuse(
          `Refused to send a raw ${candidate.kind} value in ${argPath(path)} to ${target}: it came neither from the run's input nor from a server whose policy allows the flow. Pass values from the run's input, or placeholders from tool results.`,
          { kind: candidate.kind, path: [...path] },
        );
      }
      if (query) {
        refuse(
          `Refused to send a raw ${entry!.kind} value in ${argPath(path)} to ${target}: it is one of the server's pii.queryArgs, where personal values would let the server test guesses. Filter in the program instead.`,
          { kind: entry!.kind, placeholder: entry!.placeholder, path: [...path] },
        );
      }
      if (!entry!.origins.includes(options.destination) && allowedOrigin(entry!) === undefined) deny(entry!, path, true);
    }
  };
  const walk = (value: unknown, path: (string | number)[], query: boolean): unknown => {
    if (typeof value === 'string') {
      checkRaw(value, path, query);
      if (!value.includes('[')) return value;
      const whole = parsePlaceholder(value) ? resolve(value, path, query) : undefined;
      if (whole) return whole.type === 'number' && Number.isFinite(Number(whole.value)) ? Number(whole.value) : whole.value;
      return value.replace(placeholderPattern, (match: string, _kind: string, _n: string, offset: number) => {
        const end = offset + match.length;
        if (query && options.vault.lookup(match)) resolve(match, path, true);
        // Only a whole token: `[EMAIL_1]1` or `x[EMAIL_1]` is not a placeholder.
        if ((offset > 0 && isWordCode(value.charCodeAt(offset - 1))) || (end < value.length && isWordCode(value.charCodeAt(end)))) return match;
        return resolve(match, path, query)?.value ?? match;
      });
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i], query));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) out[key] = walk(child, [...path, key], query || queryArgs.has(key.toLowerCase()));
      return out;
    }
    return value;
  };
  const result = walk(args, [], false) as T;
  return { args: result, events: [...events.values()] };
}
