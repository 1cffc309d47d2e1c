/**
 * The one table of MAGSAG error codes. Every `MagsagError` carries one of these codes; `SSOT.md`
 * and the generated reference list them from here. A code is a promise to scripts: never rename one.
 *
 * `exitCode` is what the CLI exits with when the error ends a command: 2 for usage and configuration
 * errors (the user must change what they asked for), 1 for a server, tool or run that failed, 3 for
 * a call that a person (or a policy) did not approve.
 */
export const errorCodes = {
  USAGE: { exitCode: 2, summary: 'A command was called with missing or invalid arguments.' },
  CONFIG_INVALID: { exitCode: 2, summary: 'A configuration file (server YAML, mcpServers JSON) is invalid.' },
  CONFIG_ENV_MISSING: { exitCode: 2, summary: 'A `${VAR}` in a configuration file names an unset environment variable.' },
  CONFIG_CONFLICT: { exitCode: 2, summary: 'An import would overwrite configured servers; nothing was written (rename, prefix or force).' },
  CONFIG_NOT_FOUND: { exitCode: 2, summary: 'A configuration file or folder does not exist.' },
  SERVER_NOT_FOUND: { exitCode: 2, summary: 'No server with this id is configured.' },
  SERVER_DISABLED: { exitCode: 2, summary: 'The server is configured with `enabled: false`.' },
  SERVER_START_FAILED: { exitCode: 1, summary: 'The server process could not be started or exited before it finished `initialize`.' },
  SERVER_CONNECT_TIMEOUT: { exitCode: 1, summary: 'The server did not finish `initialize` within `timeouts.connectMs`.' },
  SERVER_CRASHED: { exitCode: 1, summary: 'The server process exited or its connection closed while in use.' },
  TRANSPORT_ERROR: { exitCode: 1, summary: 'The transport to the server failed (HTTP error, broken pipe, protocol error).' },
  TOOL_NOT_FOUND: { exitCode: 2, summary: 'The server does not offer a tool with this name.' },
  TOOL_DENIED: { exitCode: 2, summary: 'The tool is excluded by the server\'s `allowTools` / `denyTools`.' },
  TOOL_INPUT_INVALID: { exitCode: 2, summary: 'Tool arguments do not match the tool\'s input schema.' },
  TOOL_TIMEOUT: { exitCode: 1, summary: 'A tool call took longer than its timeout.' },
  TOOL_CANCELLED: { exitCode: 1, summary: 'A tool call was cancelled through its AbortSignal.' },
  TOOL_APPROVAL_REQUIRED: { exitCode: 3, summary: 'The call needs a person\'s approval (its policy is `approve`) and none came: nobody could be asked (no terminal, no `--yes` / `--approve`, no `approve` callback) or nobody answered within `approvalTimeoutMs`. Nothing was sent to the server.' },
  TOOL_APPROVAL_DENIED: { exitCode: 3, summary: 'A person denied the call, or its policy is `block`. Nothing was sent to the server; the program may catch it.' },
  TOOL_ERROR: { exitCode: 1, summary: 'The tool ran and reported an error (`isError: true`).' },
  SANDBOX_TIMEOUT: { exitCode: 1, summary: 'The sandboxed program exceeded its wall-clock limit.' },
  SANDBOX_CPU_LIMIT: { exitCode: 1, summary: 'The sandboxed program exceeded its CPU-time limit.' },
  SANDBOX_MEMORY_LIMIT: { exitCode: 1, summary: 'The sandboxed program exceeded its memory limit.' },
  SANDBOX_IMPORT_NOT_FOUND: { exitCode: 1, summary: 'The program imported a generated module or skill that does not exist (a typo, or a tool not generated); the message suggests the closest names.' },
  SANDBOX_IMPORT_DENIED: { exitCode: 1, summary: 'The program imported something other than generated modules or skills.' },
  SANDBOX_TYPECHECK: { exitCode: 1, summary: 'The program failed type-checking against the generated modules.' },
  SANDBOX_OUTPUT_LIMIT: { exitCode: 1, summary: 'The program produced more output than its limit.' },
  SANDBOX_TOOL_CALL_LIMIT: { exitCode: 1, summary: 'The program made more tool calls, or received more tool bytes, than its limit.' },
  SANDBOX_RUNTIME_ERROR: { exitCode: 1, summary: 'The program threw an error.' },
  SANDBOX_CANCELLED: { exitCode: 1, summary: 'The run was cancelled.' },
  SANDBOX_BUSY: { exitCode: 1, summary: 'Every sandbox is busy and the run could not wait any longer (queue full or queue timeout); `data.retryable` is true.' },
  SANDBOX_WORKER_LOST: { exitCode: 1, summary: 'The sandbox worker holding the run ended (another run in it crashed it) after the run had made tool calls, so it was not retried; `data.retryable` is true.' },
  SANDBOX_UNAVAILABLE: { exitCode: 1, summary: 'No isolated-vm build loads in this Node: it is missing or was built for another Node version.' },
  WORKSPACE_PATH_DENIED: { exitCode: 1, summary: 'A workspace path escapes the workspace.' },
  WORKSPACE_QUOTA: { exitCode: 1, summary: 'A workspace write would exceed its quota.' },
  WORKSPACE_NOT_FOUND: { exitCode: 2, summary: 'No workspace with this id exists.' },
  RUN_NOT_FOUND: { exitCode: 2, summary: 'The workspace has no run (or no kept output) with this id.' },
  APPROVAL_NOT_FOUND: { exitCode: 2, summary: 'No approval request with this id is in the pending queue of this state folder (`magsag approvals list`).' },
  APPROVAL_NOT_PENDING: { exitCode: 2, summary: 'The approval request was already answered, expired, or its run stopped waiting; the decision was not changed.' },
  PII_POLICY_VIOLATION: { exitCode: 1, summary: 'A tool argument would send a raw personal value (or its placeholder) to a server the data-flow policy does not allow, or into one of its `pii.queryArgs`.' },
  PII_QUERY_LIMIT: { exitCode: 1, summary: 'A run called a tool more often than the server\'s `pii.maxQueryCalls` allows.' },
  PII_VAULT_KEY: { exitCode: 2, summary: 'The vault key is missing (a PostgreSQL store requires `MAGSAG_VAULT_KEY`), malformed, stored with unsafe permissions, or not the key the vault, the audit or the key check of the store was written with.' },
  CODEGEN_INVALID_SNAPSHOT: { exitCode: 2, summary: 'A tool snapshot in a server YAML cannot be turned into a module.' },
  CODEGEN_STALE: { exitCode: 1, summary: 'Generated files under `servers/` are missing, stale or extra.' },
  SKILL_NOT_FOUND: { exitCode: 2, summary: 'No skill with this name exists.' },
  SKILL_INVALID: { exitCode: 2, summary: 'A skill\'s SKILL.md or input is invalid.' },
  SKILL_EXISTS: { exitCode: 2, summary: 'A skill with this name already exists; saving did not replace it.' },
  SKILL_WRITE_DENIED: { exitCode: 2, summary: 'The caller may not save skills on this `magsag serve` (see `--skill-writers`).' },
  STORE_UNAVAILABLE: { exitCode: 1, summary: 'The state store (PostgreSQL) could not be reached, or answered with an error; `data.retryable` is true when trying again later may succeed.' },
  INTERNAL: { exitCode: 1, summary: 'An unexpected internal error; please report it with the command that caused it.' },
} as const satisfies Record<string, { exitCode: 1 | 2 | 3; summary: string }>;

/** A stable MAGSAG error code. */
export type ErrorCode = keyof typeof errorCodes;

/** True when `value` is one of the codes in {@link errorCodes}. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value);
}
