import { skillFrontmatterSchema } from '@magsag/catalog';
import { errorCodes } from '@magsag/core';
import { projectConfigFileName, projectConfigSchema, serverConfigSchema } from '@magsag/mcp-client';
import { defaultLimits, defaultQuota, defaultRetention, maxLimits, maxProgramBytes } from '@magsag/runner';
import type { Command, Option } from 'commander';
import { z } from 'zod';
import { createProgram } from './program.ts';

/** One generated reference page: its path under docs/reference and its Markdown body (no frontmatter). */
export interface ReferencePage {
  file: string;
  title: string;
  description: string;
  body: string;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function optionRow(option: Option): string {
  const extra = [
    option.defaultValue !== undefined && option.defaultValue !== false ? `default \`${JSON.stringify(option.defaultValue)}\`` : '',
    option.envVar ? `env \`${option.envVar}\`` : '',
    option.argChoices ? `one of ${option.argChoices.map((c) => `\`${c}\``).join(', ')}` : '',
  ].filter(Boolean);
  return `| \`${cell(option.flags)}\` | ${cell(option.description)}${extra.length ? ` (${extra.join('; ')})` : ''} |`;
}

function commandSection(command: Command, prefix: string): string[] {
  const name = `${prefix} ${command.name()}`.trim();
  const out: string[] = [];
  const subcommands = command.commands;
  const args = command.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`));
  if (subcommands.length === 0 || command.registeredArguments.length > 0) {
    out.push(`## \`${name}${args.length ? ` ${args.join(' ')}` : ''}\``, '', command.description(), '');
    if (command.registeredArguments.length) {
      out.push('| argument | meaning |', '| --- | --- |', ...command.registeredArguments.map((a) => `| \`${a.name()}\` | ${cell(a.description || '')} |`), '');
    }
    const options = command.options.filter((o) => o.long !== '--version');
    if (options.length) out.push('| option | meaning |', '| --- | --- |', ...options.map(optionRow), '');
  }
  for (const sub of subcommands) out.push(...commandSection(sub, name));
  return out;
}

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  items?: JsonSchemaNode;
  const?: unknown;
  enum?: unknown[];
}

function typeOf(node: JsonSchemaNode): string {
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.enum) return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (node.anyOf ?? node.oneOf) return 'one of the variants below';
  if (node.type === 'array') return `list of ${node.items ? typeOf(node.items) : 'values'}`;
  return Array.isArray(node.type) ? node.type.join(' \\| ') : (node.type ?? 'any');
}

function schemaRows(node: JsonSchemaNode, prefix = ''): string[] {
  const rows: string[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const name = prefix ? `${prefix}.${key}` : key;
    const required = node.required?.includes(key) && child.default === undefined ? 'yes' : 'no';
    const def = child.default !== undefined ? ` (default \`${JSON.stringify(child.default)}\`)` : '';
    rows.push(`| \`${name}\` | ${typeOf(child)} | ${required} | ${cell(child.description ?? '')}${def} |`);
    if (child.properties && !['tools'].includes(key)) rows.push(...schemaRows(child, name));
  }
  return rows;
}

function schemaTable(node: JsonSchemaNode): string[] {
  return ['| key | type | required | meaning |', '| --- | --- | --- | --- |', ...schemaRows(node)];
}

/** Renders docs/reference from the code: the commander tree, the zod schemas and the error table. */
export function renderReference(): ReferencePage[] {
  const program = createProgram();
  const cli = [
    '# CLI reference',
    '',
    'Generated from the commander definitions by `pnpm docs:reference`; do not edit by hand.',
    '',
    'Every command takes these options:',
    '',
    '| option | meaning |',
    '| --- | --- |',
    ...program.options.filter((o) => o.long !== '--version').map(optionRow),
    '',
    'Exit codes: 0 success, 1 a server, tool or run failed, 2 a usage or configuration error.',
    '',
    ...program.commands.flatMap((c) => commandSection(c, 'magsag')),
  ];

  const server = z.toJSONSchema(serverConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const transports = ((server.properties?.['transport']?.anyOf ?? server.properties?.['transport']?.oneOf) ?? []) as JsonSchemaNode[];
  const skill = z.toJSONSchema(skillFrontmatterSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const project = z.toJSONSchema(projectConfigSchema(), { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const defaults = (title: string, values: Record<string, unknown>): string[] => [
    `### ${title}`,
    '',
    '| key | default |',
    '| --- | --- |',
    ...Object.entries(values).map(([k, v]) => `| \`${k}\` | \`${JSON.stringify(v)}\` |`),
    '',
  ];
  const config = [
    '# Configuration reference',
    '',
    'Generated from the zod schemas and defaults in the code by `pnpm docs:reference`; do not edit by hand.',
    '',
    `## Project (\`${projectConfigFileName}\`)`,
    '',
    `One per project, at its root: every command finds its project by walking up from the working directory to the nearest \`${projectConfigFileName}\` (\`--project <dir>\` or \`MAGSAG_PROJECT\` name one instead; without any, the working directory is the project and every default applies). \`magsag init\` writes one. Relative folders are relative to the project root.`,
    '',
    'Precedence, for each setting: a flag (`--servers-dir`, `--state-dir`, `--timeout`...), then the environment (`MAGSAG_SERVERS_DIR`, `MAGSAG_STATE_DIR`), then this file, then the defaults. A skill\'s own `limits` come before this file\'s `limits`.',
    '',
    ...schemaTable(project),
    '',
    '## Server YAML (`<folders.servers>/<id>.yaml`; `tools/adk/servers/` in this repository)',
    '',
    ...schemaTable(server),
    '',
    ...transports.flatMap((variant) => [`### transport \`type: ${String(variant.properties?.['type']?.const ?? '?')}\``, '', ...schemaTable(variant), '']),
    '## SKILL.md frontmatter (`skills/<name>/SKILL.md`)',
    '',
    ...schemaTable(skill),
    '',
    '## Run limits and workspaces',
    '',
    'Defaults of `@magsag/runner`; the project\'s `limits`, a skill\'s `limits` and `magsag exec --timeout` and `--memory` override them.',
    '',
    '### Limits per run',
    '',
    `A value over its maximum is refused with \`USAGE\` and \`data: { limit, value, max }\` before anything runs. A program (or a skill's input as JSON) may be at most ${maxProgramBytes} bytes.`,
    '',
    '| key | default | maximum |',
    '| --- | --- | --- |',
    ...Object.entries(defaultLimits).map(([k, v]) => `| \`${k}\` | \`${JSON.stringify(v)}\` | \`${JSON.stringify(maxLimits[k as keyof typeof maxLimits])}\` |`),
    '',
    ...defaults('Workspace quota', defaultQuota),
    ...defaults('Workspace retention', defaultRetention),
  ];

  const errors = [
    '# Error codes',
    '',
    'Generated from `packages/core/src/errorCodes.ts` by `pnpm docs:reference`; do not edit by hand.',
    'Every `MagsagError` carries one of these codes; the CLI exits with its exit status.',
    '',
    '| code | exit | meaning |',
    '| --- | --- | --- |',
    ...Object.entries(errorCodes).map(([code, { exitCode, summary }]) => `| \`${code}\` | ${exitCode} | ${cell(summary)} |`),
  ];

  return [
    { file: 'cli.md', title: 'CLI reference', description: 'Every magsag command, argument and option, generated from the commander definitions.', body: `${cli.join('\n').trimEnd()}\n` },
    { file: 'config.md', title: 'Configuration reference', description: 'magsag.config.yaml, server YAML keys, SKILL.md frontmatter and run limits, generated from the zod schemas and defaults.', body: `${config.join('\n').trimEnd()}\n` },
    { file: 'errors.md', title: 'Error codes', description: 'Every MagsagError code with its exit status, generated from the error-code table.', body: `${errors.join('\n').trimEnd()}\n` },
  ];
}
