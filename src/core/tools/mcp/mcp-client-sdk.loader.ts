import type * as ClientModule from '@modelcontextprotocol/sdk/client/index.js';
import type * as StdioModule from '@modelcontextprotocol/sdk/client/stdio.js';
import type * as StreamableHttpModule from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type * as McpTypes from '@modelcontextprotocol/sdk/types.js';

/** What the MCP tools use of the MCP client SDK. */
export interface McpClientSdk {
  Client: typeof ClientModule.Client;
  StdioClientTransport: typeof StdioModule.StdioClientTransport;
  StreamableHTTPClientTransport: typeof StreamableHttpModule.StreamableHTTPClientTransport;
  StreamableHTTPError: typeof StreamableHttpModule.StreamableHTTPError;
  McpError: typeof McpTypes.McpError;
  ErrorCode: typeof McpTypes.ErrorCode;
}

let sdk: McpClientSdk | undefined;

/**
 * The MCP client SDK, required when a server is first connected: an agent without MCP tools never loads it.
 * `require`, not `import()`, which would load the SDK's ES build beside the CommonJS one.
 */
export function loadMcpClientSdk(): McpClientSdk {
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (!sdk) {
    const http = require('@modelcontextprotocol/sdk/client/streamableHttp.js') as typeof StreamableHttpModule;
    const types = require('@modelcontextprotocol/sdk/types.js') as typeof McpTypes;
    sdk = {
      Client: (require('@modelcontextprotocol/sdk/client/index.js') as typeof ClientModule).Client,
      StdioClientTransport: (require('@modelcontextprotocol/sdk/client/stdio.js') as typeof StdioModule)
        .StdioClientTransport,
      StreamableHTTPClientTransport: http.StreamableHTTPClientTransport,
      StreamableHTTPError: http.StreamableHTTPError,
      McpError: types.McpError,
      ErrorCode: types.ErrorCode,
    };
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  return sdk;
}

/** An MCP protocol error with this code (an error of the SDK: no SDK loaded, no such error). */
export function isMcpError(error: unknown, code: keyof typeof McpTypes.ErrorCode): boolean {
  if (!sdk) {
    return false;
  }
  return error instanceof sdk.McpError && error.code === Number(sdk.ErrorCode[code]);
}
