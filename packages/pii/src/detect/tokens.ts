import { leftBoundary } from './boundary.ts';
import { type Rule, priorities, regexRule } from './rules.ts';

// Built by a function: rules.ts imports this module (see secrets.ts).

/** Within this many characters before a value, a cue word names the service. */
const cueWindow = 48;

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
      regex: /(?:aws[_-]?secret[_-]?(?:access[_-]?)?key|aws secret access key|secret[_-]?access[_-]?key)["']?\s{0,4}[:=]\s{0,4}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
      group: 1,
      validate: (value) => /\d/.test(value) && /[a-z]/.test(value) && /[A-Z]/.test(value),
    }),
    // GitLab tokens other than personal access tokens (`glpat-` is in `secret.apiKey`).
    regexRule({
      id: 'secret.gitlab',
      kind: 'SECRET',
      priority,
      needsAny: ['gl', 'GR1348941'],
      regex: /\b(?:gl(?:dt|ptt|rt|cbt|imt|ft|soat|ffct|oas|agent)-[A-Za-z0-9_-]{20,}|GR1348941[A-Za-z0-9_-]{20,})(?![\w-])/g,
    }),
    // Discord bot tokens (user id in base64, timestamp, HMAC) and webhooks.
    regexRule({
      id: 'secret.discord',
      kind: 'SECRET',
      priority,
      regex: /[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}(?![\w-])|https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d{17,20}\/[A-Za-z0-9_-]{60,68}/g,
      validate: (value, text, start) => leftBoundary(text, start) && (value.startsWith('https:') || /\d/.test(value.slice(0, 26))),
    }),
    // Telegram bot tokens: the bot id, `:AA`, 33 characters.
    regexRule({
      id: 'secret.telegram',
      kind: 'SECRET',
      priority,
      needsAny: [':AA'],
      regex: /\d{8,10}:AA[A-Za-z0-9_-]{33}(?![\w-])/g,
      validate: (_value, text, start) => leftBoundary(text, start, ':/'),
    }),
    // Stripe webhook signing secrets (`sk_live_`/`rk_live_` are in `secret.apiKey`).
    regexRule({ id: 'secret.stripe', kind: 'SECRET', priority, needsAny: ['whsec_'], regex: /\bwhsec_[A-Za-z0-9+/]{32,}(?![\w-])/g }),
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
    regexRule({ id: 'secret.google', kind: 'SECRET', priority, needsAny: ['GOCSPX-', 'ya29.'], regex: /\b(?:GOCSPX-[A-Za-z0-9_-]{28}|ya29\.[A-Za-z0-9_-]{30,})(?![\w-])/g }),
    // Azure storage and service bus connection strings: the key after `AccountKey=`/`SharedAccessKey=`.
    regexRule({
      id: 'secret.azure',
      kind: 'SECRET',
      priority,
      needsAny: ['AccountKey', 'AccessKey', 'accountkey', 'accesskey'],
      regex: /(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{20,}={0,2})/gi,
      group: 1,
    }),
  ];
}
