import { MagsagError } from './errors.ts';

/**
 * The one pattern a workspace id must match: a letter or digit, then letters, digits, `.`, `_` or
 * `-`, at most 64 characters in all. It can never name `.`, `..`, a path or a hidden file.
 */
export const workspaceIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Checks a workspace id before anything touches the disk with it, and returns it. Throws `USAGE`
 * (exit 2) naming where the id came from and what is allowed.
 */
export function assertWorkspaceId(id: unknown, source = 'Workspace id'): string {
  if (typeof id === 'string' && workspaceIdPattern.test(id)) return id;
  const shown = typeof id === 'string' ? JSON.stringify(id.slice(0, 80)) : String(id);
  throw new MagsagError('USAGE', `${source} ${shown} is invalid: use letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64 characters.`, {
    data: { workspace: typeof id === 'string' ? id.slice(0, 80) : null },
  });
}
