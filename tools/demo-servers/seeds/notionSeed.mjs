// Generates the committed Notion stand-in seed, tools/adk/demo-data/notion/pages.json: ~10 pages of
// nested blocks in a compact form ({ type, text, children }) that the server expands into Notion API
// objects. One page (the Engineering Handbook) is long on purpose: returning its whole block tree to a
// model would be wasteful. Run: node tools/demo-servers/seeds/notionSeed.mjs
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const uuid = (seed) => {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const ref = Date.parse('2026-01-15T12:00:00Z');
const at = (days) => new Date(ref - days * 86_400_000).toISOString().replace('.000Z', 'Z');

const h1 = (text) => ({ type: 'heading_1', text });
const h2 = (text) => ({ type: 'heading_2', text });
const h3 = (text) => ({ type: 'heading_3', text });
const p = (text) => ({ type: 'paragraph', text });
const li = (text, children) => ({ type: 'bulleted_list_item', text, ...(children ? { children } : {}) });
const num = (text, children) => ({ type: 'numbered_list_item', text, ...(children ? { children } : {}) });
const todo = (text, checked = false) => ({ type: 'to_do', text, checked });
const code = (text, language = 'bash') => ({ type: 'code', text, language });
const quote = (text) => ({ type: 'quote', text });

// The long page: ten sections, each with an intro, a list with nested items and a few paragraphs.
const handbookSections = [
  ['Onboarding', 'laptop setup, accounts and the first week', ['Request a laptop through the IT portal two weeks before the start date', 'Create accounts: GitHub, Slack, 1Password, the cloud console', 'Pair with your onboarding buddy every day of the first week', 'Ship a small change to production before the end of week two']],
  ['Code review', 'how we review pull requests', ['Every change needs one approving review; security-sensitive code needs two', 'Reviewers answer within one working day', 'Keep pull requests under 400 changed lines when you can', 'Use "nit:" for comments that must not block a merge']],
  ['Testing', 'what must be tested and where', ['Unit tests live next to the code in test/ folders', 'Integration tests run against real services in CI, never mocks', 'Flaky tests are quarantined within 24 hours and fixed within a week', 'Coverage is a signal, not a target']],
  ['Deployments', 'how code reaches production', ['Main is always deployable; deploys go out from main only', 'Production deploys run from CI after the staging smoke tests pass', 'Deploy freeze: no production deploys on Friday after 15:00 or on public holidays', 'Every deploy can be rolled back with one command: `make rollback`']],
  ['On-call', 'the rota, paging and hand-over', ['The rota is weekly, Monday 10:00 to Monday 10:00', 'Acknowledge a page within 5 minutes, day or night', 'Hand-over notes go into the #oncall channel every Monday', 'On-call engineers get one day off after a week with a night page']],
  ['Incident response', 'what to do when production is broken', ['Declare an incident in #incidents with /incident declare', 'Name an incident commander; they coordinate, they do not debug', 'Post a status update every 30 minutes until resolved', 'Write a blameless postmortem within five working days']],
  ['Security', 'secrets, access and data handling', ['Never commit secrets; use the vault and short-lived credentials', 'Production data never leaves production; use the anonymised staging copy', 'Report a suspected vulnerability to security@example.com immediately', 'Access reviews happen every quarter']],
  ['Architecture', 'the main services and how they talk', ['The storefront talks to the API gateway only', 'Services publish domain events to the event bus; no shared databases', 'Synchronous calls between services need a timeout and a circuit breaker', 'Architecture decisions are recorded as ADRs in docs/adr']],
  ['Release process', 'versions, changelogs and announcements', ['We follow semantic versioning for the public API', 'Every user-visible change gets a changelog entry', 'Release notes are published on the first Tuesday of the month', 'Breaking changes are announced one release in advance']],
  ['Glossary', 'words we use', ['SLO: the service level objective, e.g. 99.9% of checkouts succeed', 'Error budget: how much unreliability the SLO allows in a month', 'Canary: a deploy to 5% of traffic before everyone', 'Runbook: step-by-step instructions for a known operational task']],
];
const handbook = [p('This handbook describes how the engineering team works. It is long on purpose: search it, do not read it top to bottom.')];
handbookSections.forEach(([title, topic, rules], s) => {
  handbook.push(h1(`${s + 1}. ${title}`));
  handbook.push(p(`This section covers ${topic}. Questions go to the #eng-handbook channel; changes go through a pull request to the handbook repository.`));
  handbook.push(h2('Rules'));
  rules.forEach((rule, r) =>
    handbook.push(li(rule, [li(`Why: rule ${s + 1}.${r + 1} keeps ${topic} predictable for everyone.`), li(`Owner: the ${title.toLowerCase()} guild.`)])),
  );
  handbook.push(h2('Details'));
  for (let k = 1; k <= 4; k++) {
    handbook.push(p(`${title}, note ${k}: we revisit this part of the handbook every quarter. Exceptions to the rules above are written down in the team's decision log with a date and an owner.`));
  }
  handbook.push(h3('Checklist'));
  handbook.push(todo(`Read the ${title.toLowerCase()} section`, s % 2 === 0));
  handbook.push(todo(`Ask your buddy one question about ${title.toLowerCase()}`));
});
handbook.push(quote('Make the right thing the easy thing.'));

const pages = [
  { title: 'Engineering Handbook', icon: '📘', created: 400, edited: 3, blocks: handbook },
  {
    title: 'Deployment Runbook', icon: '🚀', parent: 'Engineering Handbook', created: 200, edited: 10,
    blocks: [
      p('How to deploy the storefront to production by hand when CI is unavailable.'),
      h2('Before you start'),
      todo('Check that the staging smoke tests are green', true),
      todo('Announce the deploy in #deploys'),
      h2('Steps'),
      num('Build the image', [code('make image TAG=$(git rev-parse --short HEAD)')]),
      num('Push it to the registry', [code('make push TAG=$(git rev-parse --short HEAD)')]),
      num('Roll out to the canary (5% of traffic) and watch the error rate for 10 minutes'),
      num('Roll out to everyone', [code('make deploy ENV=production')]),
      h2('Rollback'),
      p('If the error rate doubles, roll back at once with `make rollback` and open an incident.'),
    ],
  },
  {
    title: 'Q1 2026 Roadmap', icon: '🗺️', created: 40, edited: 5,
    blocks: [
      h1('Themes'),
      li('Checkout reliability', [li('Fix the Safari checkout bug'), li('Apple Pay behind a feature flag')]),
      li('Faster category pages', [li('Responsive images and lazy loading'), li('Cache category listings at the edge')]),
      li('Multi-currency pricing (EUR, GBP, USD)'),
      h1('Not this quarter'),
      li('GraphQL API'),
      li('Dark mode for the admin panel'),
      p('Owners and dates are tracked in the planning board; this page only lists the themes.'),
    ],
  },
  {
    title: 'Meeting Notes: Product Sync 2026-01-12', icon: '📝', created: 3, edited: 3,
    blocks: [
      h2('Attendees'),
      p('Amara, Liam, Sofia, Kenji'),
      h2('Decisions'),
      li('Apple Pay ships behind a flag in February'),
      li('The password reset email problem is the top priority this week'),
      h2('Action items'),
      todo('Liam: fix the Safari checkout button', false),
      todo('Sofia: correct the SPF record for the sending domain', true),
      todo('Kenji: add pagination to the admin order list', false),
    ],
  },
  {
    title: 'Postmortem: Checkout outage 2025-12-03', icon: '🔥', created: 42, edited: 35,
    blocks: [
      h1('Summary'),
      p('Checkout returned HTTP 500 for 47 minutes after a database migration locked the orders table.'),
      h1('Timeline'),
      li('14:02 migration started'),
      li('14:05 first alerts for checkout errors'),
      li('14:20 incident declared, migration identified'),
      li('14:49 migration cancelled, checkout recovered'),
      h1('What we change'),
      num('Run migrations that lock large tables with a lock timeout'),
      num('Add a checkout error-rate alert at 2% instead of 5%'),
      quote('Blameless: the process allowed the mistake, so we change the process.'),
    ],
  },
  {
    title: 'Vacation Policy', icon: '🌴', created: 300, edited: 60,
    blocks: [
      p('Everyone has 28 days of paid vacation per year, plus public holidays of their country of residence.'),
      h2('Booking'),
      li('Book vacation in the HR tool at least two weeks ahead for more than three days'),
      li('Tell your team in the team channel'),
      h2('Carry-over'),
      p('Up to five unused days carry over to the next year and expire on 31 March.'),
    ],
  },
  {
    title: 'Offer Letter Guidelines', icon: '✉️', created: 150, edited: 20,
    blocks: [
      p('How recruiters put together an offer packet.'),
      h2('Salary'),
      li('Use the salary band for the role, level and location; never go above the band maximum'),
      li('Offers start at the band midpoint unless the hiring manager justifies otherwise'),
      h2('Template'),
      li('Use the role:level template from the offer templates table, or the default template'),
      h2('Personal data'),
      p("Candidate names, emails and phone numbers are personal data. Keep them out of shared channels and tickets."),
    ],
  },
  {
    title: 'API Design Guidelines', icon: '🔌', created: 250, edited: 90,
    blocks: [
      h1('Resources'),
      li('Plural nouns for collections: /orders, /products'),
      li('Cursor pagination for every list endpoint', [li('Return next_cursor and has_more'), li('Default page size 50, maximum 100')]),
      h1('Errors'),
      p('Errors are JSON: { "code": "...", "message": "..." } with an HTTP status that matches the problem.'),
      h1('Versioning'),
      p('Breaking changes need a new version prefix (/v2) and a deprecation period of six months.'),
    ],
  },
  {
    title: 'Customer Interview: Acme Retail', icon: '🎤', created: 25, edited: 24,
    blocks: [
      h2('Context'),
      p('Acme Retail runs 40 stores in Germany and Austria and sells online in EUR only.'),
      h2('What they told us'),
      li('Multi-currency pricing is a must before they expand to Switzerland'),
      li('Category pages feel slow on mobile'),
      li('They would pay for an order export that does not time out'),
      quote('"If checkout breaks on iPhones, we lose a third of our revenue."'),
    ],
  },
  {
    title: 'Team Directory', icon: '👥', created: 380, edited: 15,
    blocks: [
      p('Who owns what. Contact details are in the HR tool.'),
      li('Amara Okafor: engineering manager, checkout'),
      li('Liam Chen: frontend, storefront'),
      li('Sofia Rossi: security and infrastructure'),
      li('Kenji Watanabe: backend, orders and inventory'),
      li('Priya Nair: search and recommendations'),
    ],
  },
];

const byTitle = new Map(pages.map((page) => [page.title, uuid(`page:${page.title}`)]));
const data = {
  description: 'Seed for the Notion stand-in MCP server (tools/demo-servers/notion). Blocks are compact; the server expands them into Notion API objects with stable ids.',
  referenceDate: '2026-01-15T12:00:00Z',
  pages: pages.map((page) => ({
    id: byTitle.get(page.title),
    title: page.title,
    icon: page.icon,
    parent: page.parent ? { type: 'page_id', page_id: byTitle.get(page.parent) } : { type: 'workspace', workspace: true },
    created_time: at(page.created),
    last_edited_time: at(page.edited),
    blocks: page.blocks,
  })),
};
const out = path.resolve(import.meta.dirname, '../../adk/demo-data/notion/pages.json');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(data, null, 2)}\n`);
const count = (blocks) => blocks.reduce((n, b) => n + 1 + count(b.children ?? []), 0);
console.log(`wrote ${out}: ${data.pages.length} pages, ${data.pages.map((pg) => count(pg.blocks)).join('/')} blocks`);
