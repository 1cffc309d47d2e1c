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
  command: z.string().min(1),
  /** Arguments; a value starting with `./` or `../` is a path relative to the YAML file's folder. */
  args: z.array(z.string()).default([]),
  /** Extra environment for the process, on top of a safe default set (PATH, HOME, ...). */
  env: envRecord.default({}),
  /** Working directory, relative to the YAML file's folder. */
  cwd: z.string().min(1).optional(),
});

/** Connect to a remote server over streamable HTTP. */
export const httpTransportSchema = z.strictObject({
  type: z.literal('http'),
  url: z.url(),
  headers: envRecord.default({}),
});

/** Connect to a remote server over the deprecated HTTP+SSE transport. */
export const sseTransportSchema = z.strictObject({
  type: z.literal('sse'),
  url: z.url(),
  headers: envRecord.default({}),
});

export const transportSchema = z.discriminatedUnion('type', [
  stdioTransportSchema,
  httpTransportSchema,
  sseTransportSchema,
]);

/** One tool as the server described it: what codegen reads. */
export const toolSnapshotSchema = z.strictObject({
  name: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()).default({ type: 'object' }),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
});

export const serverConfigSchema = z.strictObject({
  id: serverIdSchema,
  description: z.string().default(''),
  enabled: z.boolean().default(true),
  transport: transportSchema,
  fallback: z.array(transportSchema).default([]),
  timeouts: z
    .strictObject({
      connectMs: z.number().int().positive().optional(),
      callMs: z.number().int().positive().optional(),
    })
    .default({}),
  allowTools: z.array(z.string().min(1)).optional(),
  denyTools: z.array(z.string().min(1)).optional(),
  tools: z.array(toolSnapshotSchema).optional(),
  pii: z.record(z.string(), z.unknown()).optional(),
  flows: z.record(z.string(), z.unknown()).optional(),
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
