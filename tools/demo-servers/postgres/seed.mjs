// The deterministic demo seed for PostgreSQL: `salary_bands` (10,080 rows: 12 roles x 5 levels x 24
// locations x 7 data points from different sources) and `offer_templates` (role:level keys and a
// `default`). The same SQL runs in the embedded PGlite and can be piped into any PostgreSQL:
//   node tools/demo-servers/postgres/wrapper.mjs seed-sql | psql "$DATABASE_URL"

/** Bumped whenever the seed changes; stored in `demo_seed_info`. */
export const seedVersion = '1';

const roles = [
  ['software-engineer', 'Software Engineer', 120_000],
  ['data-scientist', 'Data Scientist', 125_000],
  ['data-engineer', 'Data Engineer', 118_000],
  ['product-manager', 'Product Manager', 130_000],
  ['designer', 'Product Designer', 105_000],
  ['devops-engineer', 'DevOps Engineer', 118_000],
  ['qa-engineer', 'QA Engineer', 92_000],
  ['engineering-manager', 'Engineering Manager', 150_000],
  ['security-engineer', 'Security Engineer', 128_000],
  ['technical-writer', 'Technical Writer', 88_000],
  ['sales-engineer', 'Sales Engineer', 110_000],
  ['customer-success-manager', 'Customer Success Manager', 85_000],
];
const levels = [
  ['junior', 0.7],
  ['mid', 0.9],
  ['senior', 1.15],
  ['staff', 1.45],
  ['principal', 1.8],
];
// [location, country, currency, cost factor vs. US average, units of currency per USD]
const locations = [
  ['San Francisco', 'US', 'USD', 1.3, 1],
  ['New York', 'US', 'USD', 1.25, 1],
  ['Seattle', 'US', 'USD', 1.2, 1],
  ['Austin', 'US', 'USD', 1.0, 1],
  ['Toronto', 'CA', 'CAD', 0.8, 1.36],
  ['Vancouver', 'CA', 'CAD', 0.78, 1.36],
  ['London', 'GB', 'GBP', 0.85, 0.79],
  ['Manchester', 'GB', 'GBP', 0.68, 0.79],
  ['Dublin', 'IE', 'EUR', 0.8, 0.92],
  ['Berlin', 'DE', 'EUR', 0.72, 0.92],
  ['Munich', 'DE', 'EUR', 0.78, 0.92],
  ['Amsterdam', 'NL', 'EUR', 0.76, 0.92],
  ['Paris', 'FR', 'EUR', 0.72, 0.92],
  ['Madrid', 'ES', 'EUR', 0.55, 0.92],
  ['Milan', 'IT', 'EUR', 0.55, 0.92],
  ['Zurich', 'CH', 'CHF', 1.1, 0.88],
  ['Stockholm', 'SE', 'SEK', 0.7, 10.5],
  ['Warsaw', 'PL', 'PLN', 0.45, 4.0],
  ['Tokyo', 'JP', 'JPY', 0.7, 150],
  ['Singapore', 'SG', 'SGD', 0.85, 1.35],
  ['Sydney', 'AU', 'AUD', 0.85, 1.52],
  ['Bengaluru', 'IN', 'INR', 0.28, 83],
  ['São Paulo', 'BR', 'BRL', 0.35, 5.0],
  ['Remote (EU)', 'EU', 'EUR', 0.65, 0.92],
];
const sources = ['survey-2024', 'survey-2025', 'market-scan-q3', 'market-scan-q4', 'internal-offers', 'partner-benchmark', 'public-postings'];

/** mulberry32: a tiny seeded PRNG, so every run produces the same rows. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const quote = (text) => `'${String(text).replaceAll("'", "''")}'`;

/** Rows of salary_bands as SQL value tuples. */
function salaryRows() {
  const random = prng(20_260_115);
  const rows = [];
  for (const [role, , base] of roles) {
    for (const [level, levelFactor] of levels) {
      for (const [location, country, currency, costFactor, fx] of locations) {
        const roundTo = fx >= 50 ? 10_000 : 100;
        const mid = base * levelFactor * costFactor * fx;
        sources.forEach((source, i) => {
          const drift = 0.92 + random() * 0.16;
          const min = Math.round((mid * drift * (0.8 + random() * 0.04)) / roundTo) * roundTo;
          const max = Math.round((mid * drift * (1.18 + random() * 0.06)) / roundTo) * roundTo;
          const day = 1 + Math.floor(random() * 28);
          const month = 1 + ((i * 2 + Math.floor(random() * 2)) % 12);
          const year = source.includes('2024') ? 2024 : 2025;
          const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
          rows.push(`(${quote(role)},${quote(level)},${quote(location)},${quote(country)},${quote(currency)},${min},${max},${quote(source)},DATE ${quote(date)})`);
        });
      }
    }
  }
  return rows;
}

const defaultBody = `# Offer of employment: {{role_title}} ({{level}})

Dear {{candidate_name}},

We are delighted to offer you the position of **{{role_title}}** at level **{{level}}**, based in {{location}}.

- Base salary: {{currency}} {{base_salary}} per year
- Start date: {{start_date}}
- Probation: {{probation_months}} months

{{benefits}}

Please confirm your acceptance by replying to this letter within ten working days.`;

const templates = [
  ['default', null, null, 'Offer of employment', defaultBody, 'Standard benefits: 28 days of vacation, pension plan, learning budget.', 6, 4],
  ['software-engineer:junior', 'software-engineer', 'junior', 'Software Engineer offer', defaultBody, 'Mentorship programme, 28 days of vacation, learning budget of 1,000 per year.', 6, 4],
  ['software-engineer:mid', 'software-engineer', 'mid', 'Software Engineer offer', defaultBody, '28 days of vacation, learning budget of 1,500 per year, home-office allowance.', 6, 4],
  ['software-engineer:senior', 'software-engineer', 'senior', 'Senior Software Engineer offer', defaultBody, '30 days of vacation, learning budget of 2,000 per year, stock options (4-year vesting).', 6, 8],
  ['software-engineer:staff', 'software-engineer', 'staff', 'Staff Software Engineer offer', defaultBody, '30 days of vacation, conference budget, stock options (4-year vesting), sabbatical after 5 years.', 3, 12],
  ['data-scientist:senior', 'data-scientist', 'senior', 'Senior Data Scientist offer', defaultBody, '30 days of vacation, GPU research budget, stock options.', 6, 8],
  ['product-manager:senior', 'product-manager', 'senior', 'Senior Product Manager offer', defaultBody, '30 days of vacation, customer travel budget, stock options.', 6, 8],
  ['engineering-manager:staff', 'engineering-manager', 'staff', 'Engineering Manager offer', defaultBody, '30 days of vacation, leadership coaching, stock options, sabbatical after 5 years.', 3, 12],
  ['designer:mid', 'designer', 'mid', 'Product Designer offer', defaultBody, '28 days of vacation, design tools budget, learning budget.', 6, 4],
  ['security-engineer:senior', 'security-engineer', 'senior', 'Senior Security Engineer offer', defaultBody, '30 days of vacation, certification budget, on-call allowance, stock options.', 6, 8],
];

/** The whole seed as one SQL script: drops and recreates the demo tables. */
export function seedSql() {
  const rows = salaryRows();
  const chunks = [];
  for (let i = 0; i < rows.length; i += 1000) {
    chunks.push(
      `INSERT INTO salary_bands (role, level, location, country, currency, min_salary, max_salary, source, effective_date) VALUES\n${rows.slice(i, i + 1000).join(',\n')};`,
    );
  }
  const templateValues = templates
    .map(([key, role, level, title, body, benefits, probation, notice]) =>
      `(${quote(key)},${role === null ? 'NULL' : quote(role)},${level === null ? 'NULL' : quote(level)},${quote(title)},${quote(body)},${quote(benefits)},${probation},${notice})`,
    )
    .join(',\n');
  return `DROP TABLE IF EXISTS salary_bands;
DROP TABLE IF EXISTS offer_templates;
DROP TABLE IF EXISTS demo_seed_info;
CREATE TABLE salary_bands (
  id serial PRIMARY KEY,
  role text NOT NULL,
  level text NOT NULL,
  location text NOT NULL,
  country text NOT NULL,
  currency char(3) NOT NULL,
  min_salary integer NOT NULL,
  max_salary integer NOT NULL,
  source text NOT NULL,
  effective_date date NOT NULL
);
CREATE INDEX salary_bands_lookup ON salary_bands (role, level, location);
CREATE TABLE offer_templates (
  key text PRIMARY KEY,
  role text,
  level text,
  title text NOT NULL,
  body text NOT NULL,
  benefits text NOT NULL,
  probation_months integer NOT NULL,
  notice_period_weeks integer NOT NULL
);
CREATE TABLE demo_seed_info (key text PRIMARY KEY, value text NOT NULL);
${chunks.join('\n')}
INSERT INTO offer_templates (key, role, level, title, body, benefits, probation_months, notice_period_weeks) VALUES
${templateValues};
INSERT INTO demo_seed_info (key, value) VALUES ('version', ${quote(seedVersion)}), ('salary_bands_rows', ${quote(String(rows.length))});
`;
}
