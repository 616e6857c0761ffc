/**
 * A small MCP server over stdio for the toolkit's tests, run as `node --import tsx test/utils/mcp-stdio-server.ts`.
 * Tools: `echo` (shares its name with the HTTP test server's), `pid` (which process answers: tells a restarted
 * server from the first one).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'stdio-test-server', version: '1.0.0' });
server.registerTool('echo', { description: 'Echoes the text back', inputSchema: { text: z.string() } }, ({ text }) => ({
  content: [{ type: 'text', text: `stdio echo: ${text}` }],
}));
server.registerTool('pid', { description: 'The process id of this server' }, () => ({
  content: [{ type: 'text', text: String(process.pid) }],
}));

if (process.env.MCP_TEST_FAIL_AT_START) {
  process.stderr.write(`${process.env.MCP_TEST_FAIL_AT_START}\n`);
  process.exit(3);
}
void server.connect(new StdioServerTransport());
