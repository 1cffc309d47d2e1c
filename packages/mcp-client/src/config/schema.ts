import { z } from 'zod';

/** A server id: also its YAML file name and its folder under `servers/`. */
export const serverIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'a lowercase id of letters, digits, "-" and "_", starting with a letter or digit');

const envRecord = z.record(z.string(), z.string());

/** Start a local server as a child process speaking MCP over stdin/stdout. */
export const stdioTransportSchema = z.strictObject({
  type: z.literal('stdio'),
  /** Executable to run (looked up on PATH). */
  command: z.string().min(1).describe('Executable to run, looked up on PATH.'),
  /** Arguments; a value starting with `./` or `../` is a path relative to the YAML file's folder. */
  args: z.array(z.string()).default([]).describe('Arguments; a value starting with ./ or ../ is a path relative to the YAML file.'),
  /** Extra environment for the process, on top of a safe default set (PATH, HOME, ...). */
  env: envRecord.default({}).describe('Extra environment on top of a safe default set (PATH, HOME, ...); ./ and ../ values are paths relative to the YAML file.'),
  /** Working directory, relative to the YAML file's folder. */
  cwd: z.string().min(1).optional().describe("Working directory, relative to the YAML file's folder."),
});

/** Connect to a remote server over streamable HTTP. */
export const httpTransportSchema = z.strictObject({
  type: z.literal('http'),
  url: z.url().describe('The streamable HTTP endpoint.'),
  headers: envRecord.default({}).describe('HTTP headers sent with every request (use ${VAR} for secrets).'),
});

/** Connect to a remote server over the deprecated HTTP+SSE transport. */
export const sseTransportSchema = z.strictObject({
  type: z.literal('sse'),
  url: z.url().describe('The SSE endpoint (deprecated transport).'),
  headers: envRecord.default({}).describe('HTTP headers sent with every request (use ${VAR} for secrets).'),
});

export const transportSchema = z.discriminatedUnion('type', [
  stdioTransportSchema,
  httpTransportSchema,
  sseTransportSchema,
]);

/** `approvals:` lists: globs per policy. */
export function approvalRulesSchema(what: string) {
  const list = (policy: string) => z.array(z.string().min(1)).optional().describe(`${what} whose calls are ${policy}.`);
  return z.strictObject({ allow: list('allowed'), approve: list('asked of a person first'), block: list('refused') });
}

/** One tool as the server described it: what codegen reads. */
export const toolSnapshotSchema = z.strictObject({
  name: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()).default({ type: 'object' }),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
  /**
   * Arguments `magsag codegen --sample` calls the tool with (one object, or a list of them) to infer
   * {@link inferredOutputSchema}. Written by hand; only tools listed here are ever called.
   */
  sample: z
    .union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown())).min(1)])
    .optional()
    .describe('Arguments magsag codegen --sample calls this tool with (an object or a list of them); only tools with one are called.'),
  /**
   * A JSON Schema of the tool's parsed result, inferred by `magsag codegen --sample` from real results
   * (after PII tokenization; no value is stored). Codegen types the tool's result with it when the
   * tool declares no `outputSchema`; a call whose result does not match it logs a warning.
   */
  inferredOutputSchema: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('JSON Schema of the parsed result, written by magsag codegen --sample; types the result when the tool has no outputSchema.'),
});

export const serverConfigSchema = z.strictObject({
  id: serverIdSchema.describe('The server id: the YAML file name and its folder under servers/.'),
  description: z.string().default('').describe('One line about the server.'),
  enabled: z.boolean().default(true).describe('false keeps the server listed but never started.'),
  transport: transportSchema.describe('How to start or reach the server: type stdio, http or sse.'),
  fallback: z.array(transportSchema).default([]).describe('Further transports, tried in order when transport fails to connect.'),
  timeouts: z
    .strictObject({
      connectMs: z.number().int().positive().optional().describe('Time for start-up and initialize (default 30000).'),
      callMs: z.number().int().positive().optional().describe('Time for one tool call (default 60000).'),
    })
    .default({})
    .describe('Time limits.'),
  allowTools: z.array(z.string().min(1)).optional().describe('Tool-name globs; only matching tools are listed and callable.'),
  denyTools: z.array(z.string().min(1)).optional().describe('Tool-name globs; matching tools are neither listed nor callable.'),
  tools: z
    .array(toolSnapshotSchema)
    .optional()
    .describe('The tool snapshot codegen reads (written by magsag codegen --refresh); per tool, sample (written by hand) and inferredOutputSchema (written by magsag codegen --sample) are kept.'),
  approvals: approvalRulesSchema('Tool-name globs')
    .optional()
    .describe('Which tools agent code may call (allow), may call once a person approved (approve) or never (block): tool-name globs per policy. Unlisted tools follow their annotations (docs/guides/approvals.md).'),
  pii: z.record(z.string(), z.unknown()).optional().describe('PII rules for this server\'s results (see packages/pii).'),
  flows: z.record(z.string(), z.unknown()).optional().describe('Which servers may receive this server\'s raw values (see packages/pii).'),
});

export type StdioTransportConfig = z.infer<typeof stdioTransportSchema>;
export type HttpTransportConfig = z.infer<typeof httpTransportSchema>;
export type SseTransportConfig = z.infer<typeof sseTransportSchema>;
/** How to start or reach a server. */
export type TransportConfig = z.infer<typeof transportSchema>;
/** A tool definition as stored in a server's YAML snapshot. */
export type ToolSnapshot = z.infer<typeof toolSnapshotSchema>;

/** A validated server definition, with `${VAR}`s expanded and relative paths made absolute. */
export type ServerConfig = z.infer<typeof serverConfigSchema> & {
  /** Absolute path of the YAML file it came from. */
  file: string;
};

/** Default timeouts when a server's YAML sets none. */
export const defaultTimeouts = { connectMs: 30_000, callMs: 60_000 } as const;
