import { type Rule, newCandidate, priorities } from './rules.ts';

// These rules are built by functions: rules.ts imports this module, and this one reads rules.ts's
// values only when a rule is built or run, never while the modules load.

/** A URL's authority (userinfo and host) is read at most this far. */
const maxAuthority = 512;
/** A PEM block is read at most this far (a 16384-bit RSA key is about 12 KB). */
const maxPem = 64 * 1024;

function isSchemeChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 45 || c === 46;
}
function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
/** Where a URL's authority ends: `/`, `?`, `#`, a space, a quote or a bracket. */
function endsAuthority(c: number): boolean {
  return c === 47 || c === 63 || c === 35 || c <= 32 || c === 34 || c === 39 || c === 60 || c === 62 || c === 96 || c === 92 || c === 40 || c === 41;
}
// Passwords that stand for none: masks, template variables, placeholders.
const notAPassword = /^(?:\*+|x+|\.\.\.|<[^>]*>|\$\{[^}]*\}|\$[A-Za-z_]\w*|\{\{[^}]*\}\}|%[A-Za-z_]\w*%|\[[A-Z][A-Z0-9_]*_\d+\])$/;

/**
 * The password of a URL with credentials on any host: `postgresql://admin:pw@localhost/db`,
 * `redis://:pw@cache:6379`, `https://user:token@git.internal/repo.git`. Only the password is
 * masked; scheme, user and host stay. Finds each `://` and reads at most one authority after it.
 */
export function urlCredentialsRule(): Rule {
  return {
    id: 'secret.urlCredentials',
    kind: 'SECRET',
    priority: priorities.SECRET,
    needsAny: ['://'],
    scan(text, out, covered) {
      let mark = text.indexOf('://');
      while (mark !== -1) {
        const from = mark + 3;
        let next = text.indexOf('://', from);
        let scheme = mark;
        while (scheme > 0 && mark - scheme < 32 && isSchemeChar(text.charCodeAt(scheme - 1))) scheme--;
        if (scheme < mark && isLetter(text.charCodeAt(scheme))) {
          let end = from;
          let at = -1;
          let colon = -1;
          while (end < text.length && end - from < maxAuthority) {
            const c = text.charCodeAt(end);
            if (endsAuthority(c)) break;
            if (c === 64) at = end;
            else if (c === 58 && colon === -1) colon = end;
            end++;
          }
          // A password is what lies between the first `:` of the userinfo and its last `@`, with a host after.
          if (at !== -1 && colon !== -1 && colon < at && at + 1 < end) {
            const value = text.slice(colon + 1, at);
            if (value.length > 0 && !notAPassword.test(value) && !covered?.(colon + 1, at)) {
              out.push(newCandidate('SECRET', 'secret.urlCredentials', priorities.SECRET, colon + 1, at, value, value));
            }
          }
          if (next !== -1 && next < end) next = text.indexOf('://', end);
        }
        mark = next;
      }
    },
  };
}

const pemBegin = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/y;
const pemEnd = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/y;
// `Proc-Type: 4,ENCRYPTED`, `DEK-Info: ...`, `Version: ...` (PGP): header lines right after BEGIN.
const pemHeader = /[A-Za-z][A-Za-z-]{0,30}: [^\n\\]{0,200}/y;

function isBase64Char(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 61;
}

function isQuote(c: number): boolean {
  return c === 34 || c === 39 || c === 96;
}

/** The length of the line break at `i`: `\n`, `\r\n`, or the JSON escapes `\\n`, `\\r\\n`; else 0. */
function lineBreak(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 10) return 1;
  if (c === 13) return text.charCodeAt(i + 1) === 10 ? 2 : 1;
  if (c === 92) {
    const e = text.charCodeAt(i + 1);
    if (e === 110) return 2;
    if (e === 114) return text.charCodeAt(i + 2) === 92 && text.charCodeAt(i + 3) === 110 ? 4 : 2;
  }
  return 0;
}

/**
 * A PEM or PGP private key from its BEGIN line to its END line, or, when the END line is missing
 * (a truncated paste, a log line cut short), to the end of the base64 lines after BEGIN. Lines may be
 * broken by real line breaks or by the `\n` escapes of JSON text. Each block is read once.
 */
export function pemRule(): Rule {
  return {
    id: 'secret.pem',
    kind: 'SECRET',
    priority: priorities.SECRET + 5,
    needsAny: ['PRIVATE KEY'],
    scan(text, out) {
      let begin = text.indexOf('-----BEGIN ');
      while (begin !== -1) {
        pemBegin.lastIndex = begin;
        if (!pemBegin.test(text)) {
          begin = text.indexOf('-----BEGIN ', begin + 11);
          continue;
        }
        const limit = Math.min(text.length, begin + maxPem);
        let end = pemBegin.lastIndex;
        let i = end;
        let headers = true;
        let lines = 0;
        for (;;) {
          const br = lineBreak(text, i);
          if (br === 0 || i + br > limit) break;
          let j = i + br;
          // Leading spaces of an indented key (YAML block scalars).
          while (j < limit && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
          if (text.startsWith('-----END ', j)) {
            pemEnd.lastIndex = j;
            if (pemEnd.test(text)) end = pemEnd.lastIndex;
            break;
          }
          if (headers) {
            pemHeader.lastIndex = j;
            if (pemHeader.test(text) && pemHeader.lastIndex <= limit) {
              i = end = pemHeader.lastIndex;
              continue;
            }
            // The blank line after the headers.
            if (lineBreak(text, j) !== 0 && end > pemBegin.lastIndex) {
              i = j;
              headers = false;
              continue;
            }
            headers = false;
          }
          let k = j;
          while (k < limit && isBase64Char(text.charCodeAt(k))) k++;
          const length = k - j;
          // A base64 line: nothing else on it (a closing quote ends the block: a key in a JSON or
          // YAML string), and either full width or the short last line of a block.
          const quoted = k < text.length && isQuote(text.charCodeAt(k));
          if (length === 0 || (k < text.length && lineBreak(text, k) === 0 && !quoted)) break;
          if (length < 16 && text.charCodeAt(k - 1) !== 61 && !text.startsWith('-----END ', k + lineBreak(text, k))) break;
          i = end = k;
          lines++;
          if (quoted) break;
        }
        if (end > pemBegin.lastIndex || lines > 0) {
          const value = text.slice(begin, end);
          out.push(newCandidate('SECRET', 'secret.pem', priorities.SECRET + 5, begin, end, value, undefined));
        }
        begin = text.indexOf('-----BEGIN ', Math.max(end, begin + 11));
      }
    },
  };
}
