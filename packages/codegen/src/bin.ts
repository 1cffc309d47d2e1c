// `pnpm mcp:codegen`: a thin commander shell over runCodegenCommand().
import { errorCodes } from '@magsag/core';
import { Command, CommanderError } from 'commander';
import { addCodegenOptions, runCodegenCommand, type CodegenCliOptions } from './cli.ts';

// `pnpm mcp:codegen` runs from the repo root; resolve relative paths against where the user was.
if (process.env['npm_lifecycle_event'] === 'mcp:codegen' && process.env['INIT_CWD']) process.chdir(process.env['INIT_CWD']);

const program = addCodegenOptions(
  new Command('mcp:codegen').description('Generate typed modules under servers/ from the tool snapshots in tools/adk/servers/*.yaml.'),
)
  .showHelpAfterError()
  .exitOverride()
  .action(async (options: CodegenCliOptions) => {
    process.exitCode = await runCodegenCommand(options, {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
      interactive: process.stderr.isTTY === true,
    });
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version exit 0; every other parse error is bad usage.
    process.exitCode = error.exitCode === 0 ? 0 : errorCodes.USAGE.exitCode;
  } else {
    process.stderr.write(`error INTERNAL: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = errorCodes.INTERNAL.exitCode;
  }
}
