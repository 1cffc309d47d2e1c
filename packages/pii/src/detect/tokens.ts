import { leftBoundary } from './boundary.ts';
import { type Rule, newCandidate, priorities, regexRule } from './rules.ts';

// Built by a function: rules.ts imports this module (see secrets.ts).

/** Within this many characters before a value, a cue word names the service. */
const cueWindow = 48;

const telegramTail = /:AA[A-Za-z0-9_-]{33}(?![\w-])/g;

/**
 * Telegram bot tokens (`123456789:AA…`): found by the literal `:AA` (a regex led by the digits of
 * the bot id would start at every digit), then the 8–10 digit id before it is read back.
 */
function telegramRule(): Rule {
  return {
    id: 'secret.telegram',
    kind: 'SECRET',
    priority: priorities.SECRET,
    needsAny: [':AA'],
    scan(text, out, covered) {
      telegramTail.lastIndex = 0;
      for (let m = telegramTail.exec(text); m !== null; m = telegramTail.exec(text)) {
        let start = m.index;
        while (start > 0 && m.index - start < 11 && isDigit(text.charCodeAt(start - 1))) start--;
        const digits = m.index - start;
        if (digits < 8 || digits > 10 || !leftBoundary(text, start, ':/')) continue;
        const end = m.index + m[0].length;
        if (covered?.(start, end)) continue;
        out.push(newCandidate('SECRET', 'secret.telegram', priorities.SECRET, start, end, text.slice(start, end), undefined));
      }
    },
  };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function cueBefore(cue: RegExp): (value: string, text: string, start: number) => boolean {
  return (_value, text, start) => leftBoundary(text, start) && cue.test(text.slice(Math.max(0, start - cueWindow), start));
}

/**
 * Token formats of cloud, git hosting and chat services that the older rules (`secret.aws`,
 * `secret.github`, `secret.slack`, `secret.jwt`, `secret.apiKey`) do not cover. Each starts with a
 * literal prefix or needs a cue, so that it skips text without one quickly.
 */
export function tokenRules(): Rule[] {
  const priority = priorities.SECRET;
  return [
    // 40 base64 characters after an AWS secret key name (the key alone looks like any base64).
    regexRule({
      id: 'secret.awsSecret',
      kind: 'SECRET',
      priority,
      needsAny: ['ecret', 'ECRET'],
      // Led by the literal `secret` (every cue holds it), so the scan skips other text quickly.
      regex: /secret[_ -]?(?:access[_ -]?)?key["']?\s{0,4}[:=]\s{0,4}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
      group: 1,
      validate: (value) => /\d/.test(value) && /[a-z]/.test(value) && /[A-Z]/.test(value),
    }),
    // GitLab tokens other than personal access tokens (`glpat-` is in `secret.apiKey`).
    regexRule({
      id: 'secret.gitlab',
      kind: 'SECRET',
      priority,
      needsAny: ['gl', 'GR1348941'],
      regex: /gl(?:dt|ptt|rt|cbt|imt|ft|soat|ffct|oas|agent)-[A-Za-z0-9_-]{20,}(?![\w-])|GR1348941[A-Za-z0-9_-]{20,}(?![\w-])/g,
      validate: (_value, text, start) => leftBoundary(text, start),
    }),
    // Discord bot tokens (user id in base64, timestamp, HMAC) and webhooks.
    regexRule({
      id: 'secret.discord',
      kind: 'SECRET',
      priority,
      // The bot token's first part is a base64 user id: it starts with M, N or O and holds a digit.
      regex: /(?<![\w-])[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}(?![\w-])|https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d{17,20}\/[A-Za-z0-9_-]{60,68}/g,
      validate: (value) => value.startsWith('https:') || /\d/.test(value.slice(0, 26)),
    }),
    // Telegram bot tokens: the bot id, `:AA`, 33 characters.
    telegramRule(),
    // Stripe webhook signing secrets (`sk_live_`/`rk_live_` are in `secret.apiKey`).
    regexRule({ id: 'secret.stripe', kind: 'SECRET', priority, needsAny: ['whsec_'], regex: /whsec_[A-Za-z0-9+/]{32,}(?![\w-])/g, validate: (_value, text, start) => leftBoundary(text, start) }),
    // Twilio API key and account SIDs: `SK`/`AC` and 32 hex digits, only with Twilio named before.
    regexRule({
      id: 'secret.twilio',
      kind: 'SECRET',
      priority,
      needsAny: ['SK', 'AC'],
      regex: /(?:SK|AC)[0-9a-f]{32}(?![\w-])/g,
      validate: cueBefore(/twilio|account_?sid|api_?key_?sid|\bsid\b/i),
    }),
    // Google OAuth client secrets and access tokens (`AIza` keys are in `secret.apiKey`).
    regexRule({ id: 'secret.google', kind: 'SECRET', priority, needsAny: ['GOCSPX-', 'ya29.'], regex: /(?:GOCSPX-[A-Za-z0-9_-]{28}|ya29\.[A-Za-z0-9_-]{30,})(?![\w-])/g, validate: (_value, text, start) => leftBoundary(text, start) }),
    // Azure storage and service bus connection strings: the key after `AccountKey=`/`SharedAccessKey=`.
    regexRule({
      id: 'secret.azure',
      kind: 'SECRET',
      priority,
      needsAny: ['AccountKey', 'AccessKey'],
      // Azure writes these names in this case; a case-sensitive literal scans fast.
      regex: /(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{20,}={0,2})/g,
      group: 1,
    }),
  ];
}
