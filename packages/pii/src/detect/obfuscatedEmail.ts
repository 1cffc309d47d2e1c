import { type Rule, newCandidate, priorities } from './rules.ts';

// Built by a function: rules.ts imports this module (see secrets.ts).

/** `[at]`, `(at)`, `{at}`, `<at>` (any case, inner spaces) or a bare ` at ` / ` AT ` between spaces. */
const atMark = /[[({<] ?at ?[\])}>]|\s(?:at|AT)\s/gi;
const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const dotMark = '\\s?[[({<] ?dot ?[\\])}>]\\s?|\\s(?:dot|DOT)\\s|\\.';
/** A domain after the `at`: labels separated by `.` or an obfuscated dot. Tried at one position. */
const domainAt = new RegExp(`\\s{0,2}(${label}(?:(?:${dotMark})${label}){1,5})(?![A-Za-z0-9])`, 'y');
const obfuscation = /dot|at ?[\])}>]/i;
const dotSplit = new RegExp(dotMark, 'g');
const wordDot = /\s(?:dot|DOT)\s|[[({<] ?dot ?[\])}>]/i;
// Top-level domains accepted after a bare ` at `/` dot ` (a two-letter country code is too).
const commonTlds = new Set(['com', 'org', 'net', 'edu', 'gov', 'mil', 'int', 'info', 'biz', 'io', 'dev', 'app', 'ai', 'co', 'me', 'name', 'pro', 'mobi', 'email', 'online', 'tech', 'xyz']);

function isLocalChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}

/**
 * Obfuscated email addresses: `alice at example dot com`, `alice [at] example [dot] com`,
 * `alice(at)example(dot)com`, `alice AT example DOT org`. The whole form is masked; its normalized
 * value is the plain address, so it shares a placeholder with `alice@example.com`. A bare ` at `
 * needs a ` dot ` too and a plausible top-level domain ("meet at home dot" is no address).
 */
export function obfuscatedEmailRule(): Rule {
  return {
    id: 'email.obfuscated',
    kind: 'EMAIL',
    priority: priorities.EMAIL,
    scan(text, out, covered) {
      // Every form has an obfuscated dot or a bracketed at: most text has neither, and one test of
      // two short literals costs far less than looking at every " at " of the prose.
      if (!obfuscation.test(text)) return;
      atMark.lastIndex = 0;
      for (let m = atMark.exec(text); m !== null; m = atMark.exec(text)) {
        const bracketed = m[0].trimStart().charCodeAt(0) !== 97 && m[0].trimStart().charCodeAt(0) !== 65;
        let localEnd = m.index;
        if (bracketed) while (localEnd > 0 && text.charCodeAt(localEnd - 1) === 32) localEnd--;
        let start = localEnd;
        while (start > 0 && localEnd - start < 64 && isLocalChar(text.charCodeAt(start - 1))) start--;
        while (start < localEnd && text.charCodeAt(start) === 46) start++;
        if (start === localEnd || text.charCodeAt(localEnd - 1) === 46 || (start > 0 && text.charCodeAt(start - 1) === 64)) continue;
        domainAt.lastIndex = m.index + m[0].length;
        const d = domainAt.exec(text);
        if (d === null) continue;
        const domainText = d[1]!;
        const labels = domainText.split(dotSplit).map((part) => part.trim());
        const tld = labels.at(-1)!;
        if (!/^[A-Za-z]{2,24}$/.test(tld)) continue;
        if (!bracketed && (!wordDot.test(domainText) || !(tld.length === 2 || commonTlds.has(tld.toLowerCase())))) continue;
        const end = domainAt.lastIndex;
        if (covered?.(start, end)) continue;
        const address = `${text.slice(start, localEnd)}@${labels.join('.')}`.toLowerCase();
        out.push(newCandidate('EMAIL', 'email.obfuscated', priorities.EMAIL, start, end, text.slice(start, end), address));
        atMark.lastIndex = end;
      }
    },
  };
}
