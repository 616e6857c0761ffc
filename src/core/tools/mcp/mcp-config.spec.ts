import { parseMcpServers } from './mcp-config';

describe(parseMcpServers.name, () => {
  it('should read stdio and Streamable HTTP servers in the format MCP hosts share', () => {
    const servers = parseMcpServers({
      mcpServers: {
        files: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'], env: { A: 'b' } },
        remote: { type: 'http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer x' } },
      },
      // Other hosts' own settings are left alone.
      theme: 'dark',
    });
    expect(servers).toEqual({
      files: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'], env: { A: 'b' } },
      remote: { url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer x' } },
    });
  });

  it('should take ${VAR} and ${VAR:-default} from the environment', () => {
    const servers = parseMcpServers(
      {
        mcpServers: {
          remote: {
            url: 'https://${HOST}/mcp',
            headers: { Authorization: 'Bearer ${TOKEN}', 'X-Team': '${TEAM:-core}' },
          },
        },
      },
      { HOST: 'mcp.example.com', TOKEN: 'secret' },
    );
    expect(servers.remote).toEqual({
      url: 'https://mcp.example.com/mcp',
      headers: { Authorization: 'Bearer secret', 'X-Team': 'core' },
    });
    expect(() => parseMcpServers({ mcpServers: { s: { command: '${MISSING}' } } }, {})).toThrow(
      'mcpServers.s: the environment variable MISSING is not set.',
    );
  });

  it.each([
    [{}, /Expected \{"mcpServers"/],
    [{ mcpServers: { 'bad name': { command: 'x' } } }, /use 1-64 letters/],
    [{ mcpServers: { s: {} } }, 'mcpServers.s: give either "command" (stdio) or "url" (Streamable HTTP).'],
    [{ mcpServers: { s: { command: 'x', url: 'http://a' } } }, /give either/],
    [{ mcpServers: { s: { command: 'x', args: 'not-a-list' } } }, /mcpServers\.s: .*args/],
    [{ mcpServers: { s: { url: 'ftp://a/mcp' } } }, /mcpServers\.s: .*url/],
    [{ mcpServers: { s: { type: 'sse', url: 'http://a/sse' } } }, /legacy SSE transport is not supported/],
  ])('should refuse %j, naming the entry', (json, message) => {
    expect(() => parseMcpServers(json, {})).toThrow(message);
  });
});
