/**
 * The paths that serve agents, whatever the protocol: API keys, rate limits, the concurrency cap, the shutdown
 * refusal and request metrics apply to them. Health, metrics, docs, the agent cards and the playground stay open.
 */
const API_PREFIXES = ['/v1/', '/mcp', '/a2a/'];

export function isApiPath(path: string): boolean {
  return API_PREFIXES.some((prefix) => path.startsWith(prefix));
}
