import type * as McpServerModule from '@modelcontextprotocol/sdk/server/mcp.js';
import type * as StreamableHttpModule from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type * as McpTypes from '@modelcontextprotocol/sdk/types.js';
import type * as Zod from 'zod';
import { loadZod } from '../core/tools/zod.loader';

/** What `/mcp` uses of the MCP server SDK (and the zod its tool schemas are written in). */
export interface McpServerSdk {
  McpServer: typeof McpServerModule.McpServer;
  StreamableHTTPServerTransport: typeof StreamableHttpModule.StreamableHTTPServerTransport;
  CancelledNotificationSchema: typeof McpTypes.CancelledNotificationSchema;
  isInitializeRequest: typeof McpTypes.isInitializeRequest;
  z: typeof Zod.z;
}

let sdk: McpServerSdk | undefined;

/**
 * The MCP server SDK, required on the first `/mcp` request: a server nobody asks over MCP never loads it. `require`,
 * not `import()`: the compiled `import()` would load the SDK's ES build, a second copy beside the CommonJS one the
 * MCP client tools use.
 */
export function loadMcpServerSdk(): McpServerSdk {
  /* eslint-disable @typescript-eslint/no-require-imports */
  sdk ??= {
    McpServer: (require('@modelcontextprotocol/sdk/server/mcp.js') as typeof McpServerModule).McpServer,
    StreamableHTTPServerTransport: (
      require('@modelcontextprotocol/sdk/server/streamableHttp.js') as typeof StreamableHttpModule
    ).StreamableHTTPServerTransport,
    ...pick(require('@modelcontextprotocol/sdk/types.js') as typeof McpTypes),
    z: loadZod(),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return sdk;
}

function pick({ CancelledNotificationSchema, isInitializeRequest }: typeof McpTypes) {
  return { CancelledNotificationSchema, isInitializeRequest };
}
