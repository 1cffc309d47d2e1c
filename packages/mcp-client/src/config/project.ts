import { maxLimits, type RunLimits } from '@magsag/core';
import type { z } from 'zod';

/** The file that marks a project's root. */
export const projectConfigFileName = 'magsag.config.yaml';

/** The folders of a project when its config does not set them, relative to the project root. */
export const defaultFolders = Object.freeze({
  servers: 'mcp',
  modules: 'servers',
  skills: 'skills',
  state: '.magsag',
});

type Zod = typeof z;

/**
 * Builds the schema of `magsag.config.yaml` with the zod it is given. zod is passed in, not imported,
 * so that finding a project's folders (every command does) loads zod only when a config file is
 * parsed, not when its validated form is read back from the cache.
 */
export function buildProjectConfigSchema(z: Zod) {
  const folder = (what: string, fallback: string) =>
    z
      .string()
      .min(1)
      .default(fallback)
      .describe(`${what}, relative to the project root.`);
  const limit = (key: keyof RunLimits, what: string) =>
    z
      .number()
      .int()
      .positive()
      .max(maxLimits[key])
      .optional()
      .describe(`${what} (at most ${maxLimits[key]}).`);
  // A glob without a server part never matches a `<server>/<tool>` name (`*` stops at `/`): refused, not ignored.
  const projectGlob = z.string().min(1).refine((pattern) => pattern.includes('/'), { message: 'expected a <server>/<tool> glob, such as "github/*" or "*/delete_*"' });
  const approvalList = (policy: string) => z.array(projectGlob).optional().describe(`\`<server>/<tool>\` globs whose calls are ${policy}.`);
  const reserved = (what: string) => z.strictObject({}).optional().describe(`Reserved for ${what}; it takes no keys yet.`);
  return z.strictObject({
    version: z.literal(1).default(1).describe('The config format. Only 1 exists.'),
    folders: z
      .strictObject({
        servers: folder('One YAML file per MCP server', defaultFolders.servers),
        modules: folder('Generated TypeScript modules, imported by programs as `./servers/<server>/<tool>`', defaultFolders.modules),
        skills: folder('Skills, one folder with a SKILL.md each', defaultFolders.skills),
        state: folder('State: caches, workspaces, the PII vault and audit, run records (keep it out of git)', defaultFolders.state),
      })
      .default({ ...defaultFolders })
      .describe('Where the project keeps things.'),
    // Default limits of every run (`magsag exec`, `run`, `serve`); a flag or a skill's own limits win.
    limits: z
      .strictObject({
        memoryMb: limit('memoryMb', 'Heap of the isolate, in MiB'),
        cpuMs: limit('cpuMs', 'CPU time a program may use, in ms'),
        wallMs: limit('wallMs', 'Wall-clock time of a run, tool calls included, in ms'),
        maxToolCalls: limit('maxToolCalls', 'Tool calls one run may make'),
        maxToolBytes: limit('maxToolBytes', 'Bytes (JSON) all tool results of one run may add up to'),
        maxOutputBytes: limit('maxOutputBytes', 'Bytes of output: the result as JSON plus every log line'),
        maxConcurrentToolCalls: limit('maxConcurrentToolCalls', 'Tool calls in flight at once'),
      })
      .default({})
      .describe("Default limits of every run; a flag or a skill's own limits win."),
    serve: reserved('`magsag serve` settings'),
    pii: reserved('project-wide PII settings'),
    approvals: z
      .strictObject({
        allow: approvalList('allowed'),
        approve: approvalList('asked of a person first'),
        block: approvalList('refused'),
        approvalTimeoutMs: z.number().int().positive().max(3_600_000).optional().describe('How long a call waits for a person before it fails with TOOL_APPROVAL_REQUIRED, in ms (default 120000, at most 3600000).'),
      })
      .default({})
      .describe("Approval defaults: `<server>/<tool>` globs per policy; a server YAML's own approvals win, then these, then each tool's annotations."),
    store: z
      .strictObject({
        url: z
          .string()
          .regex(/^postgres(ql)?:\/\//i, 'expected a postgres:// or postgresql:// URL')
          .optional()
          .describe('The PostgreSQL that `serve` replicas share (`postgres://user@host:5432/db`); `--store` and MAGSAG_STORE_URL win. Keep the password out of this file: PGPASSWORD or ~/.pgpass supply it.'),
      })
      .optional()
      .describe('Where state lives: the state folder (the default, nothing to install) or a PostgreSQL shared by replicas.'),
  });
}

/** The schema of `magsag.config.yaml`, built with the zod this package depends on. */
export type ProjectConfigSchema = ReturnType<typeof buildProjectConfigSchema>;

/** A validated `magsag.config.yaml`. */
export type ProjectConfig = z.infer<ProjectConfigSchema>;

/** The text `magsag init` writes: the folders spelled out, with a comment on what each is for. */
export function initialProjectConfig(folders: Partial<typeof defaultFolders> = {}): string {
  const f = { ...defaultFolders, ...folders };
  return [
    '# A MAGSAG project: every magsag command run in this folder or below uses it.',
    '# Keys and defaults: docs/reference/config.md of the magsag package.',
    'version: 1',
    'folders:',
    '  # One <id>.yaml per MCP server (magsag servers import, magsag codegen --refresh).',
    `  servers: ${f.servers}`,
    '  # Generated by magsag codegen and committed; programs import ./servers/<server>/<tool>.',
    `  modules: ${f.modules}`,
    `  skills: ${f.skills}`,
    '  # Caches, workspaces, the PII vault and run records: not committed.',
    `  state: ${f.state}`,
    "# Default limits of every run; a flag or a skill's own limits win. Example: wallMs: 60000",
    'limits: {}',
    '',
  ].join('\n');
}
