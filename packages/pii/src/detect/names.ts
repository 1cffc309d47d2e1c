import { createRequire } from 'node:module';
import { type Candidate, type Rule, newCandidate } from './rules.ts';

/**
 * Person names (kind NAME) in free text: a linear recognizer of capitalized word runs, judged by
 * their context (a greeting, a title, "assigned to", a signature), their shape and, where neither
 * settles it, by `compromise` (English NLP): its lexicon first, its parser on the run's sentence
 * only when the lexicon says nothing. No list of names is ours: cue words, titles, company
 * suffixes, months and a few common words are.
 */

/** Priority of a name: below every structured kind (an email or IBAN holding a name wins). */
export const namePriority = 40;

// ---- compromise, loaded lazily -----------------------------------------------------------------

interface NlpDoc {
  people(): { out(format: 'offset'): { offset: { start: number; length: number } }[] };
}
interface Nlp {
  (text: string): NlpDoc;
  model(): { one: { lexicon: Record<string, string | string[]> } };
}

let nlpModule: Nlp | null | undefined;
/** compromise (its CommonJS build, loaded synchronously on first use; ~0.3 s), or null when missing. */
function nlp(): Nlp | null {
  if (nlpModule === undefined) {
    try {
      nlpModule = createRequire(import.meta.url)('compromise') as Nlp;
    } catch {
      nlpModule = null;
    }
  }
  return nlpModule;
}

const nameTags = new Set(['FirstName', 'MaleName', 'FemaleName', 'LastName', 'Person']);
const firstNameTags = new Set(['FirstName', 'MaleName', 'FemaleName', 'Person']);
/** Lexicon tags that make a word something other than a name (unless it is a name too). */
const otherTags = new Set([
  'City', 'Country', 'Place', 'Region', 'Organization', 'SportsTeam', 'Month', 'WeekDay', 'Date', 'Holiday', 'Demonym', 'Currency', 'Unit',
  'Infinitive', 'PresentTense', 'PastTense', 'Gerund', 'Plural', 'Singular', 'Noun', 'Uncountable', 'Actor', 'Adjective', 'Comparative', 'Superlative',
  'Adverb', 'Expression', 'Preposition', 'Conjunction', 'Determiner', 'Pronoun', 'Modal', 'QuestionWord', 'Duration', 'Timezone',
]);

/** What compromise's lexicon says of a word: 2 a first name, 1 a name, -1 something else, 0 nothing. */
let lexicon: Record<string, string | string[]> | undefined;
function lexiconClass(word: string): number {
  if (lexicon === undefined) {
    const lib = nlp();
    if (lib === null) return 0;
    lexicon = lib.model().one.lexicon;
  }
  const entry = lexicon[word];
  if (entry === undefined) return 0;
  const tags = typeof entry === 'string' ? [entry] : entry;
  if (tags.some((tag) => firstNameTags.has(tag))) return 2;
  if (tags.some((tag) => nameTags.has(tag))) return 1;
  return tags.some((tag) => otherTags.has(tag)) ? -1 : 0;
}

// ---- words -------------------------------------------------------------------------------------

const words = (list: string): Set<string> => new Set(list.split(/\s+/).filter((w) => w.length > 0));

/** Titles before a name, in lower case without their dot. */
const titles = words(`
  mr mrs ms miss mx dr prof sir madam dame lord lady
  herr frau fräulein dipl ing
  monsieur madame mademoiselle mme mlle me
  señor señora señorita sr sra srta dña doña
  signor signora signorina sig sigra dott dottssa ing avv
  senhor senhora sro
  pan pani
  dhr mevr mevrouw meneer heer juffrouw`);
/** Greetings and cues that make the next capitalized words a name, whatever they are. */
const strongCues = words(`
  dear hi hello hey hiya greetings attn attention signed regards
  hallo liebe lieber moin servus
  bonjour bonsoir salut cher chère
  hola estimado estimada querido querida buenas
  ciao gentile gentilissimo gentilissima caro cara salve buongiorno buonasera
  olá ola prezado prezada
  beste geachte hoi dag
  szanowny szanowna szanowni drogi droga witaj witam`);
/** Cues that only a person follows ("call", "cc", "customer"): two name-shaped words after one are a name. */
const personCues = words(`
  call called calling phone ring contact contacted email emailed ping pinged ask asked tell told cc bcc thank thanks met meet
  customer client patient employee tenant applicant candidate user agent rep representative
  manager owner author assignee reporter recipient cardholder holder member guest passenger driver colleague
  mother father wife husband son daughter brother sister partner friend boss mom dad parent grandmother grandfather
  mutter vater sohn tochter bruder schwester mère père mari fils fille frère sœur madre padre esposa esposo hijo hija hermano hermana
  moglie marito figlio figlia fratello sorella mãe pai esposa marido filho filha irmão irmã moeder vader zoon dochter broer zus matka ojciec żona mąż syn córka brat siostra
  kunde kundin kontakt anrufen client cliente contacter appeler llamar contactar chiamare contattare ligar contatar bellen zadzwoń`);
/** Cues after which a name is likely, but so is a place or a company ("from Berlin", "by Acme"). */
const weakCues = new Set([...personCues, ...words('from by with visit visited von mit an de avec con com met van od')]);
/** Two-word greetings (lower case, joined by `_`). */
const strongPairs = words('sehr_geehrte sehr_geehrter sehr_geehrten dzień_dobry buenos_días buenas_tardes bom_dia boa_tarde');
/** Two-word cues a person follows, but so does a user name or a bot ("reported by Dependabot"). */
const personPairs = words(`
  assigned_to reported_by signed_by submitted_by requested_by approved_by created_by written_by authored_by owned_by
  escalated_to forwarded_to handed_to spoke_with spoke_to talked_to talk_to speak_to speak_with reach_out sent_to on_behalf
  name_of behalf_of`);
/** Lines that end a letter or an email: the next line holding only a name signs it. */
const signOffs = new Set([
  'regards', 'best regards', 'kind regards', 'warm regards', 'warmest regards', 'best wishes', 'best', 'thanks', 'thank you', 'many thanks', 'thanks again',
  'cheers', 'sincerely', 'yours sincerely', 'sincerely yours', 'yours truly', 'yours faithfully', 'faithfully', 'yours', 'respectfully', 'all the best', 'take care', 'love',
  'mit freundlichen grüßen', 'mit freundlichen grüssen', 'freundliche grüße', 'viele grüße', 'beste grüße', 'liebe grüße', 'herzliche grüße', 'grüße', 'gruß', 'lg', 'vg', 'mfg',
  'cordialement', 'bien cordialement', 'bien à vous', 'salutations', 'sincères salutations', 'amitiés', 'merci',
  'saludos', 'un saludo', 'saludos cordiales', 'atentamente', 'cordialmente', 'gracias', 'muchas gracias', 'un abrazo',
  'cordiali saluti', 'distinti saluti', 'saluti', 'un saluto', 'grazie', 'a presto',
  'atenciosamente', 'cumprimentos', 'abraços', 'obrigado', 'obrigada', 'com os melhores cumprimentos',
  'met vriendelijke groet', 'met vriendelijke groeten', 'vriendelijke groet', 'groeten', 'hartelijke groet', 'groet',
  'pozdrawiam', 'z poważaniem', 'serdecznie pozdrawiam', 'dziękuję', 'pozdrowienia',
]);
/** Lower-case words inside a name ("van der Berg", "de la Cruz", "da Silva"). */
const particles = words('van der den de del della delle dei degli la le du des da das do dos di von zu ten ter y e bin ibn al el st');
/** The last word of a company or an organization, not a person. */
const companyWords = words(`
  inc incorporated corp corporation co company llc llp lp ltd limited plc gmbh ag kg ug se sa sas sarl sàrl srl spa bv nv oy ab as asa aps
  ltda sl slu kft zrt sp group holding holdings technologies technology tech labs lab systems solutions software services service industries
  enterprises international partners associates consulting capital ventures bank trust foundation institute university college school
  association society council agency ministry department office hospital clinic church club hotel studio studios media networks
  team teams support sales billing finance marketing engineering operations security legal hr it ops devops admin admins
  foods motors airlines airways logistics pharma energy gas bot bots daemon monitor`);
/** Capitalized words that are not names: months, weekdays, places and words of headings or UIs. */
const notNames = words(`
  january february march april may june july august september october november december
  feb mar apr jun jul aug sep sept oct nov dec
  monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat
  januar februar märz juni juli oktober dezember montag dienstag mittwoch donnerstag freitag samstag sonntag
  janvier février mars avril mai juin juillet août septembre octobre novembre décembre lundi mardi mercredi jeudi vendredi samedi dimanche
  enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre lunes martes miércoles jueves viernes sábado domingo
  gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre lunedì martedì mercoledì giovedì venerdì sabato domenica
  janeiro fevereiro março maio junho julho setembro outubro novembro dezembro segunda terça quarta quinta sexta
  styczeń luty marzec kwiecień maj czerwiec lipiec sierpień wrzesień październik listopad grudzień
  today tomorrow yesterday morning afternoon evening tonight week weekend year month day
  all everyone everybody team folks guys there world friends colleagues customers users members sir madam ladies gentlemen
  customer client user admin administrator support sales help service desk manager owner reviewer assignee reporter author
  please thanks thank hello hi dear regards best note notes release summary overview status update error warning info debug
  the a an this that these those it he she they we you i my your our their his her its
  new old north south east west central upper lower great little saint san santa
  street avenue road lane boulevard drive way court place square straße strasse weg platz allee gasse rue calle avenida plaza paseo via viale piazza corso rua travessa praça straat laan plein ulica aleja
  city county state province region country airport station park river lake mount mountain bay beach island
  english german french spanish italian portuguese dutch polish american british european
  yes no ok okay none null true false not and or but for nor so yet if then else`);

function isAsciiUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}
function isAsciiLower(c: number): boolean {
  return c >= 97 && c <= 122;
}
const upperPattern = /\p{Lu}/u;
const letterPattern = /[\p{L}\p{M}]/u;
function isUpperAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 128) return isAsciiUpper(c);
  return c < 0xd800 && upperPattern.test(text[i]!);
}
function isLetterAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 128) return isAsciiUpper(c) || isAsciiLower(c);
  return c < 0xd800 && letterPattern.test(text[i]!);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isApostrophe(c: number): boolean {
  return c === 39 || c === 0x2019;
}

/** A name word: "Maria", "O'Brien", "García-López", "McDonald", "D'Angelo"; not "ACME", "getName", "X". */
const nameWord = /^(?:(?:Mc|Mac|O['’]|D['’]|L['’]|Di|De|Le|La|Du)?\p{Lu}[\p{Ll}\p{M}]+)(?:-(?:(?:Mc|Mac|O['’]|D['’]|L['’])?\p{Lu}[\p{Ll}\p{M}]+))*$/u;
const initialWord = /^\p{Lu}\.$/u;

/** True when `value` has the shape of a person's name: 1–4 capitalized words, particles and initials. */
export function nameShape(value: string): boolean {
  const parts = value.trim().split(/\s+/);
  let named = 0;
  for (const [i, part] of parts.entries()) {
    if (particles.has(part) && i > 0 && i < parts.length - 1) continue;
    if (initialWord.test(part) && parts.length > 1) continue;
    const word = part.replace(/[.,]$/, '');
    if (i === 0 && titles.has(word.toLowerCase()) && parts.length > 1) continue;
    if (!nameWord.test(word)) return false;
    named++;
  }
  return named >= 1 && named <= 4;
}

/** A word that, alone or last, makes a capitalized run something other than a person. */
function isNotName(lower: string): boolean {
  return notNames.has(lower) || companyWords.has(lower);
}

// ---- the field hint ----------------------------------------------------------------------------

const fileExtension = /\.[A-Za-z0-9]{1,5}$/;

/**
 * True when a value under a key such as `name`, `customer` or `owner` looks like a person's name:
 * 1–4 capitalized words (particles, initials and a leading title allowed), no digits, no file
 * extension, no company suffix; a single word only when it is not a common English word.
 */
export function looksLikeName(value: string): boolean {
  const trimmed = value.trim();
  if (trimmed.length < 2 || trimmed.length > 80 || /[\d@/\\_:;|<>{}[\]()#=+*&%$!?"]/.test(trimmed) || fileExtension.test(trimmed)) return false;
  if (!nameShape(trimmed)) return false;
  const parts = trimmed.split(/\s+/).map((part) => part.replace(/[.,]$/, '').toLowerCase());
  if (parts.some((part) => part.length > 1 && (companyWords.has(part) || notNames.has(part)))) return false;
  const named = parts.filter((part) => !particles.has(part) && !titles.has(part) && part.length > 1);
  if (named.length === 1) return lexiconClass(named[0]!) >= 0;
  return true;
}

/** Keys whose names are printed in capitals (embossed on a card): `JOHN A SMITH` is a name there. */
export const capitalNameKeys: ReadonlySet<string> = new Set(['cardholder', 'cardholder_name', 'card_holder', 'name_on_card', 'holder_name', 'account_holder']);

/** {@link looksLikeName}, or the same words written in capitals (`JOHN A SMITH`, `MARÍA DE LA CRUZ`). */
export function looksLikeCapitalName(value: string): boolean {
  if (looksLikeName(value)) return true;
  const trimmed = value.trim();
  if (!/^[\p{Lu}][\p{Lu}\p{M}'’.-]*(?: [\p{Lu}][\p{Lu}\p{M}'’.-]*){1,4}$/u.test(trimmed)) return false;
  const titled = trimmed
    .split(' ')
    .map((word) =>
      (word.length === 2 && word.endsWith('.')) || word.length === 1
        ? word
        : particles.has(word.toLowerCase())
          ? word.toLowerCase()
          : word.toLowerCase().replace(/(^|[-'’])(\p{Ll})/gu, (_m, before: string, first: string) => before + first.toUpperCase()),
    )
    .join(' ');
  return looksLikeName(titled.replace(/(?:^| )(\p{Lu})(?= |$)/gu, (m) => `${m}.`));
}

// ---- the free-text rule ------------------------------------------------------------------------

interface Word {
  start: number;
  end: number;
  lower: string;
  particle: boolean;
  /** Ends with a dot (a title or an initial). */
  dotted: boolean;
}

/** A run never holds more words than this; a longer run of capitalized words is a title or a heading. */
const maxRunWords = 8;
/** How far back a cue is looked for. */
const cueWindow = 40;
/** How far around a run compromise reads (its sentence, cut at this many characters each side). */
const sentenceWindow = 100;

function wordEnd(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    if (isLetterAt(text, i)) i++;
    else if ((text.charCodeAt(i) === 45 || isApostrophe(text.charCodeAt(i))) && i + 1 < n && isLetterAt(text, i + 1)) i += 2;
    else break;
  }
  return i;
}

/** The words of the capitalized run starting at `start` (an upper-case letter at a word start). */
function readRun(text: string, start: number, out: Word[]): number {
  out.length = 0;
  let i = start;
  for (;;) {
    const end = wordEnd(text, i);
    if (end === i) break;
    const lower = text.slice(i, end).toLowerCase();
    let stop = end;
    const dotted = text.charCodeAt(end) === 46 && (titles.has(lower) || end - i === 1);
    if (dotted) stop++;
    out.push({ start: i, end, lower, particle: false, dotted });
    if (out.length > maxRunWords) return stop;
    // The next word: after one space, capitalized or a particle followed by more of the name.
    if (text.charCodeAt(stop) !== 32) return stop;
    let next = stop + 1;
    const c = text.charCodeAt(next);
    if (isDigit(c)) return stop;
    if (!isUpperAt(text, next)) {
      // Particles: "van der Berg", "de la Cruz".
      let k = next;
      const mark = out.length;
      for (;;) {
        const e = wordEnd(text, k);
        const word = text.slice(k, e);
        if (e === k || !particles.has(word) || text.charCodeAt(e) !== 32 || out.length > maxRunWords) {
          out.length = mark;
          return stop;
        }
        out.push({ start: k, end: e, lower: word, particle: true, dotted: false });
        k = e + 1;
        if (isUpperAt(text, k)) break;
      }
      next = k;
    }
    i = next;
  }
  return i;
}

/**
 * The last two words before `start` on its line, lower-cased (at most {@link cueWindow} characters
 * back, across spaces and `:`, `,` or `-` only). Read by hand: this runs for every capitalized run.
 */
function wordsBefore(text: string, start: number): string[] {
  const found: string[] = [];
  let i = start;
  const limit = Math.max(0, start - cueWindow);
  while (found.length < 2 && i > limit) {
    let gap = i;
    while (gap > limit) {
      const c = text.charCodeAt(gap - 1);
      if (c !== 32 && c !== 58 && c !== 44 && c !== 45 && c !== 9) break;
      gap--;
    }
    let from = gap;
    while (from > limit && (isLetterAt(text, from - 1) || isApostrophe(text.charCodeAt(from - 1)))) from--;
    if (from === gap) break;
    found.unshift(text.slice(from, gap).toLowerCase());
    i = from;
    // A word glued to what comes before (a JSON escape, a digit) ends the cue.
    if (from > 0 && text.charCodeAt(from - 1) !== 32 && text.charCodeAt(from - 1) !== 9) break;
  }
  return found;
}

/** Line breaks, written or as JSON escapes. */
const lineBreak = /\r?\n|\\r\\n|\\n/;

/** True when the run ends its line, and that line or the one before is a sign-off ("Best regards,"). */
function afterSignOff(text: string, start: number, end: number): boolean {
  // The name must end its line (a quote ends a JSON string).
  let after = end;
  while (after < text.length && (text.charCodeAt(after) === 32 || text.charCodeAt(after) === 46 || text.charCodeAt(after) === 44)) after++;
  const c = text.charCodeAt(after);
  if (after < text.length && c !== 10 && c !== 13 && c !== 34 && !(c === 92 && (text.charCodeAt(after + 1) === 110 || text.charCodeAt(after + 1) === 114))) return false;
  // Right before the name: a comma or "!" ("Thanks, Priya") or a line break ("Regards,\nPriya").
  let k = start;
  while (k > 0 && text.charCodeAt(k - 1) === 32) k--;
  const p = text.charCodeAt(k - 1);
  if (!(p === 44 || p === 33 || p === 10 || p === 13 || (p === 110 && text.charCodeAt(k - 2) === 92))) return false;
  const lines = text.slice(Math.max(0, start - 96), start).split(lineBreak);
  // The sign-off may end a sentence's line: "Sounds good. Thanks, Priya".
  const same = lines.at(-1)!.replace(/^.*[.!?"]\s+/s, '').trim();
  if (same.length > 0) return /[,!]$/.test(same) && signOffs.has(same.slice(0, -1).trim().toLowerCase());
  if (lines.length < 2) return false;
  const line = lines.at(-2)!.replace(/^.*"/s, '').trim().replace(/[,.!:;-]+$/, '').trim().toLowerCase();
  return line.length > 0 && signOffs.has(line);
}

/** Cue strength from the words before a run: 3 a title, 2 a greeting or strong cue, 1 a weak cue, 0 none. */
function cueBefore(before: readonly string[]): number {
  const last = before.at(-1);
  if (last === undefined) return 0;
  if (titles.has(last)) return 3;
  const pair = before.length >= 2 ? `${before.at(-2)}_${last}` : '';
  if (strongCues.has(last) || strongPairs.has(pair)) return 2;
  if (weakCues.has(last) || personPairs.has(pair)) return 1;
  return 0;
}

/** The sentence around `[start, end)`, at most {@link sentenceWindow} characters each side. */
function sentenceAround(text: string, start: number, end: number): [number, number] {
  let from = start;
  while (from > 0 && start - from < sentenceWindow) {
    const c = text.charCodeAt(from - 1);
    if (c === 10 || c === 34 || c === 33 || c === 63 || (c === 46 && text.charCodeAt(from) === 32)) break;
    from--;
  }
  let to = end;
  while (to < text.length && to - end < sentenceWindow) {
    const c = text.charCodeAt(to);
    if (c === 10 || c === 34 || c === 33 || c === 63 || (c === 46 && (to + 1 >= text.length || text.charCodeAt(to + 1) === 32))) break;
    to++;
  }
  return [from, to];
}

/**
 * compromise parses at most one sentence per text plus one per this many characters (a parse costs
 * about a millisecond): a text full of unknown capitalized words cannot make the scan slow. The
 * budget is per scan, so every thread finds the same.
 */
const nlpCharsPerCall = 32_768;

/** A scan's state: compromise is parsed on a few sentences only, and one sentence once. */
interface NlpBudget {
  left: number;
  sentence: [number, number];
  people: [number, number][];
}

function nlpSaysPerson(text: string, start: number, end: number, budget: NlpBudget): boolean {
  const [from, to] = sentenceAround(text, start, end);
  if (from !== budget.sentence[0] || to !== budget.sentence[1]) {
    const lib = nlp();
    if (lib === null || budget.left <= 0) return false;
    const sentence = text.slice(from, to);
    // Only free text: a sentence of several words, not a lone value.
    if (sentence.split(/\s+/).length < 4) return false;
    budget.left--;
    budget.sentence = [from, to];
    budget.people = lib(sentence)
      .people()
      .out('offset')
      .map(({ offset }) => [from + offset.start, from + offset.start + offset.length]);
  }
  return budget.people.some(([s, e]) => s < end && start < e);
}

/**
 * Decides a run: the name's `[start, end)` with state 1, a name-shaped run it cannot decide with
 * state 0 (a name if a list it is in holds one), or undefined. Leading greetings and titles are
 * cues, not part of the name.
 */
function judgeRun(text: string, run: readonly Word[], budget: NlpBudget): [start: number, end: number, state: 1 | 0] | undefined {
  if (run.length === 0 || run.length > maxRunWords) return undefined;
  let first = 0;
  let cue = 0;
  // Greetings and cue words at the run's start ("Dear", "Customer"), then titles ("Mr.", "Frau").
  let person = false;
  while (first < run.length - 1 && !run[first]!.particle && (strongCues.has(run[first]!.lower) || weakCues.has(run[first]!.lower))) {
    cue = Math.max(cue, strongCues.has(run[first]!.lower) ? 2 : 1);
    person ||= personCues.has(run[first]!.lower);
    first++;
  }
  while (first < run.length - 1 && titles.has(run[first]!.lower) && (run[first]!.dotted || run[first]!.lower !== 'me')) {
    cue = 3;
    first++;
  }
  let last = run.length - 1;
  while (last > first && run[last]!.particle) last--;
  // A leading particle only after a title ("Herr van Dijk").
  if (run[first]!.particle && cue < 3) return undefined;
  let named = 0;
  let firstName = false;
  let known = false;
  let common = false;
  for (let k = first; k <= last; k++) {
    const word = run[k]!;
    if (word.particle) continue;
    if (word.dotted && word.end - word.start === 1) {
      if (k === first || k === last) return undefined;
      continue;
    }
    const raw = text.slice(word.start, word.end);
    if (!nameWord.test(raw) || isNotName(word.lower) || titles.has(word.lower)) return undefined;
    named++;
    const lexical = lexiconClass(word.lower);
    if (lexical === 2 && named === 1) firstName = true;
    if (lexical > 0) known = true;
    if (lexical < 0) common = true;
  }
  if (named === 0 || named > 4) return undefined;
  const start = run[first]!.start;
  const end = run[last]!.end;
  if (cue === 0) {
    const before = wordsBefore(text, run[0]!.start);
    cue = cueBefore(before);
    person = cue === 1 && (personCues.has(before.at(-1)!) || personPairs.has(`${before.at(-2)}_${before.at(-1)}`));
  }
  if (cue < 2 && (afterSignOff(text, start, end) || followedByCue(text, end) || chatSpeaker(text, start, end))) cue = 2;
  // After a title or a greeting, any name-shaped words; else a first name known to compromise's
  // lexicon, or (two words or more, none a common word) a person found by compromise's parser.
  if (cue >= 2 || (firstName && (named >= 2 || cue === 1))) return [start, end, 1];
  if (named < 2 || common) return undefined;
  if (cue === 1 && (known || person)) return [start, end, 1];
  if (nlpSaysPerson(text, start, end, budget)) return [start, end, 1];
  // Name-shaped but undecided: a name if a list it is in holds one (see spreadOverLists).
  return [start, end, 0];
}

/**
 * What follows a name and says it is one: a birth cue (`Anna Nowak, born 1990`, `(DOB 1990-01-02)`,
 * `urodzona`, `née`) or an email in angle brackets (`Anna Nowak <anna@example.com>`). Lower case
 * here; checked on the few characters after a run only.
 */
const afterCue = /^[ \t]*[,(]?[ \t]*(?:<[^\s<>@]{1,64}@|(?:(?:has |had |just |also )?(?:called|calls|phoned|rang|says|said|wrote|writes|asked|asks|replied|replies|emailed|mentioned|complained|confirmed|requested|agreed|told)(?: (?:again|back|us|me|today|yesterday|that))?(?=[ ,.:])|(?:born|b\.|dob|d\.o\.b\.?|date of birth|geboren|geb\.|née|né|nacid[oa]|nat[oa]|nascid[oa]|urodzon[aey]|ur\.|geboortedatum|date de naissance|fecha de nacimiento|data di nascita|data de nascimento|data urodzenia|geburtsdatum)(?![\p{L}])))/u;

function followedByCue(text: string, end: number): boolean {
  return afterCue.test(text.slice(end, end + 24).toLowerCase());
}

/** A chat line's time stamp right before a speaker (`[10:43] `, `10:43 `, `[2024-05-01 10:43] `). */
const chatStampBefore = /(?:^|[\n\r])[ \t]*\[?(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}(?::\d{2})?(?:[ ]?[AaPp][Mm])?\]?[ \t]*$/;

/** A chat export's speaker: a time stamp before the run, a colon right after it. */
function chatSpeaker(text: string, start: number, end: number): boolean {
  return text.charCodeAt(end) === 58 && chatStampBefore.test(text.slice(Math.max(0, start - 32), start));
}

/** Between two items of a list: a comma, a semicolon, `&`, `/` or a conjunction, and spaces. */
const listJoint = /^(?:[ \t]*[,;&/][ \t]*(?:(?:and|und|et|y|e|en|i|oder|or|ou|o|of|lub)[ \t]+)?|[ \t]+(?:and|und|et|y|e|en|i|or|oder|ou|o|of|lub)[ \t]+)$/;

/** A run judged, kept for lists: a name-shaped run next to a name in a list is a name too. */
interface Judged {
  /** Where the run starts, its title or greeting included (`Mr. Lee`): lists join there. */
  from: number;
  start: number;
  end: number;
  /** 1: a name; 0: name-shaped (two to four name words, no common word) but undecided; -1: neither. */
  state: number;
}

/**
 * Lists of people ("Attendees: Ana Ruiz, Tom Berg and Lee Kim"): where a name is found, the
 * name-shaped items beside it in the same list are names too, in both directions. Linear: each
 * item is looked at from its two neighbours once per direction.
 */
function spreadOverLists(text: string, judged: Judged[]): void {
  const joined = (a: Judged, b: Judged): boolean => b.from - a.end <= 8 && listJoint.test(text.slice(a.end, b.from));
  for (let k = 1; k < judged.length; k++) {
    const item = judged[k]!;
    if (item.state === 0 && judged[k - 1]!.state === 1 && joined(judged[k - 1]!, item)) item.state = 1;
  }
  for (let k = judged.length - 2; k >= 0; k--) {
    const item = judged[k]!;
    if (item.state === 0 && judged[k + 1]!.state === 1 && joined(item, judged[k + 1]!)) item.state = 1;
  }
}

/** `\n`, `\r` or `\t` written as a JSON escape right before `i`: a word starts at `i`. */
function afterEscape(text: string, i: number): boolean {
  const c = text.charCodeAt(i - 1);
  return i >= 2 && text.charCodeAt(i - 2) === 92 && (c === 110 || c === 114 || c === 116);
}

/** After a closing quote at `i - 1`: only spaces, then a colon (a JSON key). */
function isKeyEnd(text: string, i: number): boolean {
  while (text.charCodeAt(i) === 32) i++;
  return text.charCodeAt(i) === 58;
}

/**
 * Where a capitalized word may start: Latin, Greek and Cyrillic capitals (checked again by
 * {@link isUpperAt}). A regex jumps between them faster than a loop over every character.
 */
const upperStart = /[A-Z\u00C0-\u00D6\u00D8-\u00DE\u0100-\u024F\u0386-\u03AB\u0400-\u042F\u1E00-\u1EFF]/g;

/** The free-text name rule (`name`). */
export const nameRule: Rule = {
  id: 'name',
  kind: 'NAME',
  priority: namePriority,
  scan(text: string, out: Candidate[], covered?: (start: number, end: number) => boolean): void {
    const run: Word[] = [];
    const budget: NlpBudget = { left: 1 + Math.floor(text.length / nlpCharsPerCall), sentence: [-1, -1], people: [] };
    // Found and name-shaped runs, for lists; undecided ones only when a found one is near.
    const judged: Judged[] = [];
    upperStart.lastIndex = 0;
    // `test` moves `lastIndex` past the capital without building a match array (twice as fast here).
    while (upperStart.test(text)) {
      const i = upperStart.lastIndex - 1;
      if (!isUpperAt(text, i)) continue;
      if (i > 0 && (isLetterAt(text, i - 1) || isDigit(text.charCodeAt(i - 1)) || text.charCodeAt(i - 1) === 95) && !afterEscape(text, i)) {
        upperStart.lastIndex = wordEnd(text, i) + 1;
        continue;
      }
      // A JSON key ("FirstName": ...), skipped without reading its words.
      if (i > 0 && text.charCodeAt(i - 1) === 34) {
        const close = text.indexOf('"', i);
        if (close !== -1 && close - i < 64 && isKeyEnd(text, close + 1)) {
          upperStart.lastIndex = close + 1;
          continue;
        }
      }
      // Inside a value a field rule replaces whole.
      if (covered?.(i, i + 1)) continue;
      const stop = readRun(text, i, run);
      // A JSON key ("FirstName":) or a value a field rule replaces whole is not judged here.
      if ((text.charCodeAt(stop) === 34 && isKeyEnd(text, stop + 1)) || covered?.(i, stop)) {
        upperStart.lastIndex = Math.max(stop, i + 1);
        continue;
      }
      // A JSON string value of one word ("city": "Berlin"): its key decides (the field rules), not
      // this rule. Skipped before any cue is read: CRM-like JSON holds thousands of them.
      if (run.length === 1 && text.charCodeAt(stop) === 34 && i > 0 && text.charCodeAt(i - 1) === 34) {
        upperStart.lastIndex = stop + 1;
        continue;
      }
      // A word glued to digits or an identifier (`Foo_bar`, `Item2`) is no name.
      const after = text.charCodeAt(stop);
      const glued = isDigit(after) || after === 95 || (after === 46 && isLetterAt(text, stop + 1)) || after === 64;
      const span = glued ? undefined : judgeRun(text, run, budget);
      if (span !== undefined && !covered?.(span[0], span[1])) judged.push({ from: i, start: span[0], end: span[1], state: span[2] });
      upperStart.lastIndex = Math.max(stop, i + 1);
    }
    spreadOverLists(text, judged);
    for (const item of judged) {
      if (item.state === 1) out.push(newCandidate('NAME', 'name', namePriority, item.start, item.end, text.slice(item.start, item.end), undefined));
    }
  },
};
