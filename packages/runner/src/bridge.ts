/**
 * The whole bridge between host and guest. The host installs these globals before the guest
 * runtime starts; the runtime takes them into its closure and deletes them, so the program never
 * sees a host reference. Everything that crosses is a string or a number (JSON copies).
 *
 * Replies from host to guest are strings tagged by their first character:
 * `R<json>` a value, `E<json>` a {@link BridgeError}.
 */

/** Global names the host sets and the guest runtime removes. */
export const bridgeGlobals = {
  /** `(level: string, text: string) => void`: a console line (sync). */
  log: '__magsag_log',
  /**
   * `(server: string, tool: string, argsJson: string, mode?: ToolResultMode) => Promise<reply>`: a tool
   * call (async Reference). In `data` mode the reply's value is a {@link ToolDataReply}.
   */
  tool: '__magsag_tool',
  /**
   * `(op: WorkspaceOp, path: string, data?: string) => reply`: the workspace file API (sync): a
   * Callback, or with {@link GuestConfig.workspaceBlocking} a Reference to an async host function
   * the guest calls with `applySyncPromise`.
   */
  workspace: '__magsag_ws',
  /** `(specifier: string, importer: string) => errorJson`: an import the loader did not allow (sync). */
  denyImport: '__magsag_deny',
  /** `(bytes: number) => string`: that many random bytes (at most {@link maxRandomBytes}) as a latin1 string (sync). */
  random: '__magsag_random',
  /** `(name: 'text' | 'core') => string`: a web-globals bundle's source, asked for on first use (sync). */
  web: '__magsag_web',
  /** A JSON {@link GuestConfig}. */
  config: '__magsag_config',
  /** Set by the runtime: `(id: string, factory: Function) => void`, one per module script. */
  define: '__magsagDefine',
  /** Set by the runtime: `(inputJson: string | undefined) => Promise<outcome>`. */
  main: '__magsagMain',
} as const;

/** Most bytes one `crypto.getRandomValues` call may ask for, as the Web Crypto API says. */
export const maxRandomBytes = 65_536;

/** What the guest runtime is told about the run. */
export interface GuestConfig {
  /** The program's module id. */
  programId: string;
  /** Per module id: import specifier → module id. */
  deps: Record<string, Record<string, string>>;
  /** Output cap in characters; longer log lines and results are cut before they cross. */
  maxOutputChars: number;
  /** Biggest workspace write the quota could allow, in characters. */
  maxWriteChars: number;
  /** The workspace global is a Reference to call with `applySyncPromise` (an asynchronous store). */
  workspaceBlocking: boolean;
}

/** The program's module id: it sits at the virtual project root, so `./servers/...` works wherever it lies. */
export const programId = '/__program__.ts';

/** The module id of the guest's tool-call shim, what generated modules import. */
export const shimModuleId = '@magsag/mcp-client';

/**
 * What a tool call returns to the guest: the whole `ToolCallResult` (`callMCPTool`), or the parsed
 * data and any warnings about it (`callMCPToolData`, what generated modules call).
 */
export type ToolResultMode = 'result' | 'data';

/** The value of a `data`-mode tool reply: the guest logs each warning and returns `data`. */
export interface ToolDataReply {
  data: unknown;
  warnings: string[];
}

/** Operations of the guest workspace API. */
export type WorkspaceOp = 'read' | 'write' | 'list' | 'remove' | 'exists';

/** An error that crosses to the guest; `id` lets the host recognise it when the program rethrows it. */
export interface BridgeError {
  id: number;
  code: string;
  message: string;
  data?: Record<string, unknown>;
}

/**
 * How the program ended, as the guest main reports it: `R<json>` a result, `U` no result,
 * `O<length>` a result too big to send, `E<json>` a {@link GuestErrorReport}.
 */
export type GuestOutcome = string;

/** A thrown value as the guest describes it. */
export interface GuestErrorReport {
  name: string;
  message: string;
  stack: string;
  /** Set when the error came from the host through the bridge. */
  bridgeErrorId?: number;
}
