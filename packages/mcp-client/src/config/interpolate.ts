/** A `${VAR}` that names an unset variable, found at `path` in a config document. */
export interface MissingVariable {
  path: (string | number)[];
  variable: string;
}

const pattern = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Expands `${VAR}` and `${VAR:-default}` in every string of `value` from `env`; `$$` stands for a
 * literal `$`. Keys listed in `skipKeys` (at any depth) are left as they are: tool snapshots hold
 * the servers' own text, which may contain `${...}` that is not ours to expand.
 */
export function interpolateEnv(
  value: unknown,
  env: Record<string, string | undefined>,
  skipKeys: ReadonlySet<string> = new Set(),
  path: (string | number)[] = [],
  missing: MissingVariable[] = [],
): { value: unknown; missing: MissingVariable[] } {
  const walk = (node: unknown, at: (string | number)[]): unknown => {
    if (typeof node === 'string') {
      return node.replace(pattern, (match, name: string | undefined, fallback: string | undefined) => {
        if (match === '$$') return '$';
        const found = env[name!];
        if (found !== undefined && found !== '') return found;
        if (fallback !== undefined) return fallback;
        if (found === undefined) missing.push({ path: at, variable: name! });
        return found ?? match;
      });
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...at, index]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) {
        out[key] = skipKeys.has(key) ? child : walk(child, [...at, key]);
      }
      return out;
    }
    return node;
  };
  return { value: walk(value, path), missing };
}
