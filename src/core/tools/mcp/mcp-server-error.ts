/** An MCP server could not be started, reached or listed; `server` names it as configured. */
export class McpServerError extends Error {
  constructor(
    readonly server: string,
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'McpServerError';
  }
}
