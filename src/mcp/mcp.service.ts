import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Request, Response } from 'express';
import { SERVED_AGENTS, type ServedAgents } from '../agent/served-agents';
import { keyOwner } from '../auth/key-owner';
import { toErrorResponse } from '../common/errors/error-response';
import type { AllConfig, ServerConfig } from '../config/app.config';
import { requestContextOf, type RequestContext } from '../request-context/request-context';
import type { ConversationRun } from '../responses/conversation-turn';
import { ResponsesService } from '../responses/responses.service';
import {
  type AgentToolArguments,
  toolDescriptionOf,
  toolNameOf,
  toProgress,
  toToolError,
  toToolResult,
} from './mcp-tool.mapper';
import { loadMcpServerSdk, type McpServerSdk } from './mcp-server-sdk.loader';
import { RunningCalls } from './running-calls';

type CallExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Where a call comes from: its key or address, and the id handed out at `initialize` when the client keeps it. */
interface Caller {
  id: string;
  scope?: RequestContext;
  /** Whose conversations it creates and continues: its API key's digest, as for the Responses API. */
  owner?: string;
}

const SERVER_INFO = { name: 'chat-agent-server', version: '0.1.0' };

/** The tools' schemas, in the zod the SDK reads them in (built once, when `/mcp` is first asked). */
function toolSchemasOf(z: McpServerSdk['z']) {
  return {
    inputSchema: {
      message: z.string().min(1).describe('What to ask or tell the agent.'),
      conversation_id: z
        .string()
        .min(1)
        .optional()
        .describe(
          'Continue this conversation: the conversation_id of an earlier answer (or a Responses API response id). ' +
            'Leave it out to start a new conversation.',
        ),
    },
    outputSchema: {
      answer: z.string().describe("The agent's answer."),
      conversation_id: z.string().describe('Pass it with the next message to continue this conversation.'),
    },
  };
}

/**
 * The served agents as MCP tools over Streamable HTTP, stateless: every POST gets a server and a transport of its
 * own, so any replica answers any request and no session lives here. One tool per agent; a call runs the agent
 * through AgentService with the request's scope (keys, limits, timeout, drain), reports its own tool runs as
 * progress, and stops when the client cancels or goes away.
 */
@Injectable()
export class McpService {
  private readonly running = new RunningCalls();
  /** Tool name → served agent id. */
  private readonly tools = new Map<string, string>();
  private readonly keepAliveMs: number;
  private schemas?: ReturnType<typeof toolSchemasOf>;

  constructor(
    private readonly conversations: ResponsesService,
    @Inject(SERVED_AGENTS) served: ServedAgents,
    config: ConfigService<AllConfig, true>,
  ) {
    for (const id of served.keys()) {
      let name = toolNameOf(id);
      for (let n = 2; this.tools.has(name); n++) {
        name = `${toolNameOf(id).slice(0, 120)}_${n}`;
      }
      this.tools.set(name, id);
    }
    this.keepAliveMs = config.get<ServerConfig>('server').sseKeepAliveMs;
  }

  async handle(req: Request, res: Response): Promise<void> {
    const sdk = loadMcpServerSdk();
    const scope = requestContextOf(req);
    const session = req.headers['mcp-session-id'];
    const caller: Caller = {
      id: `${scope?.principal ?? `ip:${req.ip}`}|${typeof session === 'string' ? session : ''}`,
      scope,
      owner: keyOwner(req),
    };
    const transport = new sdk.StreamableHTTPServerTransport({
      // Nothing is kept between requests. The id handed out at `initialize` only tells callers apart for
      // cancellation (RunningCalls); any replica accepts any id, or none.
      sessionIdGenerator: isInitialize(sdk, req.body) ? () => randomUUID() : undefined,
      keepAliveMs: this.keepAliveMs,
    });
    const server = this.serverFor(sdk, caller, transport);
    // The SDK does not stop a running tool when the client leaves: closing the transport aborts its handlers.
    res.once('close', () => void server.close());
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  }

  private serverFor(sdk: McpServerSdk, caller: Caller, transport: StreamableHTTPServerTransport): McpServer {
    const server = new sdk.McpServer(SERVER_INFO, { capabilities: { tools: {} } });
    const { inputSchema, outputSchema } = (this.schemas ??= toolSchemasOf(sdk.z));
    for (const [name, agentId] of this.tools) {
      server.registerTool(name, { description: toolDescriptionOf(agentId), inputSchema, outputSchema }, (args, extra) =>
        this.ask(agentId, args, extra, caller, () => void transport.close()),
      );
    }
    // A cancellation comes in a POST of its own: the call it names runs under another request's server.
    server.server.setNotificationHandler(sdk.CancelledNotificationSchema, (notification) => {
      this.running.cancel(caller.id, notification.params.requestId, notification.params.reason ?? 'cancelled');
    });
    return server;
  }

  private async ask(
    agentId: string,
    args: AgentToolArguments,
    extra: CallExtra,
    caller: Caller,
    closeStream: () => void,
  ): Promise<CallToolResult> {
    let run: ConversationRun;
    try {
      run = await this.conversations.converse({
        model: agentId,
        message: args.message,
        conversationId: args.conversation_id,
        owner: caller.owner,
        scope: caller.scope,
      });
    } catch (error) {
      // An unknown conversation (or another key's) is the tool's error, as every failure of the call is.
      return toToolError(toErrorResponse(error).body.error.message);
    }
    return this.follow(run, extra, caller, closeStream);
  }

  /** The turn's events: progress for the agent's own tools, the answer at the end, a stop on cancel or leave. */
  private follow(
    run: ConversationRun,
    extra: CallExtra,
    caller: Caller,
    closeStream: () => void,
  ): Promise<CallToolResult> {
    const progressToken = extra._meta?.progressToken;
    let step = 0;
    let answer = '';
    let forget = () => {};
    return new Promise<CallToolResult>((resolve) => {
      const subscription = run.events$.subscribe({
        next: (event) => {
          if (event.type === 'text') {
            answer += event.text;
          }
          const progress = progressToken === undefined ? undefined : toProgress(event, progressToken, step + 1);
          if (progress) {
            step++;
            extra.sendNotification(progress).catch(() => undefined);
          }
        },
        complete: () => resolve(toToolResult(answer, run.conversationId)),
        error: (error: unknown) => resolve(toToolError(toErrorResponse(error).body.error.message)),
      });
      const stop = () => {
        subscription.unsubscribe();
        resolve(toToolError('The call was cancelled.'));
      };
      // The client left (or this request's stream closed): the SDK aborts the handler's signal.
      if (extra.signal.aborted) {
        stop();
        return;
      }
      extra.signal.addEventListener('abort', stop, { once: true });
      // The client cancelled: no answer is due (spec), so the call's stream ends too.
      forget = this.running.add(caller.id, extra.requestId, () => {
        stop();
        closeStream();
      });
      subscription.add(() => extra.signal.removeEventListener('abort', stop));
    }).finally(() => forget());
  }
}

function isInitialize({ isInitializeRequest }: McpServerSdk, body: unknown): boolean {
  return Array.isArray(body) ? body.some((message) => isInitializeRequest(message)) : isInitializeRequest(body);
}
