import { MagsagError } from '@magsag/core';
import { z } from 'zod';
import { validatorNames } from './detect/detector.ts';
import type { DetectorOptions } from './detect/detector.ts';
import { kindPattern } from './kinds.ts';

const kindSchema = z.string().regex(kindPattern, 'an upper-case kind such as EMAIL or EMPLOYEE_ID');
const serverRef = z.string().regex(/^(?:\*|[a-z0-9][a-z0-9_-]*)$/, 'a server id, or "*" for any server');

const patternRuleSchema = z
  .strictObject({
    /** Rule id, for `disable` and the audit; defaults to `custom.<index>`. */
    id: z.string().min(1).optional(),
    kind: kindSchema,
    /** A JavaScript regular expression (no slashes). */
    pattern: z.string().min(1),
    /** Extra flags: any of `i`, `m`, `s`, `u`. */
    flags: z.string().regex(/^[imsu]*$/, 'any of the flags i, m, s, u').optional(),
    /** Capture group holding the value (the whole match by default). */
    group: z.number().int().positive().optional(),
    validator: z.enum(validatorNames).optional(),
  })
  .superRefine((rule, ctx) => {
    try {
      new RegExp(rule.pattern, rule.flags ?? '');
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: `not a valid regular expression: ${(error as Error).message}` });
    }
  });

const fieldRuleSchema = z.strictObject({
  id: z.string().min(1).optional(),
  kind: kindSchema,
  /** A key (`full_name`) or dotted key path (`customer.name`); matched case- and separator-insensitively. */
  field: z.string().min(1),
  validator: z.enum(validatorNames).optional(),
});

/** The `pii` key of a server YAML: what counts as personal data in this server's results. */
export const piiConfigSchema = z.strictObject({
  /** Key or dotted key path → kind; values under these keys are masked whatever they look like. */
  fields: z.record(z.string().min(1), kindSchema).default({}),
  /** Built-in rule ids (`email`, `secret.jwt`, `field.personal`...), id prefixes (`secret`) or kinds (`IP`) to switch off. */
  disable: z.array(z.string().min(1)).default([]),
  /** Custom rules: a pattern, or a field path. */
  rules: z.array(z.union([patternRuleSchema, fieldRuleSchema])).default([]),
  /** Regions tried for phone numbers without a country code (ISO 3166 alpha-2). */
  phoneRegions: z.array(z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 code such as US')).min(1).optional(),
  /**
   * Whether this server is the origin of the values it returns. `false` for servers that echo what
   * they were sent (the demo `everything`): their values get placeholders but may flow nowhere.
   */
  source: z.boolean().default(true),
  /** Binary blobs this server returns: `withhold` them from the sandbox, or `allow` them through. */
  blobs: z.enum(['withhold', 'allow']).default('withhold'),
  /**
   * Arguments that filter server-side (a SQL text, a search query): placeholders and raw personal
   * values are refused in them, so the server cannot be used to test guesses about a value.
   */
  queryArgs: z.array(z.string().min(1)).default([]),
  /** At most this many calls per tool of this server in one run (every call, or only calls passing a `queryArgs` argument when it is set). */
  maxQueryCalls: z.number().int().positive().optional(),
});

/** One allowed flow: raw values of these kinds may be sent to this server. */
export const flowRuleSchema = z.strictObject({
  /** Destination server id, or `*` for any server. */
  to: serverRef,
  /** Kinds that may flow (`EMAIL`, `NAME`...), or `*` for every kind. */
  kinds: z.array(z.union([kindSchema, z.literal('*')])).min(1),
});

/**
 * The `flows` key of a server YAML: where this server's raw values may be sent. Anything not listed
 * is denied; a value always flows back to the server it came from.
 */
export const flowPolicySchema = z.strictObject({
  allow: z.array(flowRuleSchema).default([]),
});

/** A server's validated `pii` key. */
export type PiiConfig = z.infer<typeof piiConfigSchema>;
/** A server's `pii` key as written. */
export type PiiConfigInput = z.input<typeof piiConfigSchema>;
/** A server's validated `flows` key. */
export type FlowPolicy = z.infer<typeof flowPolicySchema>;
/** One entry of `flows.allow`. */
export type FlowRule = z.infer<typeof flowRuleSchema>;

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string, source: string | undefined): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const where = source === undefined ? what : `${what} in ${source}`;
  const issues = result.error.issues.map((issue) => `${[what, ...issue.path].join('.')}: ${issue.message}`).join('; ');
  throw new MagsagError('CONFIG_INVALID', `Invalid ${where}: ${issues}. See packages/pii/README.md for the schema.`, { cause: result.error, data: { source, issues: result.error.issues } });
}

/** Validates a server's `pii` key (`undefined` means none); errors name `source` (the YAML file). */
export function parsePiiConfig(value: unknown, source?: string): PiiConfig {
  return parse(piiConfigSchema, value, 'pii', source);
}

/** Validates a server's `flows` key (`undefined` means deny everything across servers). */
export function parseFlowPolicy(value: unknown, source?: string): FlowPolicy {
  return parse(flowPolicySchema, value, 'flows', source);
}

/** Merges project defaults and a server's `pii` key into detector options (the server wins). */
export function detectorOptionsFor(config: PiiConfig, defaults?: PiiConfig): DetectorOptions {
  return {
    fields: { ...defaults?.fields, ...config.fields },
    disable: [...(defaults?.disable ?? []), ...config.disable],
    rules: [...(defaults?.rules ?? []), ...config.rules],
    phoneRegions: config.phoneRegions ?? defaults?.phoneRegions,
  };
}
