import { A2A_PROTOCOL_VERSION, AgentCard } from '@a2a-js/sdk';
import { A2A_LEGACY_PROTOCOL_VERSION, duplicateInterfacesForLegacy } from '@a2a-js/sdk/compat/v0_3';
import type { ChatAgent } from '../core/chat-agent';

/** What a card says about one served agent. */
export interface CardFacts {
  agentId: string;
  agent: ChatAgent;
  /** The agent's JSON-RPC endpoint, absolute (`https://host/a2a/{agentId}`). */
  endpoint: string;
  /** API keys are on: the card names the bearer scheme clients must use. */
  bearer: boolean;
}

const BEARER_DESCRIPTION = "An API key of this server, sent as 'Authorization: Bearer <key>'.";

/**
 * The A2A 1.0 card of a served agent: one JSON-RPC endpoint declared twice, at 1.0 and at 0.3, since the same URL
 * answers both (0.3 clients are refused unless the card lists a 0.3 interface). The skill comes from the agent's
 * public description, falling back to its system message, and lists its own tools as tags.
 */
export function toAgentCard({ agentId, agent, endpoint, bearer }: CardFacts): AgentCard {
  const description = agent.description ?? agent.systemMessage ?? `The '${agentId}' chat agent.`;
  return {
    name: agentId,
    description,
    supportedInterfaces: duplicateInterfacesForLegacy(
      [{ url: endpoint, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: A2A_PROTOCOL_VERSION }],
      ['JSONRPC'],
    ),
    provider: undefined,
    version: '1.0.0',
    capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: bearer
      ? {
          bearer: {
            scheme: {
              $case: 'httpAuthSecurityScheme',
              value: { description: BEARER_DESCRIPTION, scheme: 'Bearer', bearerFormat: '' },
            },
          },
        }
      : {},
    securityRequirements: bearer ? [{ schemes: { bearer: { list: [] } } }] : [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [
      {
        id: 'chat',
        name: `Chat with ${agentId}`,
        description,
        tags: ['chat', ...agent.tools.keys()],
        examples: [],
        inputModes: [],
        outputModes: [],
        securityRequirements: [],
      },
    ],
    signatures: [],
  };
}

/**
 * The card in A2A's own JSON. The SDK's card handler writes it with `JSON.stringify`, which turns the bearer scheme
 * into `{"$case": ...}` (its own client then reads no scheme at all); `AgentCard.toJSON` writes the protocol form.
 */
export function toCardJson(card: AgentCard): unknown {
  return AgentCard.toJSON(card);
}

/**
 * The card for a 0.3 client (no `A2A-Version` header, or 0.3): 0.3's top-level `url`, `preferredTransport`,
 * `protocolVersion` and `securitySchemes` / `security`, plus 1.0's `supportedInterfaces`, as the SDK's own compat
 * card does, so both generations find their endpoint.
 */
export function toLegacyCardJson(card: AgentCard): Record<string, unknown> {
  const legacy = card.supportedInterfaces.find((i) => i.protocolVersion === A2A_LEGACY_PROTOCOL_VERSION);
  const bearer = card.securitySchemes.bearer !== undefined;
  return {
    name: card.name,
    description: card.description,
    version: card.version,
    url: legacy?.url,
    preferredTransport: legacy?.protocolBinding,
    protocolVersion: legacy?.protocolVersion,
    capabilities: { streaming: card.capabilities?.streaming, pushNotifications: card.capabilities?.pushNotifications },
    defaultInputModes: card.defaultInputModes,
    defaultOutputModes: card.defaultOutputModes,
    skills: card.skills.map(({ id, name, description, tags }) => ({ id, name, description, tags })),
    ...(bearer
      ? {
          securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: BEARER_DESCRIPTION } },
          security: [{ bearer: [] }],
        }
      : {}),
    supportedInterfaces: (toCardJson(card) as { supportedInterfaces: unknown }).supportedInterfaces,
  };
}

/** A request without `A2A-Version` speaks 0.3 (A2A 1.0, section 3.6.2). */
export function isLegacyVersion(versionHeader: string | undefined): boolean {
  return (versionHeader || A2A_LEGACY_PROTOCOL_VERSION) === A2A_LEGACY_PROTOCOL_VERSION;
}
