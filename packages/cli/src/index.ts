export { createProgram, main } from './program.ts';
export { CliContext } from './context.ts';
export type { GlobalOptions } from './context.ts';
export { importServersFile, listServers, selectServers, testServers } from './commands/servers.ts';
export type { ImportResult, JsonError, ServerListEntry, ServerTestResult } from './commands/servers.ts';
export { resetDemo } from './commands/demo.ts';
export type { DemoResetResult } from './commands/demo.ts';
export type { Io } from './output.ts';
