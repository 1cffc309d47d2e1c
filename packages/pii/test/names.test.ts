import { afterAll, describe, expect, it } from 'vitest';
import { findOffThread } from '../src/detect/offThread.ts';
import { findInText } from '../src/tokenize.ts';
import { PiiVault, closeDetectionThread, createDetector, offThreadMinChars, tokenizeText, tokenizeValue } from '../src/index.ts';

const detector = createDetector();
const found = (text: string, kind: string): string[] => detector.detect(text).filter((f) => f.kind === kind).map((f) => f.value);

afterAll(async () => {
  await closeDetectionThread();
});

describe('person names in free text', () => {
  it.each([
    ['Please call Maria Gonzalez tomorrow', ['Maria Gonzalez']],
    ['Dear Mr. Kim,', ['Kim']],
    ['Hi Kim, the build is green.', ['Kim']],
    ['assigned to Ann Lee', ['Ann Lee']],
    ['Ticket reported by Seán O\'Brien yesterday', ["Seán O'Brien"]],
    ['cc: Juan de la Cruz', ['Juan de la Cruz']],
    ['Thanks for the update.\n\nBest regards,\nHiro Tanaka', ['Hiro Tanaka']],
    ['Sounds good. Thanks, Priya', ['Priya']],
    ['Sehr geehrte Frau Müller, vielen Dank.', ['Müller']],
    ['Bonjour Madame Lefèvre, merci pour votre message.', ['Lefèvre']],
    ['Hola Sra. García-López, gracias por su pedido.', ['García-López']],
    ['Gentile Signor Bianchi, la ringraziamo.', ['Bianchi']],
    ['Prezado Sr. Souza, obrigado.', ['Souza']],
    ['Geachte Dhr. van der Berg, bedankt.', ['van der Berg']],
    ['Szanowna Pani Kowalska, dziękujemy.', ['Kowalska']],
    ['I met Giulia Rossi at the office.', ['Giulia Rossi']],
    ['Customer Bruno Okafor asked to be called back.', ['Bruno Okafor']],
    ['Contact person: Jan de Vries', ['Jan de Vries']],
    ['Ticket 4411 was escalated to Rahul Sharma by the on-call engineer.', ['Rahul Sharma']],
  ])('finds the name in %j', (text, names) => {
    expect(found(text, 'NAME')).toEqual(names);
  });

  it.each([
    'The meeting with Acme Corp in New York on Monday',
    'Globex GmbH and Initech LLC signed the contract.',
    'We moved the office to São Paulo last year.',
    'Release Notes',
    'Hello World',
    'Dear Customer,',
    'Hi Team, the deploy is done.',
    'Call Support if the build fails.',
    'Greetings from Berlin with love',
    'In March we shipped Version Control to everyone.',
    'See the README and CHANGELOG for details.',
    'Use getUserName() or FooBar.baz to read it.',
    'Amazon Web Services and Google Cloud Platform',
    'The Quick Brown Fox jumps over the lazy dog.',
    'Status: Active. Priority: High.',
    'Bumped by Renovate, reported by Dependabot',
    'Thanks, Team',
    'Dear Sir or Madam,',
  ])('leaves %j alone', (text) => {
    expect(found(text, 'NAME')).toEqual([]);
  });
});

describe('names from their company: lists, what follows them, chat speakers', () => {
  it.each([
    ['a list holding one found name', 'Present: Dr. Ana Ruiz, Tomasz Berg and Lee Kimura', ['Ana Ruiz', 'Tomasz Berg', 'Lee Kimura']],
    ['a list read backwards from a found name', 'Ines Carvalho, Wojtek Zieliński, Mr. Hal Brody', ['Ines Carvalho', 'Wojtek Zieliński', 'Hal Brody']],
    ['a birth cue after the name', 'New hire: Odile Marchetti, born 1991', ['Odile Marchetti']],
    ['an email in angle brackets after the name', 'From: Ruaridh Quinlan <rq@example.org>', ['Ruaridh Quinlan']],
    ['a verb a person does after the name', 'Jolanta Wrzos called again about the delivery', ['Jolanta Wrzos']],
    ['a chat line with a time stamp', '[14:02] Tavita Faleolo: merged, thanks', ['Tavita Faleolo']],
    ['a kinship noun before the name', 'my sister, Philippa Oyelaran, will pick it up', ['Philippa Oyelaran']],
    ['a formal British sign-off', 'Yours faithfully,\nCormac Ferrity', ['Cormac Ferrity']],
  ])('%s', (_what, text, names) => {
    expect(found(text, 'NAME')).toEqual(names);
  });

  it.each([
    ['products listed beside a name', 'Tools used by Ana Ruiz: Google Drive, Microsoft Teams, Adobe Acrobat', ['Ana Ruiz']],
    ['places listed beside a name', 'Shipped to Ana Ruiz, Porto Alegre, Rio Grande do Sul', ['Ana Ruiz']],
    ['a bot as a chat speaker', '[09:15] Deploy Bot: build green', []],
    ['a company that called', 'Acme Corp called again about the invoice', []],
    ['headings in a list', 'See Release Notes, Getting Started and Known Issues', []],
  ])('leaves %s', (_what, text, names) => {
    expect(found(text, 'NAME')).toEqual(names);
  });

  it('reads more person keys (holder, payer, attendee...) when the value looks like a name', () => {
    const masked = tokenizeText('id,holder,iban\n1,Ottilie Brandauer,x\n2,ACME-TREASURY,y', { detector, vault: PiiVault.memory(), server: 'x' }).text;
    expect(masked).not.toContain('Ottilie');
    expect(masked).toContain('ACME-TREASURY');
    expect(tokenizeText('{"payer": "Ruslan Petrenko", "payee": "utility-co"}', { detector, vault: PiiVault.memory(), server: 'x' }).text).toBe('{"payer": "[NAME_1]", "payee": "utility-co"}');
  });
});

describe('street addresses in free text', () => {
  it.each([
    ['Ship it to 221B Baker Street, London NW1 6XE please', '221B Baker Street, London NW1 6XE'],
    ['She lives at 1600 Amphitheatre Pkwy, Mountain View, CA 94043.', '1600 Amphitheatre Pkwy, Mountain View, CA 94043'],
    ['Deliver to 350 5th Ave, Apt 4B, New York, NY 10118', '350 5th Ave, Apt 4B, New York, NY 10118'],
    ['Adresse: Hauptstraße 5, 10115 Berlin', 'Hauptstraße 5, 10115 Berlin'],
    ['envoyer au 12 rue de Rivoli, 75001 Paris. Merci', '12 rue de Rivoli, 75001 Paris'],
    ['Enviar a Calle Mayor 5, 28013 Madrid', 'Calle Mayor 5, 28013 Madrid'],
    ['Spedire a Via Roma 10, 00184 Roma', 'Via Roma 10, 00184 Roma'],
    ['Entregar na Rua Augusta, 1500, São Paulo', 'Rua Augusta, 1500, São Paulo'],
    ['Bezorgen op Kerkstraat 12, 1017 GC Amsterdam', 'Kerkstraat 12, 1017 GC Amsterdam'],
    ['Adres: ul. Marszałkowska 10/12, 00-590 Warszawa', 'ul. Marszałkowska 10/12, 00-590 Warszawa'],
  ])('finds the address in %j', (text, address) => {
    expect(found(text, 'ADDRESS')).toEqual([address]);
  });

  it.each(['a 3 way handshake', 'we walked 5 miles along the road', 'see line 12 st', 'Build 42 is on the way', 'pkg-1.10.2 ships today'])('leaves %j alone', (text) => {
    expect(found(text, 'ADDRESS')).toEqual([]);
  });
});

describe('street types of the postal standards', () => {
  it.each([
    ['a USPS suffix', 'Ship to 4410 Heron Creek Crossing by Friday', '4410 Heron Creek Crossing'],
    ['a British thoroughfare type', 'moved to 17 Tanner Croft last spring', '17 Tanner Croft'],
    ['an Italian street type', 'consegna in Contrada Sant Elia 12 domani', 'Contrada Sant Elia 12'],
    ['a Spanish street type', 'vive en Glorieta Bilbao 4 desde enero', 'Glorieta Bilbao 4'],
    ['a Brazilian address with the number first', 'residente em 88 Travessa Jacarandá', '88 Travessa Jacarandá'],
    ['a Polish type in lower case', 'dostawa na rondo Daszyńskiego 3, 00-843 Warszawa', 'rondo Daszyńskiego 3, 00-843 Warszawa'],
    ['a hyphenated German street', 'Lieferung an Karl-Marx-Str. 14 bitte', 'Karl-Marx-Str. 14'],
    ['a Dutch park', 'bezorgen op Vondelpark 3 morgen', 'Vondelpark 3'],
  ])('%s', (_what, text, address) => {
    expect(found(text, 'ADDRESS')).toEqual([address]);
  });

  it.each([
    ['a count of fields', 'The form has 3 Required Fields and 2 Optional Fields.'],
    ['a release', 'Sprint 12 Review moved to Friday.'],
    ['a track number', 'Play 2 Blue Track on the album.'],
  ])('leaves %s', (_what, text) => {
    expect(found(text, 'ADDRESS')).toEqual([]);
  });
});

describe('name and address keys', () => {
  it('masks values under name-like keys only when they look like a name or an address', () => {
    const text = JSON.stringify({
      name: 'README.md',
      customer: 'ACME-ENTERPRISE',
      owner: 'acme-org',
      tool: { name: 'build' },
      assignee: 'Ann Lee',
      reporter: 'Kim',
      cardholder: 'José de la Cruz',
      address: '10.0.0.1',
      street: 'Kerkstraat 12',
      address_line1: '42 Oak Drive',
    });
    const masked = tokenizeText(text, { detector, vault: PiiVault.memory(), server: 'x' }).text;
    expect(JSON.parse(masked)).toEqual({
      name: 'README.md',
      customer: 'ACME-ENTERPRISE',
      owner: 'acme-org',
      tool: { name: 'build' },
      assignee: '[NAME_1]',
      reporter: '[NAME_2]',
      cardholder: '[NAME_3]',
      address: '[IP_1]',
      street: '[ADDRESS_1]',
      address_line1: '[ADDRESS_2]',
    });
  });

  it('reads the keys in CSV headers, key: value lines and logfmt', () => {
    const vault = PiiVault.memory();
    const mask = (text: string): string => tokenizeText(text, { detector, vault, server: 'x' }).text;
    expect(mask('name,customer,address\nbuild,Ann Lee,"12 Oak Drive, Springfield"\nREADME.md,ACME-ENTERPRISE,n/a')).toBe(
      'name,customer,address\nbuild,[NAME_1],"[ADDRESS_1]"\nREADME.md,ACME-ENTERPRISE,n/a',
    );
    expect(mask('Owner: acme-org\nAssignee: Maria Gonzalez')).toBe('Owner: acme-org\nAssignee: [NAME_2]');
    expect(mask('level=info name=build owner="Ann Lee"')).toBe('level=info name=build owner="[NAME_1]"');
  });

  it('takes a name in capitals under a card holder key only', () => {
    const text = JSON.stringify({ cardholder: 'JOHN A SMITH', name_on_card: 'ACME-ENTERPRISE', card_holder: 'ACME CORP', customer: 'JOHN SMITH' });
    const masked = tokenizeText(text, { detector, vault: PiiVault.memory(), server: 'x' }).text;
    expect(JSON.parse(masked)).toEqual({ cardholder: '[NAME_1]', name_on_card: 'ACME-ENTERPRISE', card_holder: 'ACME CORP', customer: 'JOHN SMITH' });
  });

  it('leaves an object under such a key to its own keys (an owner record with a login and an id)', () => {
    const { value } = tokenizeValue({ owner: { login: 'octocat', id: 583231, name: 'Mona Lisa' }, author: 'Kim Lee' }, { detector, vault: PiiVault.memory(), server: 'x' });
    expect(value).toEqual({ owner: { login: 'octocat', id: 583231, name: '[NAME_1]' }, author: '[NAME_2]' });
  });

  it('switches the new rules off by id', () => {
    const off = createDetector({ disable: ['name', 'address', 'field.name', 'field.address'] });
    expect(off.detect('{"owner": "Ann Lee", "note": "call Maria Gonzalez at 5 Main St"}')).toEqual([]);
  });
});

describe('bounded on hostile input', () => {
  it('scans 200 KB of capitalized words, cue words and street words and finds what is bounded by them', () => {
    const parts = ['Dear Mr. Ann Lee Kim ', 'Dear Dear Dear Dear ', 'Street Street 12 Street ', 'Hauptstraße 5 Hauptstraße ', 'Via Via Via 1 ', 'Maria Gonzalez. '];
    let text = '';
    for (let i = 0; text.length < 200_000; i++) text += parts[i % parts.length];
    const findings = detector.detect(text);
    // Every finding is short and they do not overlap: a name is at most a few words, an address a line.
    for (const f of findings) expect(f.end - f.start).toBeLessThanOrEqual(200);
    for (let i = 1; i < findings.length; i++) expect(findings[i]!.start).toBeGreaterThanOrEqual(findings[i - 1]!.end);
    expect(findings.filter((f) => f.kind === 'NAME').length).toBeGreaterThan(1000);
    // A run of capitalized words longer than a name is no name.
    expect(detector.detect(`${'Alpha Beta Gamma Delta '.repeat(10_000)}`).filter((f) => f.kind === 'NAME')).toEqual([]);
  });

  it('finds the same names and addresses on the detection thread', async () => {
    const line = 'Please call Maria Gonzalez at 221B Baker Street, London NW1 6XE. {"owner": "acme-org", "assignee": "Ann Lee"}\n';
    const text = line.repeat(Math.ceil(offThreadMinChars / line.length) + 1);
    const vault = PiiVault.memory();
    const onThread = await findOffThread(text, detector, vault);
    expect(onThread, 'the built detection thread must be used for a long text (run pnpm build first)').toBeDefined();
    const inline = findInText(text, detector, vault);
    expect(onThread!.spans.candidates.length).toBe(inline.candidates.length);
    expect(onThread!.spans.candidates.map((c) => [c.kind, c.start, c.end])).toEqual(inline.candidates.map((c) => [c.kind, c.start, c.end]));
    expect(onThread!.spans.candidates.some((c) => c.kind === 'NAME')).toBe(true);
  });
});
