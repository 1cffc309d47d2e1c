import { query } from '../../servers/postgres/query.ts';

export interface Input {
  role: string;
  level: string;
  location: string;
}

export interface Band {
  role: string;
  level: string;
  location: string;
  currency: string;
  min: number;
  max: number;
  midpoint: number;
  rows: number;
  sources: string[];
}

/** A SQL string literal: the server's `query` tool takes SQL text only, no parameters. */
export const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/** Runs SQL; the postgres module returns the rows already parsed (their shape depends on the SQL). */
export async function rows<T>(sql: string): Promise<T[]> {
  return (await query({ sql })) as T[];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
};

export default async function run(input: Input): Promise<Band> {
  const found = await rows<{ currency: string; min_salary: number; max_salary: number; source: string }>(
    `SELECT currency, min_salary, max_salary, source FROM salary_bands WHERE role = ${literal(input.role)} AND level = ${literal(input.level)} AND location = ${literal(input.location)}`,
  );
  if (found.length === 0) {
    const [roles, locations] = await Promise.all([
      rows<{ role: string }>('SELECT DISTINCT role FROM salary_bands ORDER BY role'),
      rows<{ location: string }>('SELECT DISTINCT location FROM salary_bands ORDER BY location'),
    ]);
    const knownRole = roles.some((r) => r.role === input.role);
    throw new Error(
      knownRole
        ? `No salary band for ${input.role}/${input.level} in "${input.location}". Known locations: ${locations.map((l) => l.location).join(', ')}.`
        : `Unknown role "${input.role}". Known roles: ${roles.map((r) => r.role).join(', ')}.`,
    );
  }
  const currencies = [...new Set(found.map((r) => r.currency))];
  if (currencies.length > 1) throw new Error(`Rows for ${input.location} mix currencies (${currencies.join(', ')}); the table needs fixing.`);
  const min = median(found.map((r) => r.min_salary));
  const max = median(found.map((r) => r.max_salary));
  return {
    role: input.role,
    level: input.level,
    location: input.location,
    currency: currencies[0]!,
    min,
    max,
    midpoint: Math.round((min + max) / 2),
    rows: found.length,
    sources: [...new Set(found.map((r) => r.source))].sort(),
  };
}
