import salaryBand, { literal, rows } from '../salary-band-lookup/index.ts';
import { createDirectory } from '../../servers/vault/createDirectory.ts';
import { listAllowedDirectories } from '../../servers/vault/listAllowedDirectories.ts';
import { writeFile } from '../../servers/vault/writeFile.ts';

export interface Candidate {
  full_name: string;
  email: string;
  phone: string;
  role: string;
  level: string;
  location: string;
  start_date?: string;
}

export interface Input {
  candidate: Candidate;
  salaryPosition?: number;
}

export interface Output {
  path: string;
  summary: string;
  template: string;
  baseSalary: number;
  currency: string;
}

interface Template {
  key: string;
  title: string;
  body: string;
  benefits: string;
  probation_months: number;
  notice_period_weeks: number;
}

/** A non-identifying id for the file name: FNV-1a of the email. */
const fileId = (text: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
};

const money = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

export default async function run(input: Input): Promise<Output> {
  const c = input.candidate;
  const [band, templates] = await Promise.all([
    salaryBand({ role: c.role, level: c.level, location: c.location }),
    rows<Template>(`SELECT key, title, body, benefits, probation_months, notice_period_weeks FROM offer_templates WHERE key IN (${literal(`${c.role}:${c.level}`)}, 'default')`),
  ]);
  const template = templates.find((t) => t.key === `${c.role}:${c.level}`) ?? templates.find((t) => t.key === 'default');
  if (!template) throw new Error('offer_templates has neither a row for this role and level nor a "default" row');

  const position = input.salaryPosition ?? 0.5;
  const baseSalary = Math.round((band.min + (band.max - band.min) * position) / 100) * 100;
  const roleTitle = c.role.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ');
  const values: Record<string, string> = {
    role_title: roleTitle,
    level: c.level,
    location: c.location,
    candidate_name: c.full_name,
    currency: band.currency,
    base_salary: money(baseSalary),
    start_date: c.start_date ?? 'to be agreed',
    probation_months: String(template.probation_months),
    benefits: template.benefits,
  };
  const letter = template.body.replace(/\{\{(\w+)\}\}/g, (match, key: string) => values[key] ?? match);
  const packet = [
    letter,
    '',
    '---',
    '',
    '## Candidate',
    '',
    `- Name: ${c.full_name}`,
    `- Email: ${c.email}`,
    `- Phone: ${c.phone}`,
    '',
    '## Compensation basis',
    '',
    `- Band for ${c.role} / ${c.level} in ${c.location}: ${band.currency} ${money(band.min)} to ${money(band.max)} (midpoint ${money(band.midpoint)}, ${band.rows} data points)`,
    `- Position in band: ${Math.round(position * 100)}%`,
    `- Template: ${template.key} (${template.title}); notice period ${template.notice_period_weeks} weeks`,
    '',
  ].join('\n');

  const root = (await listAllowedDirectories()).content.split('\n').map((l) => l.trim()).find((l) => l.startsWith('/'));
  if (!root) throw new Error('the vault server reports no root folder');
  const relative = `Offers/offer-${c.role}-${c.level}-${fileId(c.email.toLowerCase())}.md`;
  await createDirectory({ path: `${root}/Offers` });
  await writeFile({ path: `${root}/${relative}`, content: packet });
  return {
    path: relative,
    summary: `Offer for ${c.full_name} <${c.email}>: ${roleTitle} (${c.level}) in ${c.location}, ${band.currency} ${money(baseSalary)} (band ${money(band.min)}-${money(band.max)}), template ${template.key}.`,
    template: template.key,
    baseSalary,
    currency: band.currency,
  };
}
