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

/** Texts shorter than this are not worth preparing off the main thread. */
const prepareMinChars = 64 * 1024;

/** The long strings of `value` (keys too), for {@link Masker.prepare}. */
export function longStringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (value.length >= prepareMinChars) out.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) longStringsOf(item, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key.length >= prepareMinChars) out.push(key);
      longStringsOf(child, out);
    }
  }
  return out;
}
