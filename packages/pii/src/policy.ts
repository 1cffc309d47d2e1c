import { MagsagError } from '@magsag/core';
import type { FlowPolicy } from './config.ts';
import { placeholderPattern } from './kinds.ts';
import type { PiiVault } from './vault/vault.ts';

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
}

/**
 * Replaces placeholders in tool-call arguments (any string, at any depth; keys untouched) by their
 * raw values where the policy allows the flow. A string that is exactly a placeholder of a number
 * becomes the number again. Placeholders the vault does not know stay as they are. Throws
 * `PII_POLICY_VIOLATION` for the first placeholder that may not flow.
 */
export function untokenizeArgs<T>(args: T, options: UntokenizeOptions): { args: T; events: UntokenizeEvent[] } {
  const events = new Map<string, UntokenizeEvent>();
  const resolve = (placeholder: string): { value: string; type: 'string' | 'number' } | undefined => {
    const entry = options.vault.lookup(placeholder);
    if (!entry) return undefined;
    const origin = entry.origins.find((server) => isFlowAllowed(options.policies, server, options.destination, entry.kind));
    if (origin === undefined) {
      const from = entry.origins.join(', ');
      const first = entry.origins[0] ?? 'unknown';
      const target = options.tool === undefined ? options.destination : `${options.destination}.${options.tool}`;
      throw new MagsagError(
        'PII_POLICY_VIOLATION',
        `Refused to send ${placeholder} (${entry.kind} from ${from}) to ${target}: the data-flow policy of ${from} does not allow ${entry.kind} to flow to ${options.destination}. ` +
          `If this flow is intended, add \`flows: { allow: [{ to: ${options.destination}, kinds: [${entry.kind}] }] }\` to the YAML of ${first}; otherwise leave the placeholder out of the call.`,
        { data: { placeholder, kind: entry.kind, origin: first, origins: [...entry.origins], destination: options.destination, tool: options.tool } },
      );
    }
    const event = events.get(placeholder);
    if (event) event.count++;
    else events.set(placeholder, { placeholder, kind: entry.kind, origin, value: entry.value, count: 1 });
    return { value: entry.value, type: entry.type };
  };
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (!value.includes('[')) return value;
      const whole = /^\[[A-Z][A-Z0-9_]*_\d+\]$/.test(value) ? resolve(value) : undefined;
      if (whole) return whole.type === 'number' && Number.isFinite(Number(whole.value)) ? Number(whole.value) : whole.value;
      return value.replace(placeholderPattern, (match) => resolve(match)?.value ?? match);
    }
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) out[key] = walk(child);
      return out;
    }
    return value;
  };
  const result = walk(args) as T;
  return { args: result, events: [...events.values()] };
}
