import type { z } from 'zod';
import { loadZod } from '../zod.loader';

/** A server the toolkit starts itself and speaks to over stdin/stdout. */
export interface McpStdioServerConfig {
  command: string;
  args?: string[];
  /** Added to a minimal inherited environment (PATH, HOME, ...), as the MCP SDK does. */
  env?: Record<string, string>;
  cwd?: string;
}

/** A server already running somewhere, reached over Streamable HTTP. */
export interface McpHttpServerConfig {
  url: string;
  /** Sent with every request, e.g. `{ Authorization: 'Bearer ...' }`. */
  headers?: Record<string, string>;
}

export type McpServerConfig = McpStdioServerConfig | McpHttpServerConfig;

export function isHttpServer(config: McpServerConfig): config is McpHttpServerConfig {
  return 'url' in config;
}

/** The file's and the servers' schemas, built on the first configuration read. */
let schemas: ReturnType<typeof buildSchemas> | undefined;

function buildSchemas() {
  const z = loadZod();
  const stringRecord = z.record(z.string(), z.string());
  // Other hosts write `type` ("stdio", "http", "streamable-http"); it is implied by `command` or `url`, so only a
  // transport we do not speak is refused.
  const transportType = z.enum(['stdio', 'http', 'streamable-http', 'streamableHttp']).optional();
  const stdioSchema = z.looseObject({
    type: transportType,
    command: z.string().min(1),
    args: z.array(z.string()).optional(),
    env: stringRecord.optional(),
    cwd: z.string().min(1).optional(),
  });
  const httpSchema = z.looseObject({
    type: transportType,
    url: z.url({ protocol: /^https?$/ }),
    headers: stringRecord.optional(),
  });
  const fileSchema = z.looseObject({ mcpServers: z.record(z.string(), z.unknown()) });
  return { stdioSchema, httpSchema, fileSchema };
}

const SERVER_NAME = /^[\w.-]{1,64}$/;

/**
 * Reads the `mcpServers` object of the configuration format MCP hosts share (Claude Desktop, Cursor, ...):
 * `{"mcpServers": {"name": {"command", "args", "env"} | {"url", "headers"}}}`. `${VAR}` and `${VAR:-default}` in
 * any string are replaced from `env`, so secrets can stay out of the file. Throws an Error naming the bad entry.
 */
export function parseMcpServers(
  json: unknown,
  env: Record<string, string | undefined> = process.env,
): Record<string, McpServerConfig> {
  const { fileSchema } = (schemas ??= buildSchemas());
  const file = fileSchema.safeParse(json);
  if (!file.success) {
    throw new Error(`Expected {"mcpServers": {"<name>": {...}}}: ${issuesOf(file.error)}`);
  }
  const servers: Record<string, McpServerConfig> = {};
  for (const [name, raw] of Object.entries(file.data.mcpServers)) {
    if (!SERVER_NAME.test(name)) {
      throw new Error(`mcpServers: '${name}' is not a server name: use 1-64 letters, digits, _, . or -.`);
    }
    servers[name] = parseServer(name, expandVariables(raw, env, name));
  }
  return servers;
}

function parseServer(name: string, raw: unknown): McpServerConfig {
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  if (fields.type === 'sse') {
    throw new Error(`mcpServers.${name}: the legacy SSE transport is not supported; use Streamable HTTP or stdio.`);
  }
  if ('command' in fields === 'url' in fields) {
    throw new Error(`mcpServers.${name}: give either "command" (stdio) or "url" (Streamable HTTP).`);
  }
  const { httpSchema, stdioSchema } = (schemas ??= buildSchemas());
  const parsed = 'url' in fields ? httpSchema.safeParse(raw) : stdioSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`mcpServers.${name}: ${issuesOf(parsed.error)}`);
  }
  const { type: _type, ...config } = parsed.data;
  return config;
}

/** One line: `args: expected array, received string; url: Invalid URL`. */
function issuesOf(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function expandVariables(value: unknown, env: Record<string, string | undefined>, server: string): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (_match, variable: string, fallback: string | undefined) => {
      const found = env[variable] ?? fallback;
      if (found === undefined) {
        throw new Error(`mcpServers.${server}: the environment variable ${variable} is not set.`);
      }
      return found;
    });
  }
  if (Array.isArray(value)) {
    return value.map((item) => expandVariables(item, env, server));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandVariables(v, env, server)]));
  }
  return value;
}
