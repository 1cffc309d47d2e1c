// Deterministic data the bench serves through real MCP servers: a sales CSV of N rows and a long
// call transcript. Same seed, same bytes, on every machine.

/** A small linear congruential generator, so the data never depends on Math.random. */
function generator(seed: number): { next: () => number; pick: <T>(items: readonly T[]) => T; int: (min: number, max: number) => number } {
  let state = seed;
  const next = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  return { next, pick: (items) => items[Math.floor(next() * items.length)]!, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}

const regions = ['EMEA', 'NA', 'LATAM', 'APAC'];
const products = ['Atlas', 'Beacon', 'Cobalt', 'Delta', 'Ember', 'Flux', 'Granite', 'Harbor', 'Iris', 'Juniper', 'Kestrel', 'Lumen'];
const statuses = ['won', 'lost', 'open'];
const companies = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Stark', 'Wayne', 'Wonka', 'Tyrell', 'Cyberdyne', 'Soylent'];

/** `id,date,region,product,customer,amount,status` with a header line and `rows` data lines. */
export function salesCsv(rows: number): string {
  const g = generator(20_261_124);
  const lines = ['id,date,region,product,customer,amount,status'];
  for (let i = 1; i <= rows; i++) {
    const month = String(g.int(1, 12)).padStart(2, '0');
    const day = String(g.int(1, 28)).padStart(2, '0');
    const amount = (g.int(500, 250_000) / 10).toFixed(2);
    lines.push(`${i},2026-${month}-${day},${g.pick(regions)},${g.pick(products)},${g.pick(companies)} ${g.int(1, 400)},${amount},${g.pick(statuses)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A one-hour sales call transcript of about 9,000 words, in Markdown. */
export function callTranscript(): string {
  const g = generator(424_242);
  const speakers = ['Maya Chen (Acme)', 'Tom Reyes (Acme)', 'Priya Patel (sales)', 'Jonas Berg (solutions)'];
  const topics = [
    'the renewal timeline for the data platform contract',
    'the latency the EMEA team saw during the March peak',
    'pricing for the additional two hundred seats',
    'the security review and the questionnaire their legal team sent',
    'migrating the reporting jobs off the legacy warehouse',
    'single sign-on and how groups map to roles',
    'the onboarding plan for the new analysts in Lisbon',
    'what the pilot in the logistics division showed',
  ];
  const openers = ['So,', 'Right,', 'Okay, and', 'Just to add,', 'Honestly,', 'From our side,', 'If I may,', 'Good point, and'];
  const verbs = ['we need to understand', 'we are still looking at', 'the team keeps asking about', 'I would like to settle', 'we should document', 'finance wants clarity on'];
  const tails = [
    'before the end of the quarter.',
    'because it blocks the rollout to the other regions.',
    'and I can send the numbers after this call.',
    'since the board reviews the budget in two weeks.',
    'so that procurement can sign off without another round.',
    'and that is really the main risk I see right now.',
  ];
  const lines = ['# Call transcript: Acme renewal and expansion', '', 'Date: 2026-11-20, 60 minutes. Attendees: ' + speakers.join(', ') + '.', ''];
  let minute = 0;
  let second = 0;
  for (let turn = 0; turn < 180; turn++) {
    second += g.int(5, 20);
    minute += Math.floor(second / 60);
    second %= 60;
    const sentences = Array.from({ length: g.int(1, 3) }, () => `${g.pick(openers)} ${g.pick(verbs)} ${g.pick(topics)} ${g.pick(tails)}`);
    if (turn % 23 === 22) sentences.push(`Action item: ${g.pick(speakers).split(' (')[0]} follows up on ${g.pick(topics)}.`);
    lines.push(`**[${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}] ${g.pick(speakers)}:** ${sentences.join(' ')}`, '');
  }
  return lines.join('\n');
}
