import { AgentCard } from '@a2a-js/sdk';
import { ScriptedModel } from '../core/backends/scripted.model';
import { ChatAgent } from '../core/chat-agent';
import { isLegacyVersion, toAgentCard, toCardJson, toLegacyCardJson } from './a2a-card.mapper';

const agent = new ChatAgent({ model: new ScriptedModel(), systemMessage: 'Private prompt.', description: 'Helps.' });
const facts = { agentId: 'helper', agent, endpoint: 'https://agents.example/a2a/helper', bearer: true };

describe('A2A agent card', () => {
  it('should write the bearer scheme in protocol JSON, which the SDK reads back', () => {
    const json = toCardJson(toAgentCard(facts)) as Record<string, unknown>;
    expect(json.securitySchemes).toEqual({
      bearer: { httpAuthSecurityScheme: expect.objectContaining({ scheme: 'Bearer' }) as unknown },
    });
    expect(AgentCard.fromJSON(json).securitySchemes.bearer.scheme?.$case).toBe('httpAuthSecurityScheme');
    expect(JSON.stringify(json)).not.toContain('Private prompt.');
  });

  it('should declare no scheme when API keys are off', () => {
    const card = toAgentCard({ ...facts, bearer: false });
    expect(card.securitySchemes).toEqual({});
    expect(card.securityRequirements).toEqual([]);
  });

  it("should give 0.3 clients 0.3's fields and 1.0's interfaces", () => {
    const legacy = toLegacyCardJson(toAgentCard(facts));
    expect(legacy).toMatchObject({
      name: 'helper',
      url: 'https://agents.example/a2a/helper',
      preferredTransport: 'JSONRPC',
      protocolVersion: '0.3',
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      security: [{ bearer: [] }],
      skills: [{ id: 'chat', description: 'Helps.' }],
    });
    expect(legacy.supportedInterfaces).toHaveLength(2);
  });

  it('should treat a missing A2A-Version as 0.3', () => {
    expect(isLegacyVersion(undefined)).toBe(true);
    expect(isLegacyVersion('')).toBe(true);
    expect(isLegacyVersion('0.3')).toBe(true);
    expect(isLegacyVersion('1.0')).toBe(false);
  });
});
