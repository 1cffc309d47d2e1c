/**
 * The evaluation of @magsag/pii on data this project did not write (issue 20), part of
 * `pnpm bench:pii` and runnable alone (`pnpm bench:pii --eval-only`, `pnpm bench:pii:eval`).
 * Prints the tables, rewrites the section of docs/performance/pii.md between the pii-eval markers
 * and writes bench/results/pii-eval.json. `--write-corpus <file>` dumps the corpus as JSONL;
 * `--misses <n>` lists up to n misses per kind (default 8).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type EvalKind, type EvalSample, evalKinds, evalLocales, generateCorpus, negativeKinds } from './corpus.ts';
import { type EvalMasker, magsagMasker, thirdPartyMaskers } from './maskers.ts';
import { type EvalScore, type Miss, type Tally, rate, scoreCorpus } from './score.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
/** The markers around the evaluation's section of docs/performance/pii.md. */
export const evalMarkers = { start: '<!-- pii-eval start -->', end: '<!-- pii-eval end -->' } as const;

const structuredKinds: readonly EvalKind[] = ['PHONE', 'EMAIL', 'IBAN', 'CARD', 'DOB', 'IP'];
const nonLatinLocales = new Set<string>(['ja']);

interface Target {
  what: string;
  goal: string;
  figure: number;
  met: boolean;
}

/** Issue 20's targets, checked on one masker's score. */
function targetsOf(score: EvalScore): Target[] {
  const targets: Target[] = structuredKinds.map((kind) => {
    const figure = rate(score.byKind[kind]);
    return { what: `${kind} recall, all locales`, goal: '≥ 0.97', figure, met: figure >= 0.97 };
  });
  for (const kind of ['NAME', 'ADDRESS'] as const) {
    const tally: Tally = { total: 0, hit: 0 };
    for (const [locale, byKind] of Object.entries(score.byLocale)) {
      if (nonLatinLocales.has(locale)) continue;
      tally.total += byKind[kind].total;
      tally.hit += byKind[kind].hit;
    }
    const figure = rate(tally);
    targets.push({ what: `${kind} recall, English and Latin-script locales`, goal: '≥ 0.90', figure, met: figure >= 0.9 });
  }
  const fp = rate(score.negatives);
  targets.push({ what: 'false positives on hard negatives', goal: '≤ 0.03', figure: fp, met: fp <= 0.03 });
  return targets;
}

// Timestamps and amounts are most of the negatives (log lines and invoices carry them): the mean
// over the kinds of negative weighs a git remote as much as a timestamp.
const meanOfKinds = (score: EvalScore): number => {
  const rates = Object.values(score.negativesByKind).map((t) => rate(t));
  return rates.reduce((a, b) => a + b, 0) / rates.length;
};

const f3 = (n: number): string => (Number.isNaN(n) ? '–' : n.toFixed(3));
const pct = (t: Tally): string => `${f3(rate(t))} (${t.hit}/${t.total})`;

function table(data: string[][]): string {
  const widths = data[0]!.map((_, c) => Math.max(...data.map((row) => row[c]!.length)));
  const line = (row: string[]): string => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(data[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...data.slice(1).map(line)].join('\n');
}

// Table cells and list items hold generated text: keep it on one line and out of Markdown syntax.
const code = (text: string): string => {
  const flat = text.replaceAll(/\s+/g, ' ').replaceAll('|', '\\|').trim();
  return flat.includes('`') ? `\`\` ${flat} \`\`` : `\`${flat}\``;
};

export interface EvalOptions {
  /** Dump the generated corpus as JSONL to this file. */
  writeCorpus?: string;
  /** Misses and false positives listed per kind. @default 8 */
  misses?: number;
  /** Also write docs/performance/pii.md and bench/results/pii-eval.json. @default true */
  write?: boolean;
}

export interface EvalRun {
  corpus: EvalSample[];
  scores: { name: string; score: EvalScore; targets: Target[] }[];
  unavailable: { name: string; error: string }[];
  markdown: string;
  seconds: number;
}

/** Generates the corpus, masks it with @magsag/pii and the three libraries, scores and reports. */
export async function runPiiEval(options: EvalOptions = {}): Promise<EvalRun> {
  const started = performance.now();
  const perKindMisses = options.misses ?? 8;
  const corpus = generateCorpus();
  if (options.writeCorpus) writeFileSync(options.writeCorpus, corpus.map((s) => JSON.stringify(s)).join('\n') + '\n');
  const thirdParty = await thirdPartyMaskers();
  const maskers: EvalMasker[] = [magsagMasker, ...thirdParty.flatMap((t) => (t.masker ? [t.masker] : []))];
  const unavailable = thirdParty.flatMap((t) => (t.error === undefined ? [] : [{ name: t.name, error: t.error }]));
  const scores = maskers.map((masker) => {
    const score = scoreCorpus(corpus, masker.mask);
    return { name: masker.name, score, targets: targetsOf(score) };
  });
  const ours = scores[0]!;
  const seconds = (performance.now() - started) / 1000;

  const values = corpus.reduce((n, s) => n + s.values.length, 0);
  const negatives = corpus.reduce((n, s) => n + s.negatives.length, 0);
  const carriers = [...new Set(corpus.map((s) => s.carrier))].sort();

  const byKindRows = [
    ['kind', ...scores.map((s) => s.name)],
    ...evalKinds.map((kind) => [kind, ...scores.map((s) => pct(s.score.byKind[kind]))]),
    ['all values', ...scores.map((s) => pct(s.score.all))],
    ['false positives', ...scores.map((s) => pct(s.score.negatives))],
    ['false positives, mean of the negative kinds', ...scores.map((s) => f3(meanOfKinds(s.score)))],
    ['ms to mask the corpus', ...scores.map((s) => s.score.ms.toFixed(0))],
  ];
  const targetRows = [['target', 'goal', ...scores.map((s) => s.name)]];
  for (const [i, t] of ours.targets.entries()) {
    targetRows.push([t.what, t.goal, ...scores.map((s) => `${f3(s.targets[i]!.figure)} ${s.targets[i]!.met ? 'met' : 'not met'}`)]);
  }
  const localeRows = [
    ['locale', ...evalKinds, 'all'],
    ...evalLocales.map((locale) => {
      const byKind = ours.score.byLocale[locale]!;
      return [locale, ...evalKinds.map((k) => f3(rate(byKind[k]))), f3(rate(byKind.all))];
    }),
  ];
  const localeLibRows = [['locale', ...scores.map((s) => s.name)], ...evalLocales.map((locale) => [locale, ...scores.map((s) => f3(rate(s.score.byLocale[locale]!.all)))])];
  const negativeRows = [['negative kind', ...scores.map((s) => s.name)], ...negativeKinds.map((kind) => [kind, ...scores.map((s) => (s.score.negativesByKind[kind] ? pct(s.score.negativesByKind[kind]) : '–'))])];

  const listed = (items: Miss[], kinds: readonly string[]): string[] =>
    kinds.flatMap((kind) => {
      const ofKind = spreadOverLocales(items.filter((m) => m.kind === kind));
      if (ofKind.length === 0) return [];
      const shown = ofKind.slice(0, perKindMisses).map((m) => `  - ${code(m.value)} (${m.locale}, ${m.carrier}): ${code(m.masked)}`);
      return [`- ${kind}: ${ofKind.length}${ofKind.length > shown.length ? `, the first ${shown.length}` : ''}`, ...shown];
    });

  const today = new Date().toISOString().slice(0, 10);
  const markdown = `${evalMarkers.start}

## Evaluation on a generated corpus the detectors were not written against

Generated by \`pnpm bench:pii\` (or \`pnpm bench:pii --eval-only\`; \`bench/piiEval/\`) on ${today},
Node ${process.version}, ${os.cpus().length} CPUs, in ${seconds.toFixed(1)} s. Figures also in
\`bench/results/pii-eval.json\`; \`--write-corpus <file>\` dumps the corpus as JSONL.

Method:

- **Generator.** \`@faker-js/faker\` (a dev dependency of the bench only), seeded, makes the personal
  values in ${evalLocales.length} locales (${evalLocales.join(', ')}): names (first and last name,
  sometimes with a prefix or faker's full name), street addresses (sometimes with city and postal
  code), phone numbers in faker's human, national and international styles, emails, IBANs (compact,
  in groups of four, some lowercase), Luhn-valid card numbers (compact, spaced, dashed), dates of
  birth (in the locale's usual formats, after a birth cue in the locale's words) and IPv4/IPv6
  addresses. The detectors never import faker or its data: a detector that learned faker's name or
  street lists would be graded on its own answers.
- **Carriers.** Written by hand for this evaluation without looking at the detectors: support
  tickets, emails with a salutation and a signature, chat messages and meeting notes (in English
  and in the locale's language), CSV rows with a header, log lines (logfmt and plain) and JSON
  records with the keys systems use (\`name\`, \`customer\`, \`assignee\`, \`owner\`, \`author\`,
  \`address\`, \`birth_date\`, ...). Carriers used: ${carriers.map((c) => `\`${c}\``).join(', ')}.
- **Hard negatives** in the same carriers: versions, section numbers, amounts in local formats,
  order numbers, UUIDs, commit hashes, ZIP and postal codes, host:port pairs, ISO and epoch
  timestamps, error and part codes, git remotes, product and company names (a company is not a
  person), file names, \`{"name": "README.md"}\`, \`{"customer": "ACME-ENTERPRISE"}\`, city names
  alone and dates that are not birth dates.
- **Corpus.** ${corpus.length} texts, ${values} labelled values, ${negatives} hard negatives
  (about ${Math.round(values / evalLocales.length)} values per locale; at least 22 of each kind per locale).
- **Scoring** (issue 20). Each text is masked on its own, by @magsag/pii with its default
  configuration (no \`pii.fields\`; the built-in detector, a fresh in-memory vault per text) and by
  each library with its defaults. A value is caught when neither the value nor its letters and
  digits alone (lowercased) remain in the masked text; a hard negative is a false positive when its
  text is not in the masked text verbatim. A text is kept only if each of its values, and its
  letters and digits alone, occur in it once.
- **Targets** (issue 20): recall ≥ 0.97 on the structured kinds (${structuredKinds.join(', ')}, all
  locales), ≥ 0.90 on names and addresses in English and the Latin-script locales (ja is reported,
  not targeted), false positives ≤ 3% of all negatives. Timestamps and amounts are most of the
  negatives, so the mean over the kinds of negative is shown beside it.
- **How blind.** The generator and its carriers were written without looking at the detectors,
  and the detectors were written without this corpus, with one exception made after reading its
  misses: phone numbers after a phone word, and \`+\` numbers of a possible length (issue 20's
  closing note has the figure before it: PHONE 0.727), so the PHONE figure is not blind. A round of
  birth-cue, IBAN-cue and version tweaks made the same way was reverted.${unavailable.length > 0 ? `\n- **Not run:** ${unavailable.map((u) => `${u.name} (${u.error.replaceAll(/\s+/g, ' ')})`).join('; ')}.` : ''}

Recall per kind (caught / labelled), all locales, and false positives (changed / negatives):

${table(byKindRows)}

Targets, met or not:

${table(targetRows)}

@magsag/pii, recall per locale and kind:

${table(localeRows)}

All values per locale, each library:

${table(localeLibRows)}

False positives per kind of negative:

${table(negativeRows)}

@magsag/pii's misses per kind (value, locale, carrier, then the masked text near it):

${listed(ours.score.misses, evalKinds).join('\n') || '- none'}

@magsag/pii's false positives per kind of negative:

${listed(ours.score.falsePositives, negativeKinds).join('\n') || '- none'}

${evalMarkers.end}`;

  console.log(`\nevaluation on a generated corpus: ${corpus.length} texts, ${values} values, ${negatives} negatives, ${seconds.toFixed(1)} s\n`);
  console.log(`${table(byKindRows)}\n\n${table(targetRows)}\n\n${table(localeRows)}\n`);
  for (const u of unavailable) console.log(`not run: ${u.name}: ${u.error}`);

  if (options.write ?? true) {
    const json = {
      date: today,
      node: process.version,
      seconds: Number(seconds.toFixed(2)),
      corpus: { texts: corpus.length, values, negatives, locales: evalLocales, kinds: evalKinds },
      maskers: scores.map(({ name, score, targets }) => ({
        name,
        ms: Math.round(score.ms),
        errors: score.errors,
        recall: Object.fromEntries(evalKinds.map((k) => [k, { ...score.byKind[k], rate: rate(score.byKind[k]) }])),
        recallAll: { ...score.all, rate: rate(score.all) },
        recallByLocale: Object.fromEntries(Object.entries(score.byLocale).map(([locale, t]) => [locale, Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { ...v, rate: rate(v) }]))])),
        falsePositives: { ...score.negatives, rate: rate(score.negatives) },
        falsePositivesByKind: score.negativesByKind,
        targets,
        misses: evalKinds.flatMap((k) => spreadOverLocales(score.misses.filter((m) => m.kind === k)).slice(0, perKindMisses)),
        falsePositiveExamples: score.falsePositives.slice(0, 50),
      })),
      unavailable,
    };
    mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(root, 'bench', 'results', 'pii-eval.json'), JSON.stringify(json, null, 2) + '\n');
    writeEvalSection(path.join(root, 'docs', 'performance', 'pii.md'), markdown);
    console.log('wrote bench/results/pii-eval.json and the evaluation section of docs/performance/pii.md');
  }
  return { corpus, scores, unavailable, markdown, seconds };
}

// The first of each locale, then the second of each, ...: a short list shows every locale.
function spreadOverLocales(items: Miss[]): Miss[] {
  const byLocale = new Map<string, Miss[]>();
  for (const item of items) byLocale.set(item.locale, [...(byLocale.get(item.locale) ?? []), item]);
  const rounds = Math.max(0, ...[...byLocale.values()].map((list) => list.length));
  return Array.from({ length: rounds }, (_, i) => [...byLocale.values()].flatMap((list) => (list[i] ? [list[i]] : []))).flat();
}

/** Replaces the section between the markers in `file`, or appends it. */
export function writeEvalSection(file: string, section: string): void {
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = doc.indexOf(evalMarkers.start);
  const end = doc.indexOf(evalMarkers.end);
  const next = start !== -1 && end > start ? doc.slice(0, start) + section + doc.slice(end + evalMarkers.end.length) : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}

/** Options from the command line: `--write-corpus <file>`, `--misses <n>`. */
export function evalOptionsFromArgs(args: readonly string[]): EvalOptions {
  const value = (flag: string): string | undefined => {
    const at = args.indexOf(flag);
    return at === -1 ? undefined : args[at + 1];
  };
  const misses = value('--misses');
  const writeCorpus = value('--write-corpus');
  return { ...(writeCorpus ? { writeCorpus: path.resolve(writeCorpus) } : {}), ...(misses ? { misses: Number(misses) } : {}) };
}
