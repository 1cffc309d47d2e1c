/**
 * The cue words of the date-of-birth, passport and driver licence rules, found in one pass shared
 * by the three rules: one regex over the text instead of three (each costs about as much as the
 * others together, since none starts with a literal).
 */

/** Which rule a cue is for. */
export const birthCue = 1;
export const passportCue = 2;
export const driverCue = 3;

// Prefix-factored word lists (a trie of the words): irregexp tries one branch per first letter,
// twice as fast as a flat list on text without any cue. Group 1: birth (English, German, French,
// Spanish, Italian, Portuguese, Dutch, Polish, Japanese, and keys such as `birth_date`); group 2:
// passport; group 3: driver licence (`DL` and `CNH` are matched case-sensitively in documents.ts).
const cueWords =
  /(b(?:irth(?:day|[\s_]{0,2}date)?|orn)|d(?:\.\s?o\.\s?b\.?|ob|ate(?:[\s_]{1,3}(?:of[\s_]{1,3}birth|de[\s_]{1,3}naissance)|ofbirth)|ata[\s_]{1,3}(?:di[\s_]{1,3}nascita|de[\s_]{1,3}nascimento|urodzenia|nascimento))|geb(?:urtsdatum|urtstag|\.|oren|oortedatum)|n(?:[ée]e?\s{1,3}le|acid[oa]\s{1,3}el|at[oa]\s{1,3}il|ascid[oa]\s{1,3}em)|fecha[\s_]{1,3}(?:de[\s_]{1,3})?nacimiento|urodzon[ya](?:\s{1,3}dnia)?|生年月日|誕生日|出生日期)|(pas(?:s(?:port|eport|aport[oe]|nummer)|aporte|zportu?|poort(?:nummer)?)|reisepass(?:nummer)?|旅券(?:番号)?|パスポート(?:番号)?|護照)|(dri(?:ver['’]?s?|ving)[\s_-]{0,2}licen[cs]e|f(?:ü|ue)hrerschein(?:nummer)?|p(?:ermis\s{1,3}de\s{1,3}conduire|ermiso\s{1,3}de\s{1,3}conducir|atente(?:\s{1,3}di\s{1,3}guida)?|rawo\s{1,3}jazdy)|licencia\s{1,3}de\s{1,3}(?:conducir|manejo|conducci[oó]n)|car(?:net\s{1,3}de\s{1,3}conducir|teira\s{1,3}(?:nacional\s{1,3})?de\s{1,3}(?:motorista|habilita[çc][ãa]o))|rijbewijs(?:nummer)?|運転免許証?(?:番号)?)/gi;

/** The cues of one text, in text order. */
export interface Cues {
  text: string;
  starts: number[];
  ends: number[];
  kinds: number[];
}

// The three rules run one after the other on the same text, in one synchronous detection: the first
// one's scan is kept for the others until the current task ends (no text outlives it here).
let last: Cues | undefined;

/** Every cue in `text` (computed once per text and detection). */
export function cuesOf(text: string): Cues {
  if (last !== undefined && last.text === text) return last;
  const cues: Cues = { text, starts: [], ends: [], kinds: [] };
  cueWords.lastIndex = 0;
  for (let m = cueWords.exec(text); m !== null; m = cueWords.exec(text)) {
    cues.starts.push(m.index);
    cues.ends.push(m.index + m[0].length);
    cues.kinds.push(m[1] !== undefined ? birthCue : m[2] !== undefined ? passportCue : driverCue);
  }
  if (last === undefined) queueMicrotask(() => { last = undefined; });
  last = cues;
  return cues;
}
