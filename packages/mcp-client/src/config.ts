// `@magsag/mcp-client/config`: server YAML and project paths without the MCP SDK, for tools that
// only read configuration (codegen --check, catalog checks) and must start fast.
export { loadServerConfigs, loadServerConfigFile, parseServerConfig } from './config/load.ts';
export type { LoadedServerConfigs, LoadOptions } from './config/load.ts';
export { importMcpServers, mcpConfigFolder } from './config/importMcpServers.ts';
export type { ImportedServer, ImportOptions } from './config/importMcpServers.ts';
export { defaultServersDir, findProjectRoot, loadProjectConfig, projectConfigSchema, resolveProjectPaths } from './config/paths.ts';
export type { ProjectApprovals, ProjectPaths, ResolveProjectOptions } from './config/paths.ts';
export { buildProjectConfigSchema, defaultFolders, initialProjectConfig, projectConfigFileName } from './config/project.ts';
export type { ProjectConfig, ProjectConfigSchema } from './config/project.ts';
export { defaultTimeouts, serverConfigSchema, toolSnapshotSchema, transportSchema } from './config/schema.ts';
export type { HttpTransportConfig, ServerConfig, SseTransportConfig, StdioTransportConfig, ToolSnapshot, TransportConfig } from './config/schema.ts';
export { isToolAllowed } from './config/toolFilter.ts';
export { defaultApprovalTimeoutMs, defaultToolPolicy, matchApprovalRule, nameReadsAsWrite, resolveToolPolicy, toolPolicies } from './config/approvals.ts';
export type { ApprovalRules, ToolPolicy, ToolPolicyInfo, ToolPolicyInput, ToolPolicySource } from './config/approvals.ts';
export { closeInputSchema } from './config/closeSchema.ts';
export { validateAgainstSchema } from './validate.ts';
