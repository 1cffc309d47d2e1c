import type { Masker } from '../options.ts';

/** Applies `masker` to every string in `value`, keys and values alike (the second guard over results, logs and records). */
export function maskDeep<T>(value: T, masker: Masker): T {
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return masker.mask(node);
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [masker.mask(k), walk(v)]));
    return node;
  };
  return walk(value) as T;
}
