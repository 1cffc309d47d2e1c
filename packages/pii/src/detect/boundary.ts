function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * The character before `start` is not a word character nor one of `extra` (a letter right after a
 * backslash is a JSON escape such as \n, and counts as a boundary). Checked after the match because
 * a regex that starts with a lookbehind is tried, slowly, at every position.
 */
export function leftBoundary(text: string, start: number, extra = ''): boolean {
  if (start === 0) return true;
  const c = text.charCodeAt(start - 1);
  if (isWordChar(c)) return start >= 2 && text.charCodeAt(start - 2) === 92 && c >= 97 && c <= 122;
  return !extra.includes(text[start - 1]!);
}
