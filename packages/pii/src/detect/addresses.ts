import { type Candidate, type Rule, newCandidate } from './rules.ts';

/**
 * Street addresses (kind ADDRESS) in free text: cue-first. A street-type word (Street, Straße,
 * rue, calle, via, rua, straat, ulica...) is found by one regex; only then are a few anchored
 * patterns tried in a bounded window around it: a house number before the street (English,
 * French), or after it (German, Dutch, Spanish, Italian, Portuguese, Polish), an optional unit,
 * and an optional postal code and city after a comma.
 */

/** Priority of an address: below every structured kind. */
export const addressPriority = 45;

// A word of a street's name: capitalized (accents, apostrophes, hyphens), or an ordinal ("5th").
const word = String.raw`(?:\p{Lu}[\p{L}\p{M}'’.-]*|\d{1,3}(?:st|nd|rd|th|e|er|º|ª))`;
// Lower-case joining words inside a street's name.
const joiner = String.raw`(?:de|del|de la|des|du|la|le|les|l['’]|d['’]|da|do|dos|das|di|della|dei|delle|van|von|der|den|am|an|im|zum|zur|of|the)`;
const streetName = String.raw`(?:(?:${joiner}\s*)?${word}(?:\s+(?:${joiner}\s+)*${word}){0,4})`;
const houseNumber = String.raw`\d{1,5}(?:\s?[A-Za-z](?![\p{L}]))?(?:\s*[-/]\s*\d{1,5}[A-Za-z]?)?`;

const cap = (list: string): string =>
  list
    .split(' ')
    .map((w) => w.replaceAll('.', '\\.'))
    .map((w) => (/^\p{Ll}/u.test(w) ? `[${w[0]}${w[0]!.toUpperCase()}]${w.slice(1)}` : w))
    .join('|');

/** Street types written after the street's name, with the number first ("221B Baker Street"). */
const classicEnglishTypes =
  'street st avenue ave road rd lane ln boulevard blvd drive dr way court ct place pl terrace parkway pkwy highway hwy circle cir square sq trail crescent close row alley plaza pike freeway expressway gardens grove hill mews walk';
/**
 * More of USPS Publication 28's street suffixes (appendix C1), leaving out those that read as
 * common nouns after a number ("3 Key Points", "2 Views", "5 Stations"), and British thoroughfare
 * types. Many are still common nouns ("3 Required Fields", "2 Blue Track"): an address with one of
 * these needs more evidence (see {@link weakTypeAddress}).
 */
const moreEnglishTypes =
  'alley annex arcade bayou beach bend bluff bluffs bottom branch bridge brook burg bypass camp canyon cape causeway cliffs cove coves creek crest crossing crossroad curve dale divide estates expressway extension falls ferry field fields flat flats ford fords forest forge fort gardens gateway glen glens green harbor harbors haven heights hollow inlet island islands isle junction knoll knolls lake lakes landing loop manor meadow meadows mill mills motorway mount mountain mountains orchard overpass park parks passage path pines plaza prairie ranch rapids ridge ridges river route shoal shoals shore shores skyway stravenue streets terrace throughway trace track trafficway tunnel turnpike underpass valley valleys viaduct village villages ville vista ' +
  'approach brow croft yard rise wynd parade chase drove fold garth gate gates hey';
const englishTypes = cap(`${classicEnglishTypes} ${moreEnglishTypes}`);
const weakTypes = new Set(moreEnglishTypes.split(' ').filter((type) => !classicEnglishTypes.split(' ').includes(type)));
// Words before an address that say one follows.
const addressCueBefore = /(?:^|[^\p{L}])(?:at|to|in|on|from|near|address|addr|located|lives?|living|live at|moved|ship(?:ped)?|deliver(?:ed|y)?|send|sent|visit|office|home|residence)\s*[:,]?\s*$/iu;

/**
 * An address whose street type is a common noun ("Field", "Track", "Yard") is taken with a house
 * number of two digits or more, a unit, postal code or city after it, or an address word before it
 * ("at", "moved to", "address:").
 */
function weakTypeAddress(text: string, start: number, match: string, tailLength: number): boolean {
  const type = /([\p{L}]+)\.?$/u.exec(match)?.[1]?.toLowerCase();
  if (type === undefined || !weakTypes.has(type)) return true;
  if (tailLength > 0 || /^\d{2,}/.test(match)) return true;
  return addressCueBefore.test(text.slice(Math.max(0, start - 24), start));
}
/** Street types written first, after the number ("12 rue de Rivoli"). */
const frenchTypes = cap('rue avenue av. boulevard bd chemin place allée impasse quai route cours passage square voie sentier esplanade faubourg fbg villa hameau cité résidence promenade rond-point parvis ruelle');
/** Street types written first, with the number after the name ("Calle Mayor 5", "Via Roma 10"). */
const leadingTypes = cap(
  'calle c/ carrer avinguda passeig rambla avenida avda. av. plaza pza. paseo camino carretera ronda travesía via v.le viale piazza piazzale corso largo vicolo strada rua travessa praça alameda estrada ulica ul. aleja al. plac pl. osiedle os. rue avenue boulevard chemin place ' +
    // Italian street types (the DUG of the national street register), Spanish, Portuguese,
    // Catalan and Polish ones.
    'contrada rotonda incrocio borgo vico salita lungomare località traversa glorieta urbanización urb. polígono barrio callejón cuesta sector rampa marginal rodovia viela beco ladeira quadra passatge travessera rondo rynek park wyspa skwer bulwar',
);
/** German and Dutch street types, usually the end of one word ("Hauptstraße 5", "Kerkstraat 12"). */
const compoundTypes = 'straße|strasse|str\\.|weg|platz|allee|gasse|ring|damm|ufer|steig|pfad|chaussee|straat|laan|plein|gracht|kade|singel|dijk|markt|hof|park|pad|steeg|dreef|baan|wal';

const unit = String.raw`(?:,?\s+(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Fl\.?|Floor|Room|Rm\.?|Bldg\.?|Building|#|Wohnung|Whg\.?|Appartement|Appt\.?|Bât\.?|Étage|Piso|Puerta|Planta|Interno|Int\.?|Scala|Apto\.?|Andar|Sala|lok\.|m\.)\s*[\p{L}\d-]{1,6}|,?\s+\d{1,2}[º°ª]\s?[\p{L}\d]{0,2})?`;
const postcode = String.raw`(?:\d{5}(?:-\d{3,4})?|\d{4}(?:\s?[A-Z]{2}(?![\p{L}]))?|\d{2}-\d{3}|\d{3}\s\d{2}|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d|[A-Z]-\d{4,5})`;
const city = String.raw`\p{Lu}[\p{L}\p{M}'’-]*(?![\p{L}\p{M}\d'’-])(?:[ -](?:\p{Lu}[\p{L}\p{M}'’-]*(?![\p{L}\p{M}\d'’-])|(?:de|del|do|da|am|an|sur|sous)(?![\p{L}]))){0,3}`;
const tail = new RegExp(String.raw`${unit}(?:,\s*(?:${postcode}\s+)?(?!(?:and|or|but|who|which|that|the)\b)${city}(?:,?\s+(?:[A-Z]{2}(?![\p{L}\d])|${postcode}))?(?:\s+${postcode})?)?`, 'uy');

const patterns = [
  // 221B Baker Street; 1600 Amphitheatre Pkwy; 350 5th Ave
  new RegExp(String.raw`(?<![\p{L}\d.,:/-])${houseNumber},?\s+(?:[NSEW]\.?\s+)?${streetName}\s+(?:${englishTypes})(?![\p{L}\d])\.?`, 'gu'),
  // 12 rue de Rivoli; 8, avenue des Champs-Élysées
  new RegExp(String.raw`(?<![\p{L}\d.,:/-])\d{1,4}(?:\s?(?:bis|ter|[A-Za-z])(?![\p{L}]))?,?\s+(?:${frenchTypes})\s+${streetName}`, 'gu'),
  // 261 Rua Augusta; 12 Calle Mayor (the number first, as some write it)
  new RegExp(String.raw`(?<![\p{L}\d.,:/-])\d{1,5}(?:\s?[A-Za-z](?![\p{L}]))?,?\s+(?:${leadingTypes})\s+${streetName}`, 'gu'),
  // Calle Mayor 5; Via Roma 10; Rua Augusta, 1500; ul. Marszałkowska 10/12; Avenida Paulista, nº 1578
  new RegExp(String.raw`(?<![\p{L}])(?:${leadingTypes})\s+${streetName},?\s+(?:n[º°o.]\s*|nr\.?\s*)?${houseNumber}(?![\p{L}\d])`, 'gu'),
  // Hauptstraße 5; Kerkstraat 12; Alte Straße 3; Unter den Linden is not covered
  new RegExp(String.raw`(?<![\p{L}])(?:\p{Lu}[\p{L}\p{M}-]*\s+)?\p{Lu}[\p{L}\p{M}-]*(?:${compoundTypes}|[\s-](?:Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse|Ring|Damm|Ufer))\s+${houseNumber}(?![\p{L}\d])`, 'gu'),
];

// The cues: street-type words, standing alone (`\b` before them: far fewer hits than inside every
// "first" or "contract"), and German and Dutch types that may end a compound ("Hauptstraße"). Two
// regexes, not Unicode-aware (`gi`, not `giu`): one Unicode-aware regex of every type scanned
// CRM-like JSON at a fifth of the speed of these two together.
/**
 * A regex source matching any of `words` (lower case; `\\.` and `/` escaped as needed), factored as a
 * trie: irregexp tries one branch per first letter instead of every word in turn.
 */
function trieSource(words: readonly string[]): string {
  interface Node { end: boolean; next: Map<string, Node> }
  const root: Node = { end: false, next: new Map() };
  for (const word of words) {
    let node = root;
    for (const c of word) {
      let child = node.next.get(c);
      if (!child) node.next.set(c, (child = { end: false, next: new Map() }));
      node = child;
    }
    node.end = true;
  }
  const escape = (c: string): string => (/[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c);
  const emit = (node: Node): string => {
    const branches = [...node.next].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, child]) => escape(c) + emit(child));
    if (branches.length === 0) return '';
    const body = branches.length === 1 ? branches[0]! : `(?:${branches.join('|')})`;
    return node.end ? `(?:${body})?` : body;
  };
  return emit(root);
}

// The street-type words that start an address cue (`\b` before them).
const typeWordList = [
  'street', 'st', 'avenue', 'ave', 'av', 'road', 'rd', 'lane', 'ln', 'boulevard', 'blvd', 'bd',
  'drive', 'dr', 'way', 'court', 'ct', 'place', 'pl', 'terrace', 'parkway', 'pkwy', 'highway',
  'hwy', 'circle', 'cir', 'square', 'sq', 'trail', 'crescent', 'close', 'row', 'alley', 'plaza',
  'pike', 'freeway', 'expressway', 'gardens', 'grove', 'hill', 'mews', 'walk', 'rue', 'chemin',
  'allée', 'impasse', 'quai', 'route', 'cours', 'passage', 'calle', 'c/', 'carrer', 'avinguda',
  'passeig', 'rambla', 'avenida', 'avda', 'pza', 'paseo', 'camino', 'carretera', 'ronda',
  'travesía', 'via', 'v.le', 'viale', 'piazza', 'piazzale', 'corso', 'largo', 'vicolo', 'strada',
  'rua', 'travessa', 'praça', 'alameda', 'estrada', 'ulica', 'ul', 'aleja', 'al', 'plac',
  'osiedle', 'os', 'annex', 'arcade', 'bayou', 'beach', 'bend', 'bluff', 'bluffs', 'bottom',
  'branch', 'bridge', 'brook', 'burg', 'bypass', 'camp', 'canyon', 'cape', 'causeway', 'cliffs',
  'cove', 'coves', 'creek', 'crest', 'crossing', 'crossroad', 'curve', 'dale', 'divide', 'estates',
  'extension', 'falls', 'ferry', 'field', 'fields', 'flat', 'flats', 'ford', 'fords', 'forest',
  'forge', 'fort', 'gateway', 'glen', 'glens', 'green', 'harbor', 'harbors', 'haven', 'heights',
  'hollow', 'inlet', 'island', 'islands', 'isle', 'junction', 'knoll', 'knolls', 'lake', 'lakes',
  'landing', 'loop', 'manor', 'meadow', 'meadows', 'mill', 'mills', 'motorway', 'mount',
  'mountain', 'mountains', 'orchard', 'overpass', 'park', 'parks', 'path', 'pines', 'prairie',
  'ranch', 'rapids', 'ridge', 'ridges', 'river', 'shoal', 'shoals', 'shore', 'shores', 'skyway',
  'stravenue', 'streets', 'throughway', 'trace', 'track', 'trafficway', 'tunnel', 'turnpike',
  'underpass', 'valley', 'valleys', 'viaduct', 'village', 'villages', 'ville', 'vista', 'approach',
  'brow', 'croft', 'yard', 'rise', 'wynd', 'parade', 'chase', 'drove', 'fold', 'garth', 'gate',
  'gates', 'hey', 'voie', 'sentier', 'esplanade', 'faubourg', 'fbg', 'villa', 'hameau', 'cité',
  'résidence', 'promenade', 'rond-point', 'parvis', 'ruelle', 'contrada', 'rotonda', 'incrocio',
  'borgo', 'vico', 'salita', 'lungomare', 'località', 'traversa', 'glorieta', 'urbanización',
  'urb', 'polígono', 'barrio', 'callejón', 'cuesta', 'sector', 'rampa', 'marginal', 'rodovia',
  'viela', 'beco', 'ladeira', 'quadra', 'passatge', 'travessera', 'rondo', 'rynek', 'wyspa',
  'skwer', 'bulwar',
];
const typeWords = new RegExp(String.raw`\b(?:${trieSource(typeWordList)})(?![a-zA-Z\u00C0-\u024F])`, 'gi');
const wordPatterns = patterns.slice(0, 4);
const compoundPatterns = patterns.slice(4);
const upper = /\p{Lu}/u;
const digits = /\d/g;
const compoundWords = new RegExp(String.raw`(?:${trieSource(compoundTypes.split('|').map((w) => w.replace('\\.', '.')))})(?![a-zA-Z\u00C0-\u024F])`, 'gi');
const letter = /[\p{L}\p{M}]/u;

/** The next match of `regex` at or after `from`, or null. */
function nextCue(regex: RegExp, text: string, from: number): RegExpExecArray | null {
  if (regex.lastIndex < from) regex.lastIndex = from;
  return regex.exec(text);
}

/** Characters read before and after a cue. */
const before = 120;
const after = 240;

/** The free-text street address rule (`address`). */
export const addressRule: Rule = {
  id: 'address',
  kind: 'ADDRESS',
  priority: addressPriority,
  needsDigit: true,
  scan(text: string, out: Candidate[], covered?: (start: number, end: number) => boolean): void {
    const n = text.length;
    let done = 0;
    // Cues of each kind up to here were read with their patterns in an earlier window.
    let fromWords = 0;
    let fromCompounds = 0;
    let digitAt = Number.NEGATIVE_INFINITY;
    typeWords.lastIndex = 0;
    compoundWords.lastIndex = 0;
    let word = nextCue(typeWords, text, 0);
    let compound = nextCue(compoundWords, text, 0);
    while (word !== null || compound !== null) {
      // The earlier of the two cues; the other waits.
      const fromWord = compound === null || (word !== null && word.index <= compound.index);
      const m = (fromWord ? word : compound)!;
      if (fromWord) word = nextCue(typeWords, text, Math.max(m.index + 1, fromWords));
      else compound = nextCue(compoundWords, text, Math.max(m.index + 1, fromCompounds));
      const hit = m.index;
      if (hit < (fromWord ? fromWords : fromCompounds)) continue;
      // `\b` is ASCII-only: "Pasté st" is no street.
      if (fromWord && hit > 0 && letter.test(text[hit - 1]!)) continue;
      // Inside a value a field rule replaces whole.
      if (covered?.(hit, hit + m[0].length)) continue;
      // A compound cue ends a capitalized word ("Hauptstraße", "Vondelpark"), not "during" or "string".
      if (!fromWord) {
        let w = hit;
        while (w > 0 && hit - w < 48 && (letter.test(text[w - 1]!) || text.charCodeAt(w - 1) === 45)) w--;
        if (w < hit && !upper.test(text[w]!)) continue;
      }
      // A house number lies near the street type: no digit near it, no address. The first digit at
      // or after `hit - 80` is found by a regex whose position only moves forward (cues come in order).
      if (digitAt < hit - 80) {
        digits.lastIndex = Math.max(0, hit - 80);
        digitAt = digits.test(text) ? digits.lastIndex - 1 : n;
      }
      if (digitAt >= Math.min(n, hit + 80)) continue;
      const windowStart = Math.max(0, hit - before);
      const windowEnd = Math.min(n, hit + after);
      // Every address containing a later cue up to here lies in this window too: skip those cues.
      const skipTo = windowEnd === n ? n : Math.max(hit + 1, windowEnd - after / 2);
      if (fromWord) fromWords = skipTo;
      else fromCompounds = skipTo;
      const window = text.slice(windowStart, windowEnd);
      const found: [number, number][] = [];
      for (const pattern of fromWord ? wordPatterns : compoundPatterns) {
        pattern.lastIndex = 0;
        for (let p = pattern.exec(window); p !== null; p = pattern.exec(window)) {
          const start = windowStart + p.index;
          let end = start + p[0].length;
          tail.lastIndex = end - windowStart;
          const rest = tail.exec(window);
          if (rest !== null) end += rest[0].length;
          if (pattern === patterns[0] && !weakTypeAddress(text, start, p[0], rest === null ? 0 : rest[0].trim().length)) continue;
          while (end > start && /[\s,.-]/.test(text[end - 1]!)) end--;
          // Cut at the window's end: the next window reads it whole.
          if (end >= windowEnd - 8 && windowEnd < n) continue;
          found.push([start, end]);
        }
      }
      found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
      for (const [start, end] of found) {
        if (start < done || covered?.(start, end)) continue;
        if (!/\p{L}{2}/u.test(text.slice(start, end))) continue;
        out.push(newCandidate('ADDRESS', 'address', addressPriority, start, end, text.slice(start, end), undefined));
        done = end;
      }
    }
  },
};

/** True when a value under a key such as `address` or `street` looks like an address: a number and words. */
export function looksLikeAddress(value: string): boolean {
  const trimmed = value.trim();
  if (trimmed.length < 5 || trimmed.length > 200 || /[@\\]|:\/\/|^[\d.:]+$|^[0-9a-fx]+$/i.test(trimmed)) return false;
  const parts = trimmed.split(/[\s,]+/).filter((part) => part.length > 0);
  if (parts.length < 2) return false;
  const hasNumber = parts.some((part) => /^(?:\d{1,6}[A-Za-z]?|\d{1,5}[-/]\d{1,5}(?:[-/]\d{1,5})?[A-Za-z]?|[Nn][º°o.]?\d{1,5})$/.test(part));
  const hasWord = parts.some((part) => /\p{L}{3,}/u.test(part));
  return hasNumber && hasWord;
}
