/**
 * The paths that serve agents, whatever the protocol: API keys, rate limits, the concurrency cap, the shutdown
 * refusal and request metrics apply to them. Health, metrics, docs, the agent cards and the playground stay open.
 */
const API_PREFIXES = ['/v1/', '/mcp', '/a2a/'];

export function isApiPath(path: string): boolean {
  return API_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/** Which door a request came through, for metrics: one label value per protocol, `other` for the rest. */
export function protocolOf(path: string): string {
  if (path.startsWith('/v1/chat/completions')) {
    return 'chat_completions';
  }
  if (path.startsWith('/v1/responses')) {
    return 'responses';
  }
  if (path.startsWith('/v1/agents/') && path.endsWith('/ag-ui')) {
    return 'ag_ui';
  }
  if (path.startsWith('/mcp')) {
    return 'mcp';
  }
  if (path.startsWith('/a2a/') || path.startsWith('/.well-known/')) {
    return 'a2a';
  }
  return path.startsWith('/v1/') ? 'openai' : 'other';
}
