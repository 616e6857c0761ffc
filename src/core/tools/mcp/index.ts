export { McpToolkit } from './mcp-toolkit';
export type { McpServerStatus, McpToolkitOptions } from './mcp-toolkit';
export { McpTool } from './mcp-tool';
export { McpServerError } from './mcp-server-error';
export { parseMcpServers } from './mcp-config';
export type { McpHttpServerConfig, McpServerConfig, McpStdioServerConfig } from './mcp-config';
