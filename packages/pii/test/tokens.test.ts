import { describe, expect, it } from 'vitest';
import { createDetector, maskText } from '../src/index.ts';

// Token-shaped test values are built at run time, so that no scanner takes this file for a leak.
const detector = createDetector();
const found = (text: string): [string, string, string][] => detector.detect(text).map((f) => [f.kind, f.rule, text.slice(f.start, f.end)]);
const alnum = 'aB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0zA';
const run = (n: number, from = alnum): string => from.repeat(Math.ceil(n / from.length)).slice(0, n);
const hex = (n: number): string => run(n, '0a1b2c3d4e5f6789');

describe('token formats', () => {
  const tokens: [string, string, string][] = [
    // `aws_secret_access_key: …` lines and pairs are the `field.secret` rule's; this rule finds the rest.
    ['secret.awsSecret', `aws configure --aws-secret-access-key=${run(40)}`, run(40)],
    ['secret.awsSecret', `{"Credentials": {"SecretAccessKey": "${run(38)}+/"}}`, `${run(38)}+/`],
    ['secret.aws', `key ${'AKIA'}${run(16).toUpperCase()}`, `AKIA${run(16).toUpperCase()}`],
    ['secret.github', `token ghp_${run(36)}`, `ghp_${run(36)}`],
    ['secret.github', `token github_pat_${run(22)}_${run(59)}`, `github_pat_${run(22)}_${run(59)}`],
    ['secret.apiKey', `gitlab glpat-${run(20)}`, `glpat-${run(20)}`],
    ['secret.gitlab', `deploy token gldt-${run(24)}`, `gldt-${run(24)}`],
    ['secret.gitlab', `runner GR1348941${run(20)}`, `GR1348941${run(20)}`],
    ['secret.slack', `bot xoxb-${'1'.repeat(11)}-${'2'.repeat(13)}-${run(24)}`, `xoxb-${'1'.repeat(11)}-${'2'.repeat(13)}-${run(24)}`],
    ['secret.slack', `user xoxp-${'1'.repeat(11)}-${run(24)}`, `xoxp-${'1'.repeat(11)}-${run(24)}`],
    ['secret.slack', `app xapp-1-A${'1'.repeat(10)}-${run(20)}`, `xapp-1-A${'1'.repeat(10)}-${run(20)}`],
    ['secret.slack', `hook https://hooks.slack.com/services/T000/B000/${run(24)}`, `https://hooks.slack.com/services/T000/B000/${run(24)}`],
    ['secret.discord', `bot token MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.${run(27)}`, `MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.${run(27)}`],
    ['secret.discord', `https://discord.com/api/webhooks/123456789012345678/${run(68)}`, `https://discord.com/api/webhooks/123456789012345678/${run(68)}`],
    ['secret.telegram', `bot 123456789:AA${run(33)}`, `123456789:AA${run(33)}`],
    ['secret.apiKey', `stripe sk_live_${run(24)}`, `sk_live_${run(24)}`],
    ['secret.stripe', `signing whsec_${run(32)}`, `whsec_${run(32)}`],
    ['secret.twilio', `TWILIO_API_KEY_SID=SK${hex(32)}`, `SK${hex(32)}`],
    ['secret.twilio', `twilio account AC${hex(32)}`, `AC${hex(32)}`],
    ['secret.apiKey', `google AIza${run(35)}`, `AIza${run(35)}`],
    ['secret.google', `client secret GOCSPX-${run(28)}`, `GOCSPX-${run(28)}`],
    ['secret.azure', `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${run(86)}==;EndpointSuffix=core.windows.net`, `${run(86)}==`],
    ['secret.apiKey', `npm npm_${run(36)}`, `npm_${run(36)}`],
    ['secret.apiKey', `pypi pypi-AgEIcHlwaS5vcmc${run(60)}`, `pypi-AgEIcHlwaS5vcmc${run(60)}`],
    ['secret.apiKey', `hf hf_${run(34)}`, `hf_${run(34)}`],
    ['secret.apiKey', `openai sk-proj-${run(40)}`, `sk-proj-${run(40)}`],
    ['secret.apiKey', `anthropic sk-ant-api03-${run(40)}`, `sk-ant-api03-${run(40)}`],
    ['secret.jwt', `jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.${run(20)}`, `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.${run(20)}`],
  ];
  it.each(tokens)('%s finds %j', (rule, text, value) => {
    expect(found(text)).toContainEqual(['SECRET', rule, value]);
  });

  it.each([
    ['secret.awsSecret', 'an AWS secret one character short', `aws configure --aws-secret-access-key=${run(39)}`],
    ['secret.awsSecret', '40 base64 characters without a cue', `checksum ${run(40)}`],
    ['secret.gitlab', 'a GitLab prefix without the token', 'gldt-short'],
    ['secret.discord', 'a Discord-like triple with a short middle part', `MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2F.${run(27)}`],
    ['secret.telegram', 'a Telegram-like id without the AA', `123456789:AB${run(33)}`],
    ['secret.stripe', 'a Stripe webhook prefix alone', 'whsec_ is the prefix'],
    ['secret.twilio', 'an SK/AC hex run without a Twilio cue', `build SK${hex(32)} and AC${hex(32)}`],
    ['secret.google', 'a short GOCSPX', 'GOCSPX-abc'],
    ['secret.azure', 'an Azure key placeholder', 'AccountKey=<your key>;'],
    ['secret.apiKey', 'an npm token one short', `npm_${run(35)}`],
    ['secret.slack', 'a Slack-like prefix in a word', 'the xoxo-gossip thread'],
  ])('%s finds nothing in %s', (rule, _what, text) => {
    expect(found(text).filter(([, id]) => id === rule)).toEqual([]);
  });
});

describe('URL credentials', () => {
  it.each([
    ['postgresql://admin:pw@localhost/db', 'postgresql://admin:[SECRET_1]@localhost/db'],
    ['redis://:pw@cache:6379', 'redis://:[SECRET_1]@cache:6379'],
    ['mongodb+srv://user:p%40ss@cluster0.x.mongodb.net/app', 'mongodb+srv://user:[SECRET_1]@cluster0.x.mongodb.net/app'],
    ['clone https://user:token@git.internal/repo.git now', 'clone https://user:[SECRET_1]@git.internal/repo.git now'],
    ['AMQP_URL=amqp://guest:guest@rabbit:5672', 'AMQP_URL=amqp://guest:[SECRET_1]@rabbit:5672'],
    ['{"url": "mysql://root:s3cret!@db.internal:3306/shop"}', '{"url": "mysql://root:[SECRET_1]@db.internal:3306/shop"}'],
  ])('masks the password of %j, keeping scheme, user and host', (text, masked) => {
    expect(maskText(text).masked).toBe(masked);
  });

  it.each([
    'git@github.com:acme/infra.git',
    'https://example.com/a:b@c',
    'postgresql://admin:${DB_PASSWORD}@localhost/db',
    'redis://:***@cache:6379',
    'see http://localhost:8080/path?x=a:b@c',
  ])('leaves %j unchanged', (text) => {
    expect(maskText(text).masked).toBe(text);
  });
});

describe('PEM private keys', () => {
  const body = [run(64), run(64, 'Zx9+/Qw8'), 'AbCdEf12345=='];
  it('masks a key with its END line whole', () => {
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${body.join('\n')}\n-----END RSA PRIVATE KEY-----`;
    expect(maskText(`key:\n${pem}\nafter`).masked).toBe('key:\n[SECRET_1]\nafter');
  });

  it('masks a key without its END line up to the end of its base64 lines', () => {
    const pem = `-----BEGIN PRIVATE KEY-----\n${body.join('\n')}`;
    expect(maskText(`${pem}\n\nThanks, see you`).masked).toBe('[SECRET_1]\n\nThanks, see you');
    expect(maskText(`${pem}\nnext line of prose`).masked).toBe('[SECRET_1]\nnext line of prose');
  });

  it('masks a truncated key in JSON text (escaped line breaks) and an encrypted key with headers', () => {
    const json = `{"key": "-----BEGIN EC PRIVATE KEY-----\\n${body.slice(0, 2).join('\\n')}"}`;
    expect(maskText(json).masked).toBe('{"key": "[SECRET_1]"}');
    const encrypted = `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,${hex(32).toUpperCase()}\n\n${body.join('\n')}\n-----END RSA PRIVATE KEY-----`;
    expect(maskText(encrypted).masked).toBe('[SECRET_1]');
  });

  it('leaves a BEGIN line with no key after it, and public keys', () => {
    for (const text of ['the file starts with -----BEGIN PRIVATE KEY----- and ends with the END line', `-----BEGIN PUBLIC KEY-----\n${body.join('\n')}\n-----END PUBLIC KEY-----`]) {
      expect(maskText(text).masked).toBe(text);
    }
  });
});
