import picomatch from 'picomatch';

/**
 * What agent code may do with a tool: call it (`allow`), call it once a person approved
 * (`approve`), or never (`block`).
 */
export type ToolPolicy = 'allow' | 'approve' | 'block';

/** The policies, from the least to the most restrictive. */
export const toolPolicies: readonly ToolPolicy[] = ['allow', 'approve', 'block'];

/** Where a tool's effective policy came from. */
export type ToolPolicySource = 'server' | 'project' | 'annotations' | 'name';

/** A tool's effective policy, and why. */
export interface ToolPolicyInfo {
  policy: ToolPolicy;
  source: ToolPolicySource;
  /** One short line a person reads: the rule, or the annotations and what they mean. */
  reason: string;
}

/**
 * Approval rules: tool-name globs per policy (a server's YAML), or `<server>/<tool>` globs (the
 * project's `magsag.config.yaml`).
 */
export interface ApprovalRules {
  allow?: string[] | undefined;
  approve?: string[] | undefined;
  block?: string[] | undefined;
}

/** How long a run waits for a person's answer before the call fails, in ms. */
export const defaultApprovalTimeoutMs = 120_000;

// Verbs whose tools change the world, matched against the words of a tool's name.
const writeWords = new Set([
  'add', 'apply', 'archive', 'assign', 'append', 'cancel', 'change', 'clear', 'close', 'commit', 'create', 'delete', 'deploy', 'destroy', 'disable', 'drop',
  'edit', 'enable', 'erase', 'execute', 'exec', 'insert', 'invite', 'kill', 'merge', 'modify', 'move', 'patch', 'pay', 'post', 'publish', 'purge', 'push',
  'put', 'rename', 'remove', 'replace', 'reset', 'restore', 'revoke', 'rm', 'save', 'send', 'set', 'share', 'submit', 'transfer', 'trigger', 'truncate',
  'unlink', 'update', 'upload', 'upsert', 'write', 'mutate', 'grant', 'terminate', 'mkdir', 'rmdir',
]);

/** The words of a tool name: `deleteIssue`, `delete_issue`, `delete-issue` and `issues.delete` all say "delete". */
export function nameWords(name: string): string[] {
  return name
    .slice(0, 200)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** True when a tool's name reads as a write (create, update, delete, write, send, ...). */
export function nameReadsAsWrite(name: string): boolean {
  return nameWords(name).some((word) => writeWords.has(word));
}

/**
 * The policy a tool's MCP annotations (or, without any, its name) imply, following the MCP spec's
 * defaults: `readOnlyHint: true` → allow; otherwise `destructiveHint: false` (additive) → allow, and
 * `destructiveHint` true or absent → approve. No annotations at all: approve when the name reads as a
 * write, else allow.
 */
export function defaultToolPolicy(tool: { name: string; annotations?: Record<string, unknown> | undefined }): ToolPolicyInfo {
  const annotations = tool.annotations;
  const readOnly = annotations?.['readOnlyHint'];
  const destructive = annotations?.['destructiveHint'];
  if (typeof readOnly === 'boolean' || typeof destructive === 'boolean') {
    if (readOnly === true) return { policy: 'allow', source: 'annotations', reason: 'readOnlyHint: true (reads only)' };
    if (destructive === false) return { policy: 'allow', source: 'annotations', reason: 'destructiveHint: false (additive write)' };
    return {
      policy: 'approve',
      source: 'annotations',
      reason: destructive === true ? 'destructiveHint: true (may delete or overwrite)' : 'readOnlyHint: false without destructiveHint (a write the spec treats as destructive)',
    };
  }
  // Annotations with neither hint (a title only) say nothing about writes: the name decides.
  const none = annotations === undefined || Object.keys(annotations).length === 0 ? 'no annotations' : 'no readOnlyHint or destructiveHint';
  if (nameReadsAsWrite(tool.name)) return { policy: 'approve', source: 'name', reason: `${none}, and the name reads as a write` };
  return { policy: 'allow', source: 'name', reason: `${none}, and the name does not read as a write` };
}

/** How specific a glob is: an exact name beats any glob; among globs, more literal characters win. */
function specificity(pattern: string): number {
  if (!/[*?[\]{}()!+@]/.test(pattern)) return Number.MAX_SAFE_INTEGER;
  return pattern.replace(/[*?[\]{}()!+@]/g, '').length;
}

const matchers = new Map<string, (name: string) => boolean>();
function matcher(pattern: string): (name: string) => boolean {
  let match = matchers.get(pattern);
  if (!match) {
    match = picomatch(pattern, { dot: true });
    if (matchers.size > 10_000) matchers.clear();
    matchers.set(pattern, match);
  }
  return match;
}

/**
 * The rule of `rules` that decides `name`, if any: the most specific matching pattern (an exact
 * name beats a glob, a longer glob a shorter one); on a tie, the most restrictive policy.
 */
export function matchApprovalRule(rules: ApprovalRules | undefined, name: string): { policy: ToolPolicy; pattern: string } | undefined {
  if (!rules) return undefined;
  let best: { policy: ToolPolicy; pattern: string; score: number } | undefined;
  for (const policy of toolPolicies) {
    for (const pattern of rules[policy] ?? []) {
      if (!matcher(pattern)(name)) continue;
      const score = specificity(pattern);
      if (!best || score > best.score || (score === best.score && toolPolicies.indexOf(policy) > toolPolicies.indexOf(best.policy))) best = { policy, pattern, score };
    }
  }
  return best && { policy: best.policy, pattern: best.pattern };
}

/** What {@link resolveToolPolicy} decides from. */
export interface ToolPolicyInput {
  server: string;
  tool: { name: string; annotations?: Record<string, unknown> | undefined };
  /** The server YAML's `approvals:` (tool-name globs) and its file. */
  serverRules?: ApprovalRules | undefined;
  serverFile?: string | undefined;
  /** The project's `approvals:` in magsag.config.yaml (`<server>/<tool>` globs) and its file. */
  projectRules?: ApprovalRules | undefined;
  projectFile?: string | undefined;
}

/**
 * A tool's effective policy: the server YAML's rule, else the project's, else what its annotations
 * (or name) imply ({@link defaultToolPolicy}).
 */
export function resolveToolPolicy(input: ToolPolicyInput): ToolPolicyInfo {
  const fromServer = matchApprovalRule(input.serverRules, input.tool.name);
  if (fromServer) {
    return { policy: fromServer.policy, source: 'server', reason: `approvals.${fromServer.policy} "${fromServer.pattern}" in the server's YAML` };
  }
  const fromProject = matchApprovalRule(input.projectRules, `${input.server}/${input.tool.name}`);
  if (fromProject) {
    return { policy: fromProject.policy, source: 'project', reason: `approvals.${fromProject.policy} "${fromProject.pattern}" in magsag.config.yaml` };
  }
  return defaultToolPolicy(input.tool);
}
