import { errorCodes } from '@magsag/core';
import type { McpClient } from '@magsag/mcp-client';
import type { ApprovalRules } from '@magsag/mcp-client/config';
import { Option, type Command } from 'commander';
import { formatDiagnostic, formatSummary } from './format.ts';

/** The flags of `mcp:codegen` / `magsag codegen`. */
export interface CodegenCliOptions {
  check?: boolean;
  thorough?: boolean;
  refresh?: boolean | string[];
  sample?: boolean | string[];
  serversDir?: string;
  out?: string;
  json?: boolean;
}

/** Where the command writes: results to `out`, progress and errors to `err`. */
export interface CodegenIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Progress lines only on a terminal. */
  interactive: boolean;
  /**
   * The client `--sample` calls tools through, with PII tokenization on its call path. Without it
   * `--sample` is refused: inferring from raw results could store personal keys.
   */
  sampleClient?: (server: string) => Promise<McpClient>;
  /** The state folder whose recorded shapes (`--record-shapes`) `--sample` merges. */
  stateDir?: string;
  /** The project's approval rules, when the caller resolved the project itself. @default the config found from the working directory */
  approvals?: ApprovalRules;
}

/**
 * The whole `mcp:codegen` command (refresh, generate or check, printing and exit code), shared by
 * `pnpm mcp:codegen` and `magsag codegen`.
 */
export async function runCodegenCommand(options: CodegenCliOptions, io: CodegenIo): Promise<number> {
  const { out, err } = io;
  const interactive = io.interactive && options.json !== true;
  const common = {
    ...(options.serversDir === undefined ? {} : { serversDir: options.serversDir }),
  };
  if (options.check && options.refresh !== undefined) {
    err('error USAGE: --check writes nothing and --refresh rewrites server YAML; use one of them.\n');
    return errorCodes.USAGE.exitCode;
  }
  if (options.check && options.sample !== undefined) {
    err('error USAGE: --check writes nothing and --sample rewrites server YAML; use one of them.\n');
    return errorCodes.USAGE.exitCode;
  }
  if (options.sample !== undefined && io.sampleClient === undefined) {
    err('error USAGE: --sample needs the PII layer, so that schemas are inferred from tokenized results: run `magsag codegen --sample` (`pnpm magsag codegen --sample` in this repository).\n');
    return errorCodes.USAGE.exitCode;
  }
  let refresh;
  if (options.refresh !== undefined) {
    // Loaded here, not at the top: `magsag --help` imports this file only for the option list.
    const { refreshSnapshots } = await import('./refresh.ts');
    refresh = await refreshSnapshots({
      ...common,
      ...(Array.isArray(options.refresh) ? { servers: options.refresh } : {}),
      onServer: (server) => {
        if (interactive) err(`  refreshed ${server.id}: ${server.tools} tools${server.changed ? ', snapshot updated' : ', unchanged'}\n`);
      },
    });
    if (!refresh.ok) {
      if (options.json) out(`${JSON.stringify({ refresh }, null, 2)}\n`);
      else for (const d of refresh.diagnostics) err(`${formatDiagnostic(d)}\n`);
      return Math.max(...refresh.diagnostics.map((d) => (d.code === undefined ? 1 : errorCodes[d.code].exitCode)));
    }
  }
  let sample;
  if (options.sample !== undefined && io.sampleClient !== undefined) {
    const { sampleOutputSchemas } = await import('./sample.ts');
    sample = await sampleOutputSchemas({
      connect: io.sampleClient,
      ...common,
      ...(io.stateDir === undefined ? {} : { stateDir: io.stateDir }),
      ...(Array.isArray(options.sample) ? { servers: options.sample } : {}),
      onServer: (server) => {
        if (interactive) err(`  sampled ${server.id}: ${server.tools.length} tools${server.changed ? ', inferred schemas updated' : ', unchanged'}\n`);
      },
    });
    if (!sample.ok) {
      if (options.json) out(`${JSON.stringify({ sample }, null, 2)}\n`);
      else for (const d of sample.diagnostics) err(`${formatDiagnostic(d)}\n`);
      return Math.max(...sample.diagnostics.map((d) => (d.code === undefined ? 1 : errorCodes[d.code].exitCode)));
    }
    if (!options.json) for (const d of sample.diagnostics) err(`${formatDiagnostic(d)}\n`);
  }
  const { generate } = await import('./generate.ts');
  const result = await generate({
    ...common,
    ...(options.out === undefined ? {} : { outDir: options.out }),
    ...(io.approvals === undefined ? {} : { approvals: io.approvals }),
    check: options.check === true,
    thorough: options.thorough === true,
    onServer: (server) => {
      if (!interactive) return;
      const verb = options.check ? 'out of date' : 'written';
      err(`  ${server.id}: ${server.tools} tools, ${server.changed} files ${verb}, ${server.unchanged} unchanged\n`);
    },
  });
  if (options.json) {
    out(`${JSON.stringify({ ...result, ...(refresh === undefined ? {} : { refresh }), ...(sample === undefined ? {} : { sample }) }, null, 2)}\n`);
  } else {
    for (const d of result.diagnostics) if (d.code !== 'CODEGEN_STALE') err(`${formatDiagnostic(d)}\n`);
    if (result.ok) out(formatSummary(result));
    else err(formatSummary(result));
  }
  return result.exitCode;
}

/** Adds the codegen flags to a commander command, so both CLIs offer the same ones. */
export function addCodegenOptions(command: Command): Command {
  return command
    .option('--check', 'write nothing; exit 1 when a generated file is missing, stale or extra')
    .option('--thorough', 'with --check: generate in memory and compare bytes instead of comparing source hashes (slower)')
    .option('--refresh [server...]', 'first take tool snapshots from the live servers (all enabled, or those named) into their YAML')
    .option('--sample [server...]', 'first call the tools that have a `sample:` in their YAML (after --refresh), merge shapes recorded by --record-shapes, and write the inferred result schema as inferredOutputSchema')
    .addOption(new Option('--servers-dir <dir>', 'folder of server YAML files (default: the project\'s folders.servers)'))
    .option('--out <dir>', 'folder to generate into (default: the project\'s folders.modules, servers)')
    .option('--json', 'print the result as JSON on stdout');
}
